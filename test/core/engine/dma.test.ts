/**
 * DMA payloads (docs/script-language.md, "DMA payloads"; core/engine/dma.ts): a device's bytes go
 * through the translation into guest memory, a transfer is one transaction per 4 KB block
 * (§16.7.1), each translated and checked on its own, and a transaction that does not complete
 * stops the device with the bytes before it written. Scripts run through the real parser,
 * resolver and interpreter; the expectations inside them and the assertions here both have to hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import { Engine } from '../../../core/engine/engine';
import { run, type Observation } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, QEMU_IDS } from '../../harness/helpers';

/** Queues, a linear stream table, and StreamID 5 at stage 1 (ASID 1, 4 KB granule) mapping IOVA 0x10000000 → PA 0x80000000. */
const PRELUDE = `
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5
write32 CR2 RECINVSID
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
tables 0x48000000
`;
const CD = 'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASID=1 TTB0=0x45000000';
const STE = 'ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000';
const STAGE1 = `${CD}\n${STE}\nmap ttb=0x45000000 iova=0x10000000 pa=0x80000000\n`;
/** The leaf descriptors of the first two pages: the pool gives L1, L2, then L3 at 0x48002000. */
const LEAF0 = 0x4800_2000n;
const LEAF1 = 0x4800_2008n;

interface Ran {
  readonly engine: Engine;
  readonly diagnostics: readonly ScriptDiagnostic[];
  /** What each line of the body (1-based) did. */
  summary(n: number): string | undefined;
  /** Diagnostics on line `n` of the body. */
  at(n: number): string[];
}

function runScript(body: string, ids: Partial<typeof QEMU_IDS> = {}): Ran {
  const text = PRELUDE + body;
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
    'the script resolves',
  );
  const engine = new Engine(config(ids));
  const r = run(resolved.statements, engine);
  const offset = PRELUDE.split('\n').length - 1;
  const line = (n: number) => offset + n - 1;
  return {
    engine,
    diagnostics: r.diagnostics,
    summary: (n) => r.observations.find((o: Observation) => o.line === line(n))?.summary,
    at: (n) => r.diagnostics.filter((d) => d.range.start.line === line(n)).map((d) => `${d.code}: ${d.message}`),
  };
}

const errors = (r: Ran) =>
  r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.range.start.line + 1} ${d.code}: ${d.message}`);
const events = (e: Engine) => e.activity.filter((a) => a.kind === 'event').map((a) => a.text);

test('a DMA write puts V, little-endian, at the PA the translation gives; data == V checks what a read returns', () => {
  const r = runScript(`${STAGE1}dma write sid=5 iova=0x10000010 data=0x1122334455667788
mem read8 0x80000010 == 0x88
mem read64 0x80000010 == 0x1122334455667788
dma read sid=5 iova=0x10000010 data == 0x1122334455667788
dma read sid=5 iova=0x10000010 data != 0x1122334455667788
dma read sid=5 iova=0x10000014 size=4 data == 0x11223344
`);
  assert.deepEqual(r.at(4 + 3), [], 'the read sees the bytes written');
  assert.deepEqual(r.at(4 + 4), ['expect.failed: the device read 0x1122334455667788, expected anything else']);
  assert.equal(errors(r).length, 1, errors(r).join('\n'));
  assert.match(
    r.summary(4) ?? '',
    /^translated → 0x0000000080000010 \(stage 1 walk, level 3 4 KB leaf\); wrote 0x1122334455667788$/,
  );
  assert.match(r.summary(4 + 3) ?? '', /; read 0x1122334455667788$/);
});

test('size=S below 8 moves S bytes: the value must fit them, and the byte after them stays', () => {
  const r = runScript(`${STAGE1}mem write32 0x80000020 0xFFFFFFFF
dma write sid=5 iova=0x10000020 size=3 data=0xABCDEF
mem read32 0x80000020 == 0xFFABCDEF
dma read sid=5 iova=0x10000021 size=2 data == 0xABCD
dma read sid=5 iova=0x10000020 size=3 data == 0xABCDEE
`);
  assert.deepEqual(errors(r), [
    `${PRELUDE.split('\n').length + 7} expect.failed: the device read 0xABCDEF, expected 0xABCDEE`,
  ]);
});

test('a two-page write whose second page faults leaves the first page written and names the transaction and its event', () => {
  const body = `${STAGE1}dma write sid=5 iova=0x10000F00 size=0x200 data=0xA5A5A5A5A5A5A5A5 == translated
