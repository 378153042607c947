/**
 * Translation tables as a driver builds them: `tables ADDR` gives `map` free memory, and `map`
 * writes the VMSAv8-64 descriptors (Arm ARM D8) so an input address maps to an output address,
 * creating the tables it needs from that pool.
 */
import { POW2 } from '../../base/pow2';
import type { ResolvedAction } from '../resolved';
import type { ScriptDiagnostic } from '../../base/diagnostics';
import { hex } from '../../registers/codec';
import * as caps from '../../structures/capabilities';
import { stt } from '../../structures/capabilities';
import { startLevelS1, startLevelS2 } from '../../translation/walk';
import { arg, bareWords, checkArgs } from './args';
import { resolveEngineStatement } from './resolve-args';
import { diag, type EngineDef, type NamedArg } from './types';

export const TABLES: EngineDef<'tables'> = {
  syntax: 'engine',
  verb: 'tables',
  keywords: ['tables'],
  family: 'tables',
  section: 'engine',
  label: 'tables',
  expectation: 'none',
  summary: 'Memory map may use for new translation tables',
  forms: [{ doc: 'Memory `map` may use for new translation tables (default size 1 MB).' }],
  args: {
    positional: [{ usage: 'ADDR', doc: 'The start of free guest memory for translation tables (4 KB aligned).' }],
    named: [{ name: 'size', kind: 'value', placeholder: 'N', doc: 'The size of the pool in bytes (default 1 MB).' }],
  },
  snippet: '${1:ADDR}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(_engine, state, s) {
    const bad: ScriptDiagnostic[] = [];
    checkArgs(TABLES, s, bad);
    if (bad.length) return { diagnostics: bad };
    const [where] = s.args;
    const sizeArg = arg(s, 'size');
    if (!where || where.value === undefined || where.name)
      return {
        diagnostics: [
          diag(
            'error',
            'tables.where',
            `expected the address of a free memory area for page tables after 'tables'`,
            s.keyword,
          ),
        ],
      };
    const start = Number(where.value);
    if (start % 4096 !== 0)
      return { diagnostics: [diag('error', 'tables.unaligned', `the table pool must be 4 KB aligned`, where.range)] };
    state.pool = { next: start, end: start + (sizeArg?.value !== undefined ? Number(sizeArg.value) : 0x100000) };
    return { diagnostics: [], summary: `page tables allocated from ${hex(BigInt(start), 64)}` };
  },
};

const MAP_IOVA: NamedArg = {
  name: 'iova',
  aliases: ['va', 'ipa'],
  kind: 'value',
  required: true,
  placeholder: 'VA',
  doc: 'The input address mapped (a VA at stage 1, an IPA at stage 2).',
};

/**
 * `map ttb=T iova=VA pa=PA [size=S] [granule=4|16|64] [stage=1|2] [tsz=N] [sl0=N] [sl2=N] [ds] [ro] [xn] [user] [noaf] [global] [ns] [nstable] [secure] [attr=N]`:
 * write the descriptors of a VMSAv8-64 table (creating missing tables from the pool) so VA maps
 * to PA with a leaf of `size` bytes (a page or a block); with `ds`, in the FEAT_LPA2 format of
 * CD.DS / STE.S2DS = 1 (Arm ARM D8.3).
 */
/** The number given as `n=…`, or `d` (a module function, not a closure a `map` line). */
function numArg(s: ResolvedAction, n: string, d?: number): number | undefined {
  const a = arg(s, n);
  return a?.value !== undefined ? Number(a.value) : d;
}

