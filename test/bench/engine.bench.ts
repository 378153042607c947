/**
 * `npm run bench`: throughput of the engine (a benchmark, not a test: nothing here asserts).
 *
 *   - commands/s for a stream of CMD_TLBI_NSNH_ALL, 255 per CMDQ_PROD write (the way the peer
 *     figure for QEMU's C model was measured), and for a CFGI_STE / TLBI_NH_ASID / CMD_SYNC mix;
 *   - MMIO accesses/s (register reads and writes through the full access checks);
 *   - translations/s on a TLB hit, on a 4-level stage-1 walk (TLB and walk cache emptied before
 *     each), and on a walk that starts from the walk cache (only the leaves invalidated);
 *   - memory used.
 *
 * `--json` prints the figures as JSON. Recording of history and activity is off, as a long run
 * of a debugger-less check would have it; stale-entry checks are off (they re-walk every hit).
 */
import { DEFAULT_CONFIG } from '../../core/config/presets';
import { findCommand } from '../../core/commands/table';
import { encodeCommand } from '../../core/commands/codec';
import { Engine } from '../../core/engine/engine';
import { getRegister } from '../../core/registers/table';
import type { RegisterName } from '../../core/registers/types';
import { CD } from '../../core/structures/cd';
import { encodeStructure } from '../../core/structures/encode';
import { STE } from '../../core/structures/ste';

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: number;
  readonly note?: string;
}

const json = process.argv.includes('--json');
const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? '1.5');

