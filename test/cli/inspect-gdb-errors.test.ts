/**
 * `smmu inspect` against gdbstubs that misbehave: a local TCP peer that refuses, drops the
 * connection, answers garbage, floods, never answers, or is not QEMU's. Each must end in a clear
 * error (exit 2, no stack trace) within its time limit and bounded memory (the CLI runs under a
 * 512 MB heap). The peer here only plays these error paths; reading a real SMMU is tested on
 * QEMU itself (inspect-qemu.test.ts).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { smmuAsync } from '../harness/cli-harness';
import { freePort } from '../harness/live-guest';

const checksum = (s: string) => {
  let sum = 0;
  for (const c of s) sum = (sum + c.charCodeAt(0)) & 0xff;
  return sum.toString(16).padStart(2, '0');
};
const packet = (s: string) => `$${s}#${checksum(s)}`;

/** A TCP peer on a free loopback port; `onConnection` plays the part. Records every packet it receives. */
async function peer(onConnection: (socket: net.Socket, received: string[]) => void) {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (let m = /\$([^#]*)#../.exec(buf); m; m = /\$([^#]*)#../.exec(buf)) {
        received.push(m[1] as string);
        buf = buf.slice(m.index + m[0].length);
      }
    });
    onConnection(socket, received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** No stack trace, one line naming the stub. */
function clearError(r: { code: number | null; err: string; out: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.err + r.out);
  assert.equal(r.out, '');
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.match(r.err, re);
}

/** A stub that answers like QEMU's until `script` takes over for a packet. */
function answering(script: (p: string, socket: net.Socket) => boolean) {
  return (socket: net.Socket, received: string[]) => {
    let seen = 0;
    socket.on('data', () => {
      while (seen < received.length) {
        const p = received[seen++] as string;
        socket.write('+');
        if (script(p, socket)) continue;
        if (p === '?') socket.write(packet('T05thread:01;'));
        else if (p.startsWith('qSupported')) socket.write(packet('PacketSize=1000'));
        else socket.write(packet(''));
      }
    });
  };
}

test('a refused connection: what to check, exit 2', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${port}`);
  clearError(
    r,
    new RegExp(
      `^smmu inspect: the gdbstub at 127\\.0\\.0\\.1:${port}: connection refused \\(is QEMU running with -gdb tcp::PORT or -s, on this port\\?\\)\\n$`,
    ),
  );
});

test('a port alone means this machine: 127.0.0.1', { timeout: 30_000 }, async () => {
  const port = await freePort();
  for (const given of [`${port}`, `:${port}`]) {
    const r = await smmuAsync(20_000, 'inspect', '--gdb', given);
    clearError(r, new RegExp(`^smmu inspect: the gdbstub at 127\\.0\\.0\\.1:${port}: connection refused`));
  }
});

test('a stub that drops the connection at once', { timeout: 30_000 }, async () => {
  const p = await peer((s) => s.destroy());
  try {
    const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`);
    clearError(r, /the gdbstub at 127\.0\.0\.1:\d+( closed the connection|: the connection was reset)/);
  } finally {
    await p.close();
  }
});

test('a peer that answers garbage is not a gdbstub', { timeout: 30_000 }, async () => {
  const p = await peer((s) => s.write('HTTP/1.1 400 Bad Request\r\n' + 'x'.repeat(400)));
  try {
    const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`);
    clearError(r, /sent 256 bytes that are not packets .* it does not speak the GDB remote protocol/);
  } finally {
    await p.close();
  }
});

test('a packet that never ends is cut off at the limit, in bounded memory', { timeout: 60_000 }, async () => {
  const chunk = 'a'.repeat(64 * 1024);
  const p = await peer((s) => {
    s.write('$');
    // Endless data without a '#': 16 MB offered, the client cuts at its 64 KiB limit.
    const flood = (n: number) => {
      if (n > 0 && !s.destroyed) s.write(chunk, () => flood(n - 1));
    };
    flood(256);
  });
  try {
    const r = await smmuAsync(40_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`);
    clearError(r, /a packet is larger than 65536 bytes \(the limit of this client\): the connection was cut/);
  } finally {
    await p.close();
  }
});

test('packets with bad checksums, again and again', { timeout: 30_000 }, async () => {
  // Every packet, and every request to send it again ('-'), is answered with a bad checksum.
  const p = await peer((s) =>
    s.on('data', (d) => (d.includes('$') || d.includes('-') ? s.write('+$T05#00') : undefined)),
  );
  try {
    const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`);
    clearError(r, /sent 4 packets with bad checksums \(checksum 00 where the data sums to b9\)/);
  } finally {
    await p.close();
  }
});

test('a stub that never answers: interrupted with Ctrl-C, then a timeout', { timeout: 30_000 }, async () => {
  let interrupted = false;
  const p = await peer((s) => s.on('data', (d) => (interrupted ||= d.includes(0x03))));
  try {
    const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`, '--timeout', '1');
    clearError(r, /the gdbstub at 127\.0\.0\.1:\d+ did not answer Ctrl-C \(0x03\) within 1 s/);
    assert.ok(interrupted, 'the client sent Ctrl-C');
    assert.deepEqual(p.received, ['?']);
  } finally {
    await p.close();
  }
});

test(
  'a gdbstub that is not QEMU\u2019s: no physical-memory mode, and nothing written or resumed',
  { timeout: 30_000 },
  async () => {
    const p = await peer(answering(() => false));
    try {
      const r = await smmuAsync(20_000, 'inspect', '--gdb', `127.0.0.1:${p.port}`);
      clearError(
        r,
        /has no physical-memory mode \(qqemu\.PhyMemMode answered ''\): it is not QEMU's gdbstub, or too old/,
      );
      assert.deepEqual(p.received, ['?', 'qSupported', 'qqemu.PhyMemMode']);
    } finally {
      await p.close();
    }
  },
);

test('--gdb must be HOST:PORT; --base a word-aligned address', async () => {
  for (const [args, re] of [
    [['--gdb', 'localhost'], /--gdb localhost: give HOST:PORT/],
    [['--gdb', 'localhost:70000'], /the port must be 1 to 65535/],
    [[], /--gdb HOST:PORT or --qmp HOST:PORT is required/],
    [['--gdb', ':1234', '--base', '0x9050002'], /--base 0x9050002: give a word-aligned physical address/],
  ] as const) {
    const r = await smmuAsync(20_000, 'inspect', ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, re);
  }
});