export const MAP: EngineDef<'map'> = {
  syntax: 'engine',
  verb: 'map',
  keywords: ['map'],
  family: 'tables',
  section: 'engine',
  label: 'map',
  expectation: 'none',
  summary: 'Writes translation table descriptors so an input address maps to an output address',
  forms: [
    {
      doc: "Writes VMSAv8-64 descriptors so VA maps to PA with a leaf of S bytes (default one granule; a block size makes a block), creating missing tables from the pool. Stage 1 sets AF, Inner Shareable, nG (unless `global`), AP[1] (unprivileged access, as Linux io-pgtable does, unless `priv`), AP[2] with `ro`, PXN/UXN with `xn`; stage 2 sets S2AP (read-write, or read-only with `ro`), MemAttr Normal write-back. With `ds`, the FEAT_LPA2 format of CD.DS / STE.S2DS = 1: OA[51:50] in bits [9:8] and no Shareability there (the CD or STE gives it), tsz down to 12, level 0 (4 KB) and level 1 (16 KB) blocks. `ns` and `nstable` set the NS (leaf) and NSTable (table) bits a Secure stream's stage 1 uses for its output PA space (§13.4.2); `secure` puts the tables in the Secure PA space (those below an NSTable = 1 descriptor stay in the Non-secure one, where a Secure walk reads them).",
    },
  ],
  args: {
    named: [
      {
        name: 'ttb',
        kind: 'value',
        required: true,
        placeholder: 'T',
        doc: 'The address of the starting-level table (TTB0 of the CD, or S2TTB of the STE).',
      },
      MAP_IOVA,
      { name: 'pa', kind: 'value', required: true, placeholder: 'PA', doc: 'The output address it maps to.' },
      {
        name: 'size',
        kind: 'value',
        placeholder: 'S',
        doc: 'The size of the leaf: a page, or a block size (default one granule).',
      },
      { name: 'granule', kind: 'value', placeholder: '4|16|64', doc: 'The translation granule in KB (default 4).' },
      { name: 'stage', kind: 'value', placeholder: '1|2', doc: 'Stage 1 or stage 2 descriptors (default 1).' },
      {
        name: 'tsz',
        kind: 'value',
        placeholder: 'N',
        doc: 'T0SZ or S2T0SZ: the input address size is 64 − tsz bits (default 16).',
      },
      {
        name: 'sl0',
        kind: 'value',
        placeholder: 'N',
        doc: "Stage 2: the STE's S2SL0, which with the granule gives the starting level.",
      },
      {
        name: 'sl2',
        kind: 'value',
        placeholder: 'N',
        doc: "Stage 2 with `ds` and a 4 KB granule: the STE's S2SL0_2; with sl0=0, sl2=1 starts at level -1 (§5.2 S2SL0).",
      },
      {
        name: 'ds',
        kind: 'flag',
        doc: 'The FEAT_LPA2 format of CD.DS / STE.S2DS = 1 (4 KB and 16 KB granules): tsz down to 12, a level -1 start (4 KB), level 0 (4 KB) and level 1 (16 KB) blocks, OA[51:50] in descriptor bits [9:8] and no Shareability there (§5.4 DS, §5.2 S2DS).',
      },
      { name: 'ro', kind: 'flag', doc: 'Read-only: AP[2] at stage 1, S2AP read-only at stage 2.' },
      { name: 'xn', kind: 'flag', doc: 'Not executable: PXN and UXN at stage 1, XN at stage 2.' },
      { name: 'priv', kind: 'flag', doc: 'Stage 1: privileged access only (AP[1] clear).' },
      { name: 'global', kind: 'flag', doc: 'Stage 1: a global mapping (nG clear), not tagged with the ASID.' },
      { name: 'noaf', kind: 'flag', doc: 'Leave the Access Flag clear.' },
      { name: 'dbm', kind: 'flag', doc: 'Set the Dirty Bit Modifier (bit 51).' },
      {
        name: 'ns',
        kind: 'flag',
        doc: "Stage 1: set the leaf's NS bit (bit 5): for a Secure stream's translation the output is in the Non-secure PA space (§13.4.2); Non-secure regimes ignore it.",
      },
      {
        name: 'nstable',
        kind: 'flag',
        doc: 'Stage 1: set NSTable (bit 63) in the table descriptors on the way, the ones it creates and the ones already there: for a Secure stream the levels below are fetched from, and the output is in, the Non-secure PA space (§13.4.2); Non-secure regimes ignore it.',
      },
      {
        name: 'secure',
        kind: 'flag',
        doc: "The tables are in the Secure PA space (§3.10): where a Secure stream's stage 1 walk starting with CD.NSCFGx = 0, or its stage 2 with STE.S2SW / S2NSW = 0, reads them (§3.10.2.2). At stage 1 the tables below an NSTable = 1 descriptor are in the Non-secure PA space, as the walk reads them (§13.4.2). Without it, every table is in the Non-secure PA space. Needs SMMU_S_IDR1.SECURE_IMPL.",
      },
      {
        name: 'attr',
        kind: 'value',
        placeholder: 'N',
        doc: 'AttrIndx at stage 1 (default 0), MemAttr at stage 2 (default 0xF, Normal write-back).',
      },
    ],
  },
  snippet: 'ttb=${1:TTB} iova=${2:VA} pa=${3:PA}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, state, s) {
    const out: ScriptDiagnostic[] = [];
    checkArgs(MAP, s, out);
    const ttb = numArg(s, 'ttb');
    let va = numArg(s, MAP_IOVA.name);
    const aliases = MAP_IOVA.aliases ?? [];
    for (let i = 0; va === undefined && i < aliases.length; i++) va = numArg(s, aliases[i] as string);
    const pa = numArg(s, 'pa');
    if (ttb === undefined || va === undefined || pa === undefined)
      out.push(diag('error', 'map.args', `map needs ttb=, iova= and pa=`, s.range));
    const granuleKb = numArg(s, 'granule', 4) as number;
    if (granuleKb !== 4 && granuleKb !== 16 && granuleKb !== 64)
      out.push(diag('error', 'map.granule', `granule is 4, 16 or 64 (KB)`, arg(s, 'granule')?.range ?? s.range));
    const stage = numArg(s, 'stage', 1) as number;
    if (stage !== 1 && stage !== 2)
      out.push(diag('error', 'map.stage', `stage is 1 or 2`, arg(s, 'stage')?.range ?? s.range));
    if (!state.pool)
      out.push(diag('error', 'map.pool', `no page-table pool: add 'tables ADDR' before the first map`, s.keyword));
    if (out.length || ttb === undefined || va === undefined || pa === undefined || !state.pool)
      return { diagnostics: out };
    const g = granuleKb as 4 | 16 | 64;
    const pageShift = g === 4 ? 12 : g === 16 ? 14 : 16;
    const perLevel = pageShift - 3;
    const size = numArg(s, 'size', POW2[pageShift] as number) as number;
    const tsz = numArg(s, 'tsz', 64 - 48) as number;
    // DS changes nothing with the 64 KB granule (§5.4 DS, §5.2 S2DS).
    // The bare words given (`ro`, `xn`, …), found in one pass: a map line asks for a dozen of
    // them, each a call and a scan of the arguments in a cold check's baseline code.
    const flags = bareWords(s);
    const ds = flags.includes('ds') && g !== 64;
    let level: number | undefined;
    if (stage === 1) level = startLevelS1(g, tsz, ds);
    else {
      const sl0 = numArg(s, 'sl0');
      // The same start-level rules as the SMMU's stage-2 walk (transaction.ts s2Params).
      level =
        sl0 === undefined
          ? startLevelS1(g, tsz, ds)
          : startLevelS2(sl0, g, tsz, { stt: stt(engine.ids), ds, sl2: numArg(s, 'sl2', 0) });
    }
    if (level === undefined)
      return {
        diagnostics: [
          diag(
            'error',
            'map.level',
            `no valid starting level for a ${g} KB granule with tsz=${tsz}${stage === 2 ? ' and this sl0' : ''}`,
            s.range,
          ),
        ],
      };
    const leafLevel = 3 - Math.round((Math.log2(size) - pageShift) / perLevel);
    if (
      !Number.isInteger(Math.log2(size)) ||
      (Math.log2(size) - pageShift) % perLevel !== 0 ||
      // Blocks from level 1 (4 KB) or 2; with LPA2 one level higher (Arm ARM D8.3).
      leafLevel < Math.max(level, (g === 4 ? 1 : 2) - (ds ? 1 : 0)) ||
      leafLevel > 3
    ) {
      return {
        diagnostics: [
          diag(
            'error',
            'map.size',
            `size ${hex(BigInt(size))} is not a page or block size of the ${g} KB granule reachable from level ${level}`,
            arg(s, 'size')?.range ?? s.range,
          ),
        ],
      };
    }
    // A descriptor holds 48 output address bits, 52 with LPA2 or the 64 KB granule (Arm ARM D8.3).
    const paBits = ds || g === 64 ? 52 : 48;
    if (pa >= 2 ** paBits)
      return {
        diagnostics: [
          diag(
            'error',
            'map.pa-range',
            `pa ${hex(BigInt(pa))} does not fit the ${paBits} output address bits of a ${g} KB descriptor${paBits === 48 && g !== 64 ? ' (52 with ds, FEAT_LPA2)' : ''}`,
            arg(s, 'pa')?.range ?? s.range,
          ),
        ],
      };
    if (va % size !== 0 || pa % size !== 0)
      return {
        diagnostics: [
          diag('error', 'map.unaligned', `iova and pa must be aligned to the size (${hex(BigInt(size))})`, s.range),
        ],
      };
    // NSTable (bit 63) of stage 1 table descriptors, for a Secure regime (Arm ARM D8.3, §13.4.2).
    const nsTable = stage === 1 && flags.includes('nstable') ? 1n << 63n : 0n;
    // `secure`: the tables are in the Secure PA space until a stage 1 NSTable = 1 descriptor (§3.10).
    if (flags.includes('secure') && !caps.secureImpl(engine.ids))
      return {
        diagnostics: [
          diag(
            'error',
            'map.secure',
            "'secure' writes the Secure PA space, which needs SMMU_S_IDR1.SECURE_IMPL == 1 (§3.10)",
            arg(s, 'secure')?.range ?? s.range,
          ),
        ],
      };
    let mem = engine.memory.space(!flags.includes('secure'));
    let table = ttb;
    for (let l = level; l < leafLevel; l++) {
      const shift = pageShift + perLevel * (3 - l);
      const idx =
        Math.floor(va / (POW2[shift] as number)) % (POW2[l === level ? 64 - tsz - shift : perLevel] as number);
      const da = table + 8 * idx;
      const d = mem.read(BigInt(da), 8);
      if ((d & 3n) === 3n) {
        if ((d & nsTable) !== nsTable) mem.write(BigInt(da), 8, d | nsTable);
        if (stage === 1 && ((d | nsTable) & NS_TABLE) !== 0n) mem = engine.memory;
        const next = Number(descriptorAddress(d, ds, g));
        table = next - (next % (POW2[pageShift] as number));
        continue;
      }
      if ((d & 1n) === 1n)
        return {
          diagnostics: [
            diag(
              'error',
              'map.block',
              `a block descriptor at level ${l} (${hex(BigInt(da), 64)}) already covers this address`,
              s.range,
            ),
          ],
        };
      const next = alignUp(state.pool.next, POW2[pageShift] as number);
      if (next + (POW2[pageShift] as number) > state.pool.end)
        return { diagnostics: [diag('error', 'map.pool-full', `the page-table pool is exhausted`, s.range)] };
      state.pool.next = next + (POW2[pageShift] as number);
      mem.write(BigInt(da), 8, addressBits(BigInt(next), ds, g) | nsTable | 3n);
      if (nsTable) mem = engine.memory;
      table = next;
    }
    const shift = pageShift + perLevel * (3 - leafLevel);
    const idx =
      Math.floor(va / (POW2[shift] as number)) % (POW2[leafLevel === level ? 64 - tsz - shift : perLevel] as number);
    const da = table + 8 * idx;
    let d = addressBits(BigInt(pa), ds, g) | (leafLevel === 3 ? 3n : 1n);
    d |= flags.includes('noaf') ? 0n : 1n << 10n; // AF
    // SH: Inner Shareable; with LPA2 bits [9:8] are OA[51:50] and the CD / STE gives the Shareability.
    if (!ds) d |= 3n << 8n;
    if (stage === 1) {
      d |= BigInt(numArg(s, 'attr', 0) as number & 7) << 2n; // AttrIndx
      // AP[2:1]: bit 7 read-only, bit 6 EL0 access (Arm ARM D8.4). Device transactions are
      // usually unprivileged, so pages are EL0-accessible unless `priv` (as Linux io-pgtable maps).
      if (flags.includes('ro')) d |= 1n << 7n;
      if (!flags.includes('priv')) d |= 1n << 6n;
      if (!flags.includes('global')) d |= 1n << 11n; // nG: tagged with the ASID
      if (flags.includes('xn')) d |= 3n << 53n; // PXN, UXN
      if (flags.includes('ns')) d |= 1n << 5n; // NS: the Non-secure PA space for a Secure regime
    } else {
      d |= BigInt(numArg(s, 'attr', 0xf) as number & 0xf) << 2n; // MemAttr: Normal WB by default
      d |= (flags.includes('ro') ? 1n : 3n) << 6n; // S2AP: read / read-write
      if (flags.includes('xn')) d |= 2n << 53n; // XN[1:0] = 0b10: not executable
    }
    if (flags.includes('dbm')) d |= 1n << 51n;
    mem.write(BigInt(da), 8, d);
    // Made when read (inlay hints ask only for the lines on screen), like a cmd line's.
    const secureSpace = mem !== engine.memory;
    return {
      diagnostics: out,
      summary: () =>
        `level ${leafLevel} ${leafLevel === 3 ? 'page' : 'block'} descriptor ${hex(d, 64)} at ${hex(BigInt(da), 64)}${secureSpace ? ' in the Secure PA space' : ''}`,
    };
  },
};