function timeLoop(fn: () => number): number {
  // Warm up, then run for `seconds`; returns operations per second.
  const warm = Date.now() + 200;
  while (Date.now() < warm) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    ops += fn();
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

function engine(): Engine {
  const e = new Engine(DEFAULT_CONFIG, { checkStale: false });
  e.recording = false;
  e.smmu.recording = false;
  return e;
}

const off = (name: RegisterName) => getRegister(name).offset;

function cmdWords(name: string, fields: Record<string, bigint> = {}): number[] {
  const def = findCommand(name);
  if (!def) throw new Error(`no command ${name}`);
  return encodeCommand(def, new Map(Object.entries(fields))).words;
}

/** A queue of 2^log2 entries at 0x4000_0000 filled with `pattern`, enabled. */
function commandQueue(e: Engine, log2: number, pattern: number[][]): void {
  const base = 0x4000_0000;
  for (let i = 0; i < 2 ** log2; i++) e.memory.writeWords(base + 16 * i, pattern[i % pattern.length] as number[]);
  e.smmu.write(off('CMDQ_BASE'), 8, BigInt(base) | BigInt(log2));
  e.smmu.write(off('CMDQ_PROD'), 4, 0n);
  e.smmu.write(off('CMDQ_CONS'), 4, 0n);
  e.smmu.write(off('CR0'), 4, 0x8n); // CMDQEN
}

function commandsPerSecond(pattern: number[][], batch: number): number {
  const e = engine();
  const log2 = 8;
  commandQueue(e, log2, pattern);
  let prod = 0;
  const prodOff = off('CMDQ_PROD');
  const mask = 2 ** (log2 + 1) - 1;
  return timeLoop(() => {
    prod = (prod + batch) & mask;
    e.smmu.write(prodOff, 4, BigInt(prod));
    return batch;
  });
}

function mmioPerSecond(): number {
  // MSIs advertised, so GERROR_IRQ_CFG1 stores what is written (it is RES0 without IDR0.MSI).
  const ids = { ...DEFAULT_CONFIG.ids, IDR0: (DEFAULT_CONFIG.ids.IDR0 ?? 0) | (1 << 13) };
  const e = new Engine({ ...DEFAULT_CONFIG, ids }, { checkStale: false });
  e.recording = false;
  e.smmu.recording = false;
  const idr0 = off('IDR0');
  const cfg1 = off('GERROR_IRQ_CFG1');
  let v = 0;
  const r = timeLoop(() => {
    for (let i = 0; i < 1000; i++) {
      v ^= e.smmu.read32(idr0);
      e.smmu.write32(cfg1, i);
    }
    return 2000;
  });
  if (e.smmu.peek('GERROR_IRQ_CFG1') !== 999n || v === -1) throw new Error('bench: the MMIO writes did not land');
  return r;
}

/** A stage-1 configuration: STE 1 → CD → 4-level 4 KB tables mapping 0x1000_0000 → 0x8000_0000. */
function translationSetup(): Engine {
  const e = engine();
  const strtab = 0x1000_0000;
  const cd = 0x1100_0000;
  const ttb = 0x1200_0000;
  e.smmu.write(off('STRTAB_BASE'), 8, BigInt(strtab));
  e.smmu.write(off('STRTAB_BASE_CFG'), 4, 4n); // linear, 16 StreamIDs
  const ste = encodeStructure(
    STE,
    new Map([
      ['V', 1n],
      ['Config', 0b101n],
      ['S1ContextPtr', BigInt(cd)],
    ]),
  );
  e.memory.writeWords(strtab + 64, ste.words);
  const cdw = encodeStructure(
    CD,
    new Map([
      ['V', 1n],
      ['T0SZ', 16n],
      ['TG0', 0n],
      ['EPD1', 1n],
      ['IPS', 5n],
      ['AA64', 1n],
      ['R', 1n],
      ['A', 1n],
      ['ASID', 1n],
      ['TTB0', BigInt(ttb)],
    ]),
  );
  if (ste.problems.length || cdw.problems.length)
    throw new Error(`bench set-up: ${[...ste.problems, ...cdw.problems].join('; ')}`);
  e.memory.writeWords(cd, cdw.words);
  // 4 levels: L0 → L1 → L2 → L3 pages (AF, Inner Shareable, AP[1] EL0 access).
  const va = 0x1000_0000;
  const t1 = ttb + 0x1000;
  const t2 = ttb + 0x2000;
  const t3 = ttb + 0x3000;
  e.memory.write(BigInt(ttb + 8 * (Math.floor(va / 2 ** 39) % 512)), 8, BigInt(t1) | 3n);
  e.memory.write(BigInt(t1 + 8 * (Math.floor(va / 2 ** 30) % 512)), 8, BigInt(t2) | 3n);
  e.memory.write(BigInt(t2 + 8 * (Math.floor(va / 2 ** 21) % 512)), 8, BigInt(t3) | 3n);
  for (let i = 0; i < 512; i++)
    e.memory.write(BigInt(t3 + 8 * i), 8, BigInt(0x8000_0000 + i * 4096) | 3n | (1n << 10n) | (3n << 8n) | (1n << 6n));
  e.smmu.write(off('CR0'), 4, 1n); // SMMUEN
  return e;
}

/**
 * 'hit': TLB hits; 'walk': a full walk each time (TLB and walk cache emptied); 'leaf': the leaf
 * entries invalidated each time, the walk cache kept (the walk reads the level 3 descriptor only).
 */
function translationsPerSecond(mode: 'hit' | 'walk' | 'leaf'): number {
  const e = translationSetup();
  const t = { sid: 1, address: 0x1000_0000n, access: { read: true, write: false, exec: false, priv: false } };
  const first = e.translate(t);
  if (first.outcome !== 'translated' || first.pa !== 0x8000_0000n)
    throw new Error(
      `bench set-up does not translate: ${JSON.stringify(first, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v))}`,
    );
  const addrs = Array.from({ length: 256 }, (_, i) => ({ ...t, address: 0x1000_0000n + BigInt(i * 4096 + 8) }));
  return timeLoop(() => {
    for (let i = 0; i < 256; i++) {
      if (mode === 'walk') e.tlb.clear();
      else if (mode === 'leaf') e.tlb.invalidate(() => true);
      e.translate(addrs[i] as typeof t);
    }
    return 256;
  });
}

function main(): void {
  const figures: Figure[] = [];
  const nsnh = [cmdWords('TLBI_NSNH_ALL')];
  figures.push({
    name: 'TLBI_NSNH_ALL, 255 per PROD write',
    value: commandsPerSecond(nsnh, 255),
    unit: 'commands/s',
    target: 30e6,
    note: 'peer: QEMU 7.2 C model ≈ 30 M/s',
  });
  const mix = [
    cmdWords('CFGI_STE', { StreamID: 3n, Leaf: 1n }),
    cmdWords('TLBI_NH_ASID', { ASID: 1n }),
    cmdWords('SYNC'),
  ];
  figures.push({
    name: 'CFGI_STE / TLBI_NH_ASID / CMD_SYNC mix, 255 per PROD write, caches empty',
    value: commandsPerSecond(mix, 255),
    unit: 'commands/s',
    target: 30e6,
  });
  figures.push({
    name: 'MMIO accesses (read32 IDR0 / write32 GERROR_IRQ_CFG1)',
    value: mmioPerSecond(),
    unit: 'accesses/s',
    target: 50e6,
  });
  figures.push({
    name: 'translations, TLB hit (stage 1, 4 KB pages)',
    value: translationsPerSecond('hit'),
    unit: 'translations/s',
    target: 10e6,
  });
  figures.push({
    name: 'translations, 4-level stage-1 walk (TLB and walk cache emptied each time)',
    value: translationsPerSecond('walk'),
    unit: 'translations/s',
  });
  figures.push({
    name: 'translations, walk from the walk cache (leaf TLB entries invalidated each time)',
    value: translationsPerSecond('leaf'),
    unit: 'translations/s',
  });
  const mem = process.memoryUsage();
  figures.push({ name: 'heap used after the runs', value: mem.heapUsed / 2 ** 20, unit: 'MiB' });
  figures.push({ name: 'resident set size', value: mem.rss / 2 ** 20, unit: 'MiB' });
  if (json) {
    process.stdout.write(JSON.stringify({ node: process.version, seconds, figures }, null, 2) + '\n');
    return;
  }
  for (const f of figures) {
    const v =
      f.unit === 'MiB'
        ? f.value.toFixed(1)
        : f.value >= 1e6
          ? `${(f.value / 1e6).toFixed(2)} M`
          : `${(f.value / 1e3).toFixed(1)} k`;
    const vs = f.target ? `  (target ${f.target / 1e6} M: ${f.value >= f.target ? 'met' : 'NOT met'})` : '';
    process.stdout.write(`${f.name.padEnd(62)} ${v} ${f.unit}${vs}${f.note ? `  [${f.note}]` : ''}\n`);
  }
}

main();