mem read64 0x80000F00 == 0xA5A5A5A5A5A5A5A5
mem read64 0x80000FF8 == 0xA5A5A5A5A5A5A5A5
expect event F_TRANSLATION StreamID=5 InputAddr=0x10001000 RnW=0
dma write sid=5 iova=0x10000F00 size=0x200 data=0x5A == F_TRANSLATION
`;
  const r = runScript(body);
  assert.deepEqual(r.at(4), [
    'expect.failed: the DMA gave abort at transaction 2 of 2 (IOVA 0x0000000010001000, bytes 256–511): F_TRANSLATION at stage 1, level 3: the level 3 descriptor at 0x48002008 is invalid (bit 0 is 0); the 256 bytes before it were written, expected translated',
  ]);
  assert.deepEqual(errors(r).length, 1, errors(r).join('\n'));
  // Nothing of the second page reached memory: the only pages written are the tables, the queues and the first page.
  assert.equal(r.engine.memory.read(0x8000_1000n, 8), 0n);
  assert.deepEqual(
    r.engine.memory.pageAddresses().filter((a) => a >= 0x8000_0000),
    [0x8000_0000],
  );
  assert.equal(events(r.engine).length, 2, 'one F_TRANSLATION for each transfer, for its second transaction');
});

test('a two-page read whose second page faults fails data == V, naming the transaction; the first page was translated', () => {
  const r = runScript(`${STAGE1}dma read sid=5 iova=0x10000FF8 size=16 data == 0
dma read sid=5 iova=0x10000FF8 size=16 == F_TRANSLATION
dma read sid=5 iova=0x10000FF8 size=8 data == 0
`);
  assert.deepEqual(r.at(4), [
    'expect.failed: the DMA did not complete: abort at transaction 2 of 2 (IOVA 0x0000000010001000, bytes 8–15): F_TRANSLATION at stage 1, level 3: the level 3 descriptor at 0x48002008 is invalid (bit 0 is 0); the 8 bytes before it were read; expected data == 16 bytes, first word 0x0',
  ]);
  assert.equal(errors(r).length, 1, errors(r).join('\n'));
});

test('a transfer that completes: one transaction per 4 KB block, each with its own translation (TLB hits after the walks)', () => {
  const r = runScript(`${CD}\n${STE}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
map ttb=0x45000000 iova=0x10001000 pa=0x90005000
dma write sid=5 iova=0x10000FF0 size=0x20 data=0x1000 step=1
mem read64 0x80000FF0 == 0x1000
mem read64 0x80000FF8 == 0x1001
mem read64 0x90005000 == 0x1002
mem read64 0x90005008 == 0x1003
dma read sid=5 iova=0x10000FF0 size=0x20 data == 0x1000 step=1
dma read sid=5 iova=0x10000FF0 size=0x20 data == 0x1000 step=2
`);
  assert.equal(
    r.summary(5),
    'translated in 2 transactions → 0x80000FF0, 0x90005000; wrote 32 bytes, first word 0x1000',
  );
  assert.deepEqual(r.at(11), [
    'expect.failed: the device read 0x0000000000001001 at byte 8 of 32 (IOVA 0x0000000010000FF8, PA 0x0000000080000FF8), expected 0x0000000000001002; 3 bytes differ',
  ]);
  assert.equal(errors(r).length, 1, errors(r).join('\n'));
});

test('each transaction is checked for its own access: a read-only page reads, and refuses the write with F_PERMISSION', () => {
  const r = runScript(`${STAGE1}map ttb=0x45000000 iova=0x10001000 pa=0x80001000 ro
mem write64 0x80001000 0x77
dma read sid=5 iova=0x10000FF8 size=16 data == 0 step=0x77
dma write sid=5 iova=0x10000FF8 size=16 data=0x66 == F_PERMISSION
expect event F_PERMISSION StreamID=5 InputAddr=0x10001000 RnW=0
mem read64 0x80000FF8 == 0x66
mem read64 0x80001000 == 0x77
`);
  assert.deepEqual(errors(r), []);
});

test('§3.13 the Access flag and dirty state are updated per translation: both pages of a write get AF, and both are dirtied', () => {
  const httu = { IDR0: QEMU_IDS.IDR0 | (2 << 6) };
  const r = runScript(
    `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A HA HD ASID=1 TTB0=0x45000000
