/**
 * `smmu inspect --qmp` and the debug adapter's QMP attach against monitors that misbehave: a local
 * TCP peer that refuses, greets with garbage or with JSON that is not QMP, never greets, drops
 * the connection, refuses a command, or goes away during a session. Each must end in a clear
 * error (exit 2, no stack trace; an error response or the session's end with a message) within
 * its time limit. The peer here only plays these error paths; reading a real SMMU through QMP is
 * tested on QEMU itself (inspect-qemu.test.ts, dap-attach-qmp.test.ts).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { smmuAsync } from '../harness/cli-harness';
import { startClient } from '../harness/dap-harness';
import { freePort } from '../harness/live-guest';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\r\n';

/** A monitor on a free loopback port: `onCommand` answers each command (JSON text, or nothing). */
async function monitor(o: {
  greeting?: string;
  onCommand?: (c: { execute: string; id?: unknown; arguments?: Record<string, unknown> }, socket: net.Socket) => void;
}) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (o.greeting !== undefined) socket.write(o.greeting);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        o.onCommand?.(JSON.parse(line) as { execute: string; id?: unknown }, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const reply = (socket: net.Socket, id: unknown, value: unknown) =>
  socket.write(JSON.stringify({ return: value, id }) + '\r\n');

/** Like QEMU's, with every register and word 0 and no RAM in its memory map. */
function likeQemu(c: { execute: string; id?: unknown; arguments?: Record<string, unknown> }, socket: net.Socket) {
  if (c.execute === 'query-status') return reply(socket, c.id, { status: 'running', running: true });
  if (c.execute !== 'human-monitor-command') return reply(socket, c.id, {});
  const line = String(c.arguments?.['command-line']);
  const xp = /^xp \/(\d+)xw 0x([0-9a-f]+)$/.exec(line);
  if (!xp) return reply(socket, c.id, '');
  let text = '';
  for (let k = 0; k < Number(xp[1]); k += 4) {
    const at = BigInt(`0x${xp[2]}`) + BigInt(k * 4);
    text += `${at.toString(16).padStart(16, '0')}:${' 0x00000000'.repeat(Math.min(4, Number(xp[1]) - k))}\r\n`;
  }
  reply(socket, c.id, text);
}

function clearError(r: { code: number | null; err: string; out: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.err + r.out);
  assert.equal(r.out, '');
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.match(r.err, re);
}

test('inspect --qmp: a refused port says what to start QEMU with', async () => {
  const port = await freePort();
  const r = await smmuAsync(20_000, 'inspect', '--qmp', `127.0.0.1:${port}`);
  clearError(
    r,
    new RegExp(
      `^smmu inspect: QEMU's monitor \\(QMP\\) at 127\\.0\\.0\\.1:${port}: connection refused \\(is QEMU running with -qmp tcp:127\\.0\\.0\\.1:PORT,server,wait=off`,
    ),
  );
});

test('inspect --qmp: garbage, a greeting that is not QMP, no greeting, a drop: clear errors', async () => {
  const cases: [Parameters<typeof monitor>[0], RegExp][] = [
    [{ greeting: 'SSH-2.0-OpenSSH_9.2\r\n' }, /sent what is not QMP \(not JSON\): 'SSH-2\.0-OpenSSH_9\.2'$/m],
    [{ greeting: '{"hello": 1}\r\n' }, /is not QEMU's QMP: it greeted with '\{"hello": 1\}'$/m],
    [{}, /sent no greeting within 1 s \(is it QEMU's -qmp socket\? .*serves one client at a time/],
    [
      { greeting: GREETING, onCommand: (_c, socket) => socket.destroy() },
      /QEMU's monitor \(QMP\) at 127\.0\.0\.1:\d+ (closed the connection before it answered|: the connection was reset)/,
    ],
    [
      {
        greeting: GREETING,
        onCommand: (c, socket) => socket.write(`{"return": {}, "id": "${String(c.id)}"} trailing\r\n`),
      },
      /sent what is not QMP \(not JSON\)/,
    ],
  ];
  for (const [o, want] of cases) {
    const m = await monitor(o);
    try {
      clearError(await smmuAsync(20_000, 'inspect', '--qmp', `127.0.0.1:${m.port}`, '--timeout', '1'), want);
    } finally {
      await m.close();
    }
  }
});

test('inspect --qmp: a monitor that refuses the capabilities or a command says which, with its description', async () => {
  const m = await monitor({
    greeting: GREETING,
    onCommand: (c, socket) =>
      c.execute === 'qmp_capabilities'
        ? reply(socket, c.id, {})
        : socket.write(
            JSON.stringify({
              error: { class: 'CommandNotFound', desc: `The command ${c.execute} has not been found` },
              id: c.id,
            }) + '\r\n',
          ),
  });
  try {
    clearError(
      await smmuAsync(20_000, 'inspect', '--qmp', `127.0.0.1:${m.port}`, '--timeout', '2'),
      /QEMU's monitor \(QMP\) at 127\.0\.0\.1:\d+ refused 'query-status': The command query-status has not been found$/m,
    );
  } finally {
    await m.close();
  }
});

test('inspect: --gdb and --qmp together, a bad --qmp', async () => {
  clearError(await smmuAsync(20_000, 'inspect', '--gdb', '1234', '--qmp', '4444'), /give --gdb or --qmp, not both/);
  clearError(await smmuAsync(20_000, 'inspect', '--qmp', 'localhost:'), /--qmp localhost:: give HOST:PORT/);
  clearError(await smmuAsync(20_000, 'inspect', '--qmp', '70000'), /--qmp 70000: the port must be 1 to 65535/);
});

test('inspect --qmp: a monitor that answers a dump with an HMP error leaves the register unreadable, named', async () => {
  const m = await monitor({
    greeting: GREETING,
    onCommand: (c, socket) =>
      String(c.arguments?.['command-line']).startsWith('xp')
        ? reply(socket, c.id, "unknown command: 'xp'\r\n")
        : likeQemu(c, socket),
  });
  try {
    const r = await smmuAsync(20_000, 'inspect', '--qmp', `127.0.0.1:${m.port}`, '--json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out) as { registers: { name: string; error?: string }[] };
    assert.match(
      j.registers.find((x) => x.name === 'IDR0')?.error ?? '',
      /^the monitor answered 'unknown command: 'xp'', not a memory dump \(xp \/1xw 0x9050000\)$/,
    );
  } finally {
    await m.close();
  }
});

test('attach through QMP: refused, and a monitor that goes away during the session ends it with a message', async () => {
  const port = await freePort();
  const dc0 = await startClient();
  try {
    await assert.rejects(
      dc0.attachRequest({ qmp: `127.0.0.1:${port}` } as DebugProtocol.AttachRequestArguments),
      new RegExp(`^Error: attach: QEMU's monitor \\(QMP\\) at 127\\.0\\.0\\.1:${port}: connection refused`),
    );
    await assert.rejects(
      dc0.attachRequest({ qmp: '1', gdb: '2' } as DebugProtocol.AttachRequestArguments),
      /^Error: attach: give "gdb" or "qmp", not both/,
    );
  } finally {
    await dc0.stop();
  }

  let session: net.Socket | undefined;
  const m = await monitor({
    greeting: GREETING,
    onCommand: (c, socket) => {
      session = socket;
      likeQemu(c, socket);
    },
  });
  const dc = await startClient();
  try {
    const stopped = dc.waitForEvent('stopped', 20_000);
    await Promise.all([
      dc.waitForEvent('initialized', 20_000).then(() => dc.configurationDoneRequest()),
      dc.attachRequest({ qmp: `127.0.0.1:${m.port}` } as DebugProtocol.AttachRequestArguments),
    ]);
    await stopped;
    const terminated = dc.waitForEvent('terminated', 20_000);
    const said = dc.waitForEvent('output', 20_000) as Promise<DebugProtocol.OutputEvent>;
    session?.destroy();
    await terminated;
    assert.match(
      (await said).body.output,
      /^QEMU's monitor \(QMP\) at 127\.0\.0\.1:\d+ closed the connection: the attach session ends \(did QEMU exit\?\)\n$/,
    );
  } finally {
    await dc.stop();
    await m.close();
  }
});
