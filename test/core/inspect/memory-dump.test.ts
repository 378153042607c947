/**
 * QEMU's `xp /Nxw` dump as core/inspect/memory-dump.ts reads it: the line format of QEMU's
 * memory_dump (`%016x:` then ` 0x%08x` per word, 16 bytes a line), a line it could not read, and
 * text that is not a dump. The well-formed dumps of a real QEMU 7.2 are read in
 * test/cli/inspect-qemu.test.ts and test/protocol/dap/dap-attach-qmp.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wordsFromMemoryDump } from '../../../core/inspect/memory-dump';

test('a dump of 6 words over two lines: the words in order', () => {
  const text =
    '0000000044000000: 0x00000001 0x00000000 0xdeadbeef 0x12345678\r\n0000000044000010: 0x0000000a 0xffffffff\r\n';
  assert.deepEqual(wordsFromMemoryDump(text, 0x44000000n, 6), [1, 0, 0xdeadbeef, 0x12345678, 10, 0xffffffff]);
});

test('a line QEMU cannot read, a line out of place, a short dump, an HMP error: each said, no words', () => {
  assert.equal(
    wordsFromMemoryDump(
      '0000000044000000: 0x00000001 0x00000000 0x00000000 0x00000000\n0000000044000010: Cannot access memory\n',
      0x44000000n,
      8,
    ),
    'the monitor cannot access memory at 0x44000010',
  );
  assert.equal(
    wordsFromMemoryDump('0000000044000010: 0x00000001\n', 0x44000000n, 1),
    "the monitor's dump has a line at 0x44000010 where 0x44000000 was due",
  );
  assert.equal(
    wordsFromMemoryDump('0000000044000000: 0x00000001\n', 0x44000000n, 2),
    "the monitor's dump has 1 word, not 2",
  );
  assert.equal(
    wordsFromMemoryDump("unknown command: 'xp'\r\n", 0x44000000n, 1),
    "the monitor answered 'unknown command: 'xp'', not a memory dump",
  );
  assert.equal(
    wordsFromMemoryDump('0000000044000000: 0x1234567890\n', 0x44000000n, 1),
    "the monitor's dump has '0x1234567890' at 0x44000000, not a 32-bit word",
  );
});
