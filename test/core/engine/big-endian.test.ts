/**
 * Big-endian translation tables (§5.4 ENDI, §5.2 S2ENDI, SMMU_IDR0.TTENDIAN §6.3.1): a walk reads
 * and updates its descriptors in the endianness its CD or STE selects. The tables are built with
 * `map` (little-endian), then each descriptor is rewritten byte-reversed where a test needs
 * big-endian tables. Scripts run through the real parser, resolver and interpreter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, QEMU_IDS } from '../../harness/helpers';
import { ENABLED_SMMU, runEngineScript } from '../../harness/engine-script';
import { byteSwap64 } from '../../../core/translation/endian';

/** QEMU's IDs with stage 2 (IDR0.S2P), HTTU = 0b01 (Access flag) and TTENDIAN `endian` (bits [22:21]). */
const ids = (endian: number) => ({ IDR0: (QEMU_IDS.IDR0 & ~(3 << 21) & ~(3 << 6)) | (endian << 21) | (1 << 6) | 1 });
const MIXED = ids(0);
const BIG = ids(3);

const PRELUDE = ENABLED_SMMU;

const hex = (v: bigint) => `0x${v.toString(16).toUpperCase()}`;
/** Check each little-endian descriptor `map` wrote, then rewrite it big-endian. */
const toBigEndian = (descs: [number, bigint][]) =>
  descs
    .map(
      ([at, v]) => `mem read64 ${hex(BigInt(at))} == ${hex(v)}\nmem write64 ${hex(BigInt(at))} ${hex(byteSwap64(v))}`,
    )
    .join('\n');

/** Stage 1 for VA 0x10000000 → 0x80000000: level 0 at 0x45000000, then the pool's 0x48000000, 0x48001000, 0x48002000. */
const S1_MAP = 'map ttb=0x45000000 iova=0x10000000 pa=0x80000000';
const S1_DESCS: [number, bigint][] = [
  [0x45000000, 0x48000003n],
  [0x48000000, 0x48001003n],
  [0x48001400, 0x48002003n],
  [0x48002000, 0x80000f43n],
];
const CD = (extra: string) =>
  `cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 ${extra}\nste 5 V Config=S1_TRANS S1ContextPtr=0x44000000`;

function runScript(body: string, idr: Partial<typeof QEMU_IDS>) {
  const r = runEngineScript(PRELUDE + body, config(idr));
  assert.deepEqual(r.errors, []);
  return r.engine;
}

test('§5.4 ENDI = 1: the stage 1 walk reads its descriptors big-endian', () => {
  const engine = runScript(
    `
${S1_MAP}
${toBigEndian(S1_DESCS)}
${CD('ENDI')}
dma read sid=5 iova=0x10000123 == 0x80000123
`,
    MIXED,
  );
  const reads = engine.activity.filter(
    (a) => a.kind === 'fetch' && /stage-1 descriptor .* \(big-endian\)/.test(a.text),
  );
  assert.equal(reads.length, 4, 'four big-endian descriptor reads');
  assert.ok(!engine.activity.some((a) => /walk\.not-modelled|not modelled/.test(a.text)));
});

test('§5.4 ENDI = 1: little-endian tables read big-endian are invalid (bit 0 of the reversed level 0 descriptor is 0)', () => {
  runScript(
    `
${S1_MAP}
${CD('ENDI')}
dma read sid=5 iova=0x10000000 == F_TRANSLATION
expect event F_TRANSLATION StreamID=5 InputAddr=0x10000000 S2=0 CLASS=IN
`,
    MIXED,
  );
});

test('§3.13 with §5.4 ENDI: the hardware Access flag update is written big-endian', () => {
  const leafNoAf = 0x80000f43n & ~(1n << 10n);
  runScript(
    `
${S1_MAP}
${toBigEndian(S1_DESCS.slice(0, 3))}
mem write64 0x48002000 ${hex(byteSwap64(leafNoAf))}
${CD('ENDI HA')}
dma read sid=5 iova=0x10000000 == 0x80000000
mem read64 0x48002000 == ${hex(byteSwap64(leafNoAf | (1n << 10n)))}
`,
    MIXED,
  );
});

test('§5.2 S2ENDI = 1: the stage 2 walk reads big-endian, independently of its CD (nested: big-endian stage 2, little-endian stage 1)', () => {
  // Stage 2 (start level 1) at 0x46000000 maps the CD page, the stage 1 table pages and the output.
  const s2 = [0x44000000, 0x45000000, 0x48000000, 0x48001000, 0x48002000, 0x80000000]
    .map((a) => `map ttb=0x46000000 iova=${hex(BigInt(a))} pa=${hex(BigInt(a))} stage=2 tsz=24 sl0=1`)
    .join('\n');
  const le = runEngineScript(PRELUDE + `tables 0x4C000000\n${s2}\n`, config(MIXED));
  assert.deepEqual(le.errors, []);
  // Every stage 2 table word the little-endian build wrote, rewritten big-endian.
  const m = le.engine.memory;
  const words: [number, bigint][] = [];
  for (const base of [0x46000000, 0x4c000000]) {
    for (let a = base; a < base + 0x10000; a += 8) {
      const v = (BigInt(m.read32(a + 4)) << 32n) | BigInt(m.read32(a));
      if (v !== 0n) words.push([a, v]);
    }
  }
  assert.ok(words.length >= 8, 'the stage 2 tables were built');
  const nested = (s2Endi: string) => `
${S1_MAP}
tables 0x4C000000
${s2}
${toBigEndian(words)}
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000
ste 7 V Config=NESTED S1ContextPtr=0x44000000 S2VMID=3 S2T0SZ=24 S2SL0=1 S2TG=GRAN4K S2PS=OAS44 S2AA64 S2R S2TTB=0x46000000 ${s2Endi}
`;
  runScript(nested('S2ENDI') + 'dma read sid=7 iova=0x10000040 == 0x80000040\n', MIXED);
  runScript(
    nested('') + 'dma read sid=7 iova=0x10000040 == F_TRANSLATION\nexpect event F_TRANSLATION StreamID=7 S2=1\n',
    MIXED,
  );
});

test('§6.3.1 TTENDIAN = 0b11 (big-endian only): a CD with ENDI = 0 is ILLEGAL; ENDI = 1 walks big-endian tables', () => {
  runScript(
    `
${S1_MAP}
${toBigEndian(S1_DESCS)}
${CD('')}
dma read sid=5 iova=0x10000000 == C_BAD_CD
cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000 ENDI
cmd CMD_CFGI_CD SID=5 SSID=0 Leaf=1
cmd CMD_SYNC
doorbell
dma read sid=5 iova=0x10000000 == 0x80000000
`,
    BIG,
  );
});