${STE}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 noaf ro dbm
map ttb=0x45000000 iova=0x10001000 pa=0x80001000 noaf ro dbm
dma read sid=5 iova=0x10000FFC size=8 data == 0
`,
    httu,
  );
  assert.deepEqual(errors(r), []);
  const af = (d: bigint) => (d >> 10n) & 1n;
  const ap2 = (d: bigint) => (d >> 7n) & 1n;
  let d0 = r.engine.memory.read(LEAF0, 8);
  let d1 = r.engine.memory.read(LEAF1, 8);
  assert.deepEqual(
    [af(d0), af(d1), ap2(d0), ap2(d1)],
    [1n, 1n, 1n, 1n],
    'a read sets AF in both leaves and dirties neither',
  );
  const w = runScript(
    `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A HA HD ASID=1 TTB0=0x45000000
${STE}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 noaf ro dbm
map ttb=0x45000000 iova=0x10001000 pa=0x80001000 noaf ro dbm
dma write sid=5 iova=0x10000FFC size=8 data=0x0102030405060708
mem read32 0x80000FFC == 0x05060708
mem read32 0x80001000 == 0x01020304
`,
    httu,
  );
  assert.deepEqual(errors(w), []);
  d0 = w.engine.memory.read(LEAF0, 8);
  d1 = w.engine.memory.read(LEAF1, 8);
  assert.deepEqual(
    [af(d0), af(d1), ap2(d0), ap2(d1)],
    [1n, 1n, 0n, 0n],
    'a write sets AF and clears AP[2] (dirty) in both leaves',
  );
});

test('§5.5 RAZ/WI (CD.A = 0): the read returns zeros and the write is ignored for that transaction, and the device goes on', () => {
  // TERM_MODEL = 0: CD.A = 0 is allowed (§6.3.1).
  const ids = { IDR0: QEMU_IDS.IDR0 & ~(1 << 26) };
  const r = runScript(
    `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R ASID=1 TTB0=0x45000000
${STE}
map ttb=0x45000000 iova=0x10001000 pa=0x80001000
mem write64 0x80001000 0x99
dma write sid=5 iova=0x10000FF8 size=16 data=0x55 == raz
mem read64 0x80001000 == 0x55
expect event F_TRANSLATION StreamID=5 InputAddr=0x10000FF8
dma read sid=5 iova=0x10000FF8 size=16 data == 0 step=0x55
`,
    ids,
  );
  assert.equal(
    r.summary(5),
    '2 transactions: raz-wi (F_TRANSLATION), translated → 0x80001000; wrote 8 of 16 bytes (8 ignored: RAZ/WI)',
  );
  assert.equal(
    r.summary(8),
    '2 transactions: raz-wi (F_TRANSLATION), translated → 0x80001000; read 16 bytes, first word 0x0 (8 bytes RAZ)',
  );
  assert.deepEqual(errors(r), [], 'the device read zeros from the RAZ page, then the 0x55 it wrote to the next one');
});

test('§3.12.2 a stalled transaction stops the transfer: the bytes before it are written, nothing after it', () => {
  const stall = { IDR0: (QEMU_IDS.IDR0 | 1 | (1 << 19)) & ~(3 << 24) };
  const r = runScript(
    `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 S R A ASID=1 TTB0=0x45000000
${STE}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000
dma write sid=5 iova=0x10000FF8 size=0x1010 data=0x42 == stall
expect event F_TRANSLATION StreamID=5 InputAddr=0x10001000 Stall=1
mem read64 0x80000FF8 == 0x42
`,
    stall,
  );
  assert.deepEqual(errors(r), []);
  assert.match(r.summary(4) ?? '', /^stalled at transaction 2 of 3 .*; the 8 bytes before it were written$/);
});

test('a data access to a `mem abort` range is an external abort: the transfer stops there, without an event', () => {
  const r = runScript(`${STAGE1}map ttb=0x45000000 iova=0x10001000 pa=0x80001000