/**
 * An output address in a descriptor (Arm ARM D8.3): in place up to bit 47; with LPA2 (`ds`) bits
 * [49:48] in place and [51:50] in bits [9:8]; with the 64 KB granule (FEAT_LPA) [51:48] in
 * bits [15:12].
 */
function addressBits(a: bigint, ds: boolean, g: 4 | 16 | 64): bigint {
  if (ds) return (a & 0x0003_ffff_ffff_f000n) | (((a >> 50n) & 3n) << 8n);
  const low = a & 0x0000_ffff_ffff_f000n;
  return g === 64 ? (low & ~0xf000n) | (((a >> 48n) & 0xfn) << 12n) : low;
}

/** The next-level table address a table descriptor holds (the inverse of addressBits). */
function descriptorAddress(d: bigint, ds: boolean, g: 4 | 16 | 64): bigint {
  if (ds) return (d & 0x0003_ffff_ffff_f000n) | (((d >> 8n) & 3n) << 50n);
  const low = d & 0x0000_ffff_ffff_f000n;
  return g === 64 ? (low & ~0xf000n) | (((d >> 12n) & 0xfn) << 48n) : low;
}

/** Stage 1 table descriptor bit [63], NSTable (Arm ARM D8.3; core/translation/secure-ns.ts). */
const NS_TABLE = 1n << 63n;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
