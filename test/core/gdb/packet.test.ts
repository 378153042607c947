/** The GDB remote protocol's framing (core/gdb/packet.ts): what a peer sends, decoded or refused with a reason. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePacket, GdbProtocolError, hexBytes, PacketReader, type GdbEvent } from '../../../core/gdb/packet';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const packet = (s: string) => {
  let sum = 0;
  for (const c of s) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${s}#${sum.toString(16).padStart(2, '0')}`;
};

test('encodePacket frames the data with its checksum (the sum of its bytes modulo 256)', () => {
  assert.equal(String.fromCharCode(...encodePacket('m9050000,4')), '$m9050000,4#2b');
  assert.equal(String.fromCharCode(...encodePacket('?')), '$?#3f');
  assert.equal(String.fromCharCode(...encodePacket('')), '$#00');
});

test('acknowledgements, packets and notifications, whatever the chunks', () => {
  const wire = `+${packet('OK')}-%${packet('Stop:T05').slice(1)}`;
  // Byte by byte and all at once decode the same.
  const r1 = new PacketReader();
  const one: GdbEvent[] = [];
  for (const b of bytes(wire)) one.push(...r1.push(Uint8Array.of(b)));
  const all = new PacketReader().push(bytes(wire));
  assert.deepEqual(one, all);
  assert.deepEqual(all, [
    { kind: 'ack' },
    { kind: 'packet', data: 'OK', notification: false },
    { kind: 'nack' },
    { kind: 'packet', data: 'Stop:T05', notification: true },
  ]);
});

test('run-length encoding: X*n repeats X n - 29 more times, the checksum covers the encoded bytes', () => {
  // QEMU's reply to m9050000,8 run-length encoded as GDB's stubs do: '0*+' is 1 + (43 - 29) = 15 zeros.
  const ev = new PacketReader().push(bytes(packet('1*+')));
  assert.deepEqual(ev, [{ kind: 'packet', data: '1'.repeat(15), notification: false }]);
  assert.deepEqual(new PacketReader().push(bytes(packet('ab* c'))), [
    { kind: 'packet', data: 'abbbbc', notification: false },
  ]);
});

test('a wrong checksum is reported as corrupt (the client asks again), not as data', () => {
  const ev = new PacketReader().push(bytes('$OK#00'));
  assert.equal(ev.length, 1);
  assert.equal(ev[0]?.kind, 'corrupt');
  assert.match((ev[0] as { why: string }).why, /checksum 00 where the data sums to 9a/);
});

test('a packet larger than the limit is refused as soon as it crosses it, before its end comes', () => {
  const r = new PacketReader(1024);
  assert.deepEqual(r.push(bytes(packet('x'.repeat(1024)))).length, 1);
  assert.throws(() => r.push(bytes('$' + 'y'.repeat(1025))), /larger than 1024 bytes/);
  // Run-length decoding counts too: 40 runs of 97 repeats from 120 bytes on the wire.
  assert.throws(() => new PacketReader(1024).push(bytes('$' + 'z*~'.repeat(40))), /larger than 1024 bytes/);
});

test('malformed input: stray bytes, a run of nothing, a count that is not one, a checksum that is not hex', () => {
  assert.throws(
    () => new PacketReader().push(bytes('x'.repeat(300))),
    (e: unknown) => {
      assert.ok(e instanceof GdbProtocolError);
      assert.match(e.message, /256 bytes that are not packets .*does not speak the GDB remote protocol/);
      return true;
    },
  );
  // A few stray bytes between packets are ignored, as GDB does.
  assert.deepEqual(new PacketReader().push(bytes(`\r\n${packet('OK')}`)), [
    { kind: 'packet', data: 'OK', notification: false },
  ]);
  assert.throws(() => new PacketReader().push(bytes('$*"#00')), /repeats nothing/);
  assert.throws(() => new PacketReader().push(bytes('$a*\x01#00')), /count character 0x01/);
  assert.throws(() => new PacketReader().push(bytes('$OK#zz')), /'z', which is not a hex digit/);
  assert.throws(() => new PacketReader().push(bytes('$O$K#00')), /a packet started inside another one/);
});

test('hexBytes reads an m reply two digits a byte and refuses anything else', () => {
  assert.deepEqual(hexBytes('1a10400d'), Uint8Array.of(0x1a, 0x10, 0x40, 0x0d));
  assert.equal(hexBytes('1a1'), undefined);
  assert.equal(hexBytes('E22x'), undefined);
});