mem abort 0x80001000 0x1000
dma write sid=5 iova=0x10000FF8 size=16 data=0x31 == abort
expect no event
dma read sid=5 iova=0x10000FF8 size=16
`);
  assert.equal(r.at(8).length, 1, 'the read that did not complete is a warning');
  assert.match(
    r.at(8)[0] ?? '',
    /^dma\.fault: the DMA did not complete: abort at transaction 2 of 2 .*translated → 0x0000000080001000, and the data read there took an external abort; the 8 bytes before it were read/,
  );
  assert.deepEqual(
    errors(r).filter((e) => !e.includes('dma.fault')),
    [],
  );
});

test('a transfer is one transaction per 4 KB block whatever the granule (§16.7.1): a 64 KB page takes 16', () => {
  const e = new Engine(config());
  const r = analyzeScript(`${PRELUDE}cd 0x44000000 V T0SZ=16 TG0=GRAN64K EPD1 IPS=OAS48 AA64 R A ASID=1 TTB0=0x45000000
${STE}
map ttb=0x45000000 iova=0x10000000 pa=0x80000000 granule=64
`);
  run(r.statements, e);
  const x = e.transfer(
    { sid: 5, address: 0x1000_0800n, access: { read: true, write: false, exec: false, priv: false } },
    0x10000,
  );
  assert.equal(x.total, 17);
  assert.equal(x.transactions.length, 17, 'it stops at the 17th, beyond the page');
  assert.deepEqual(
    x.transactions.slice(0, 16).map((t) => t.length),
    [0x800, ...Array<number>(15).fill(0x1000)],
  );
  assert.equal(x.transactions[16]?.result.outcome, 'abort');
  assert.equal(x.done, 0xf800);
  assert.equal(
    x.transactions.filter((t) => t.result.outcome === 'translated' && t.result.via === 'walk').length,
    1,
    'one walk; the other 15 hit the TLB',
  );
});

/**
 * The property: a multi-page DMA write is the sequence of the single-transaction DMAs it is made
 * of, up to and including the first that faults (a device stops there): the same guest memory,
 * the same event records, the same event queue index.
 */
test('property: a multi-page DMA write equals the sequence of its single-page DMAs', () => {
  const PAGES = 6;
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: PAGES, maxLength: PAGES }),
      fc.nat({ max: 511 }),
      fc.integer({ min: 1, max: 0x5000 / 8 }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      (mapped, startWord, words, data, step) => {
        // Pages map out of order, so a misplaced byte would land in the wrong page.
        const maps = mapped
          .flatMap((m, i) =>
            m
              ? [`map ttb=0x45000000 iova=${0x1000_0000 + i * 0x1000} pa=${0x8000_0000 + ((i * 5) % PAGES) * 0x1000}`]
              : [],
          )
          .join('\n');
        const setup = `${CD}\n${STE}\n${maps}\n`;
        const iova = 0x1000_0000 + startWord * 8;
        const size = words * 8;
        const whole = `dma write sid=5 iova=${iova} size=${size} data=${data} step=${step}`;
        const pieces: string[] = [];
        for (let off = 0; off < size;) {
          const at = iova + off;
          const n = Math.min(size - off, 0x1000 - (at % 0x1000));
          const first = (data + BigInt(off / 8) * step) & ((1n << 64n) - 1n);
          pieces.push(`dma write sid=5 iova=${at} size=${n} data=${first} step=${step}`);
          if (!mapped[Math.floor((at - 0x1000_0000) / 0x1000)]) break;
          off += n;
        }
        const a = runScript(setup + whole);
        const b = runScript(setup + pieces.join('\n'));
        for (let p = 0; p < PAGES; p++) {
          const pa = BigInt(0x8000_0000 + p * 0x1000);
          for (let i = 0n; i < 0x1000n; i += 8n)
            assert.equal(
              a.engine.memory.read(pa + i, 8),
              b.engine.memory.read(pa + i, 8),
              `PA ${(pa + i).toString(16)}`,
            );
        }
        assert.deepEqual(events(a.engine), events(b.engine));
        assert.equal(a.engine.smmu.peek('EVENTQ_PROD'), b.engine.smmu.peek('EVENTQ_PROD'));
      },
    ),
    { seed: 20260501, numRuns: 60 },
  );
});
