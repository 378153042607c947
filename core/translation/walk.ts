/**
 * The VMSAv8-64 translation table walk (Arm ARM D8; SMMU §3.4 address sizes, §3.13 Access flag
 * and dirty state, §7.3.22 fault priority): 4 KB, 16 KB and 64 KB granules, stage 1 and stage 2,
 * blocks and pages, concatenated stage 2 start tables, 52-bit output with the 64 KB granule
 * (FEAT_LPA: descriptor bits [15:12] are OA[51:48]), 52-bit input and output with the 4 KB and
 * 16 KB granules (FEAT_LPA2, CD.DS / STE.S2DS: a level -1 start, level 0 / level 1 blocks, OA[51:50]
 * in descriptor bits [9:8] and the Shareability from the CD or STE), hierarchical stage 1
 * permissions, PAN, WXN, stage 2 XN[1:0] (FEAT_XNX), hardware Access flag and dirty state (DBM)
 * updates.
 *
 * Faults come in the order of §7.3.22: translation (input range), then per level external abort,
 * translation (descriptor), address size (the descriptor's output), then Access flag, then
 * permission on the leaf.
 *
 * The Indirect Permission Scheme and stage 2 overlays (§3.26) are applied to the leaf by
 * permission-indirection.ts.
 *
 * Translation Hardening (§3.27): the Protected bit and the AssuredOnly check (./hardening.ts).
 *
 * Big-endian tables (§5.4 ENDI, §5.2 S2ENDI) are the caller's `WalkMemory`, which reads and writes
 * descriptors in the walk's endianness (WalkParams.bigEndian).
 *
 * Not modelled: VMSAv8-32 LPAE and VMSAv9-128 tables.
 */
import type { Access, Granule, WalkFault, WalkMemory, WalkOk, WalkParams, WalkResult, WalkStep } from './types';
import { indirectLeaf, permitted, type Perms } from './permission-indirection';
import { sizeBits } from '../structures/fields';
import { nsAfterTable, nsOfLeaf } from './secure-ns';
import { assuredOnlyAttr, assuredOnlyDenies, contiguousBit } from './hardening';

const M64 = (1n << 64n) - 1n;
/** Descriptor output address bits [47:12]; higher bits are attributes or RES0 without LPA2. */
const OA_47_12 = 0x0000_ffff_ffff_f000n;
/** With LPA2 (TCR_ELx.DS = 1) descriptor bits [49:12] are OA[49:12] (Arm ARM D8.3). */
const OA_49_12 = 0x0003_ffff_ffff_f000n;
const AF = 1n << 10n;
const AP2 = 1n << 7n; // stage 1 AP[2] (read-only) / stage 2 S2AP[1] (write)
const DBM = 1n << 51n;

/** log2 of the granule: the page offset bits. */
export function pageShift(g: Granule): number {
  return g === 4 ? 12 : g === 16 ? 14 : 16;
}

/** Bits an index resolves per level (the stride): 9, 11 or 13, a table being one granule of 8-byte descriptors. */
function stride(g: Granule): number {
  return pageShift(g) - 3;
}

/**
 * Lowest level a walk can start at (Arm ARM D8.2): 0, except 1 with 64 KB; with FEAT_LPA2
 * (DS = 1) the 4 KB granule's 52-bit inputs start at level -1.
 */
function minLevel(g: Granule, ds: boolean): number {
  return g === 64 ? 1 : g === 4 && ds ? -1 : 0;
}

/**
 * Smallest TnSZ: 16 (48 bits) for 4 KB / 16 KB, 12 (52 bits) for 64 KB, and for 4 KB / 16 KB with
 * DS = 1 (§5.4 T0SZ, §5.2 S2T0SZ: "CD.DS == 1 and the corresponding CD.TGx selects a 4KB or 16KB
 * granule"; the CD and STE checks add the SMMU_IDR5.VAX and IAS limits).
 */
function minTsz(g: Granule, ds: boolean): number {
  return g === 64 || ds ? 12 : 16;
}

/**
 * Input bits the start level's index resolves: what is left of the input size after the levels
 * below and the page offset (Arm ARM D8.2, "the initial lookup level").
 */
function startBits(g: Granule, tsz: number, level: number): number {
  return 64 - tsz - (pageShift(g) + stride(g) * (3 - level));
}

/**
 * Stage 1 starting level: the level whose index holds the input address's top bits, resolving
 * between 1 and stride bits (Arm ARM D8.2: stage 1 has no concatenated tables). Undefined when
 * tsz is outside 16..48 (12..47 for 64 KB; 12..48 for 4 KB and 16 KB with DS = 1). With DS = 1 a
 * 4 KB granule starts a 49- to 52-bit input at level -1 and a 16 KB one a 48- to 52-bit input at
 * level 0 (FEAT_LPA2).
 */
export function startLevelS1(g: Granule, tsz: number, ds = false): number | undefined {
  const lpa2 = ds && g !== 64;
  if (!Number.isInteger(tsz) || tsz < minTsz(g, lpa2) || tsz > (g === 64 ? 47 : 48)) return undefined;
  const lvl = 4 - Math.ceil((64 - tsz - pageShift(g)) / stride(g));
  if (lvl < minLevel(g, lpa2) || lvl > 3) return undefined;
  return lvl;
}

export interface S2StartOptions {
  /**
   * SMMU_IDR5.OAS in bits (the PE's PAMax): levels that only bigger IPAs need are reserved below
   * it (Arm ARM AArch64.S2InvalidSL: 4 KB level 0 needs 44 bits, 16 KB level 1 needs 42, 64 KB
   * level 1 needs 44).
   */
  readonly oas?: number;
  /** SMMU_IDR3.STT (FEAT_TTST): S2T0SZ up to 48 (47 for 64 KB) and 4 KB S2SL0 = 3 (level 3); else S2T0SZ at most 39. */
  readonly stt?: boolean;
  /** The IAS: S2T0SZ must be at least 64 - IAS (§5.2 S2T0SZ). */
  readonly ias?: number;
  /**
   * STE.S2DS with SMMU_IDR5.DS (FEAT_LPA2, §5.2 S2DS): S2T0SZ down to 12 with 4 KB and 16 KB,
   * {S2SL0_2, S2SL0} = 0b100 starts a 4 KB walk at level -1, and 16 KB S2SL0 = 3 at level 0.
   */
  readonly ds?: boolean;
  /** STE.S2SL0_2 (VTCR_EL2.SL2): counts only with a 4 KB granule and `ds` (§5.2 S2SL0). */
  readonly sl2?: number;
}

/**
 * Stage 2 starting level from S2SL0 (VTCR_EL2.{SL2, SL0} encoding, §5.2 S2SL0): 4 KB: 0→2, 1→1,
 * 2→0, 3→3 (FEAT_TTST only), and with S2DS {S2SL0_2, S2SL0} = 0b100 → -1 (other SL2 = 1 values
 * reserved); 16 KB and 64 KB: 0→3, 1→2, 2→1; 16 KB 3 (level 0) needs S2DS and 64 KB 3 is
 * reserved. Undefined (the STE is ILLEGAL, §5.2 S2SL0 / S2T0SZ) when the encoding is reserved,
 * or the level is inconsistent with S2T0SZ: the start level must resolve at least 1 bit and at
 * most stride + 4 bits, that is up to 16 concatenated tables (Arm ARM AArch64.S2InconsistentSL).
 * The S2T0SZ range checks that depend on the implementation (STT, IAS, OAS) are made only when
 * the options say what the implementation has.
 */
export function startLevelS2(sl0: number, g: Granule, tsz: number, opts: S2StartOptions = {}): number | undefined {
  const ds = !!opts.ds && g !== 64;
  if (!Number.isInteger(tsz) || tsz < minTsz(g, ds) || tsz > 63) return undefined;
  if (opts.stt !== undefined && tsz > (opts.stt ? (g === 64 ? 47 : 48) : 39)) return undefined;
  if (opts.ias !== undefined && tsz < 64 - opts.ias) return undefined;
  let lvl: number | undefined;
  if (g === 4 && ds && opts.sl2 === 1) lvl = sl0 === 0 ? -1 : undefined;
  else if (g === 4) lvl = sl0 === 3 ? (opts.stt ? 3 : undefined) : [2, 1, 0][sl0];
  else if (g === 16 && sl0 === 3) lvl = ds ? 0 : undefined;
  else lvl = [3, 2, 1][sl0];
  if (lvl === undefined) return undefined;
  if (opts.oas !== undefined) {
    // AArch64.S2InvalidSL: a level only a larger PA needs is reserved below that PAMax.
    if (lvl === -1 && opts.oas < 52) return undefined;
    if (g === 4 && lvl === 0 && opts.oas < 44) return undefined;
    if (g === 16 && lvl === 0 && opts.oas < 52) return undefined;
    if (g === 16 && lvl === 1 && opts.oas < 42) return undefined;
    if (g === 64 && lvl === 1 && opts.oas < 44) return undefined;
  }
  const bits = startBits(g, tsz, lvl);
  if (bits < 1 || bits > stride(g) + 4) return undefined;
  return lvl;
}

/**
 * The input range check (§3.4 check 1, §3.4.1): stage 2 and TTB0 inputs must have zeros above bit
 * 63 - tsz; a TTB1 input must have ones. With TBI (stage 1 only), VA[63:56] are not checked.
 */
export function inputRangeOk(ia: bigint, tsz: number, opts: { ttb1?: boolean; tbi?: boolean } = {}): boolean {
  const n = 64 - tsz;
  const top = opts.tbi ? 56 : 64;
  if (n >= top) return true;
  const width = BigInt(top - n);
  const bits = (ia >> BigInt(n)) & ((1n << width) - 1n);
  return bits === (opts.ttb1 ? (1n << width) - 1n : 0n);
}

/**
 * CD.IPS / STE.S2PS encodings to bits (§5.4 IPS, §5.2 S2PS: 0b111 is 56 bits); the effective size
 * is capped by the OAS where it is used.
 */
export const ipsBits = sizeBits;

/** STE.S2PS: the same encoding as CD.IPS (§5.2 S2PS). */
export const psBits = ipsBits;

/** CD.TG0 / STE.S2TG: 0b00 4 KB, 0b01 64 KB, 0b10 16 KB, 0b11 reserved (§5.4 TG0, §5.2 S2TG). */
export function granuleFromTg0(tg: number): Granule | undefined {
  return tg === 0 ? 4 : tg === 1 ? 64 : tg === 2 ? 16 : undefined;
}

/** STE.S2TG has VTCR_EL2.TG0's encoding, the same as CD.TG0 (§5.2 S2TG). */
export const granuleFromS2Tg = granuleFromTg0;

/** CD.TG1: 0b01 16 KB, 0b10 4 KB, 0b11 64 KB, 0b00 reserved (TCR_EL1.TG1 encoding, §5.4 TG1). */
export function granuleFromTg1(tg: number): Granule | undefined {
  return tg === 1 ? 16 : tg === 2 ? 4 : tg === 3 ? 64 : undefined;
}

/**
 * Which TTB a stage 1 VA selects (§3.4.1): VA[55] chooses; bits [AddrTop:64-TnSZ] must all equal it,
 * AddrTop being 55 when the region's TBI is set, else 63. 'fault' (F_TRANSLATION) otherwise.
 * tbi is CD.{TBI1, TBI0} as a 2-bit value.
 */
export function selectTtb(va: bigint, t0sz: number, t1sz: number, tbi: number): 0 | 1 | 'fault' {
  const sel = ((va >> 55n) & 1n) === 1n ? 1 : 0;
  const ok = inputRangeOk(va & M64, sel ? t1sz : t0sz, { ttb1: sel === 1, tbi: ((tbi >> sel) & 1) === 1 });
  return ok ? sel : 'fault';
}

/**
 * Whether a block descriptor is allowed at a level (Arm ARM AArch64.BlockDescSupported): 4 KB at
 * levels 1 and 2, and level 0 with DS = 1; 16 KB at level 2, and level 1 with DS = 1; 64 KB at
 * level 2, and level 1 with a 52-bit PA. `ds` is already false for the 64 KB granule.
 */
function blockAllowed(g: Granule, level: number, lpa: boolean, ds: boolean): boolean {
  if (g === 4) return level === 1 || level === 2 || (level === 0 && ds);
  if (g === 16) return level === 2 || (level === 1 && ds);
  return level === 2 || (level === 1 && lpa);
}

/**
 * The address a table or leaf descriptor outputs (Arm ARM D8.3): bits [47:shift]; with the 64 KB
 * granule and a 52-bit effective output size (IPS / S2PS = 0b110) also OA[51:48] from bits
 * [15:12] (FEAT_LPA); with DS = 1 (4 KB / 16 KB, FEAT_LPA2) bits [49:shift] and OA[51:50] from
 * bits [9:8], which are then not the Shareability. Bits below shift in a block descriptor are
 * RES0 and ignored, as are [15:12] with a smaller output size and, without DS, [49:48].
 */
function outputAddress(d: bigint, shift: number, g: Granule, oa52: boolean, ds: boolean): bigint {
  const low = ~((1n << BigInt(shift)) - 1n);
  if (ds) return (d & OA_49_12 & low) | (((d >> 8n) & 3n) << 50n);
  let oa = d & OA_47_12 & low;
  if (g === 64 && oa52) oa |= ((d >> 12n) & 0xfn) << 48n;
  return oa;
}

const hex = (v: bigint): string => `0x${v.toString(16).toUpperCase()}`;

/** What a block at a level it is not allowed at would need, for the fault's message. */
function blockNeeds(g: Granule, level: number): string {
  if (g === 64 && level === 1) return ' without a 52-bit PA';
  if ((g === 4 && level === 0) || (g === 16 && level === 1)) return ' without LPA2 (DS = 0)';
  return '';
}

/** Hierarchical controls gathered from table descriptors (Arm ARM D8.4.2). */
interface TableAttrs {
  noWrite: boolean; // APTable[1] (bit 62)
  noUser: boolean; // APTable[0] (bit 61)
  xn: boolean; // UXNTable / XNTable (bit 60)
  pxn: boolean; // PXNTable (bit 59)
  ns: boolean; // a Secure walk's NS attribute: NSCFGx, then NSTable (bit 63), secure-ns.ts
}

/**
 * Stage 1 direct permissions (Arm ARM D8.4, pseudocode AArch64.S1DirectBasePermissions) for the
 * access's privilege. ap2 is passed separately so a dirty state update can be evaluated.
 */
function stage1Perms(p: WalkParams, d: bigint, ap2: boolean, t: TableAttrs, access: Access): Perms {
  if (p.singlePrivilege) {
    // One privilege level: AP[1] and APTable[0] are not used; XN (bit 54) and XNTable apply.
    const w = !ap2 && !t.noWrite;
    const x = ((d >> 54n) & 1n) === 0n && !t.xn && !(p.wxn && w);
    return { r: true, w, x };
  }
  const ap1 = ((d >> 6n) & 1n) === 1n;
  const pr = true;
  const pw = !ap2 && !t.noWrite;
  const ur = ap1 && !t.noUser;
  const uw = ur && !ap2 && !t.noWrite;
  // Locations writable at EL0 are never executable when privileged.
  const px = ((d >> 53n) & 1n) === 0n && !t.pxn && !uw;
  const ux = ((d >> 54n) & 1n) === 0n && !t.xn;
  let r = access.priv ? pr : ur;
  let w = access.priv ? pw : uw;
  // WXN: writable at the accessing privilege forces execute-never (SCTLR_ELx.WXN, CD.WXN §5.4).
  const x = (access.priv ? px : ux) && !(p.wxn && w);
  // PAN removes privileged data access (r, w) to EL0-accessible pages, and with EPAN to
  // EL0-executable ones (§5.4 PAN, EPAN). Fetches are checked against x only, so PAN never
  // affects them; r and w are cleared whatever the access so the reported permissions stay data ones.
  if (access.priv && p.pan && (ur || uw || (!!p.epan && ux))) {
    r = false;
    w = false;
  }
  return { r, w, x };
}

/** Stage 2 permissions: S2AP[1:0] (bits 7:6) and XN (bit 54) or XN[1:0] with FEAT_XNX (Arm ARM D8.4.3). */
function stage2Perms(p: WalkParams, d: bigint, s2w: boolean, access: Access): Perms {
  const r = ((d >> 6n) & 1n) === 1n;
  const xn = Number((d >> 53n) & 3n);
  // XN[1:0]: 00 both execute, 01 EL0 only (PXN), 10 neither, 11 EL1 only (UXN).
  const x = p.xnx ? (access.priv ? xn === 0 || xn === 3 : xn === 0 || xn === 1) : (xn & 2) === 0;
  return { r, w: s2w, x };
}

/** A walk's fault; at stage 2 it carries the IPA that faulted. */
function walkFault(
  stage: 1 | 2,
  ia: bigint,
  kind: WalkFault['kind'],
  level: number,
  message: string,
  extra?: Partial<WalkFault>,
): WalkFault {
  const f: WalkFault =
    stage === 2 ? { ok: false, kind, stage, level, message, ipa: ia } : { ok: false, kind, stage, level, message };
  return extra ? { ...f, ...extra } : f;
}

/** The leaf's permissions, `notWritable` standing for its own AP[2]/S2AP[1] bit. */
function permsOf(
  stage: 1 | 2,
  p: WalkParams,
  d: bigint,
  notWritable: boolean,
  tables: TableAttrs,
  access: Access,
): Perms {
  return stage === 1 ? stage1Perms(p, d, notWritable, tables, access) : stage2Perms(p, d, !notWritable, access);
}

// The walk runs for every translation that misses the TLB: it creates no closures (closures over
// its parameters would make V8 allocate a context on every call).
export function walk(p: WalkParams, ia: bigint, access: Access, mem: WalkMemory): WalkResult {
  const g = p.granule;
  const stage = p.stage;
  const ps = pageShift(g);
  const st = stride(g);
  const lpa = p.lpa ?? p.outputBits === 52;
  // TCR_ELx.DS / VTCR_EL2.DS has no effect with the 64 KB granule (§5.4 DS, §5.2 S2DS: RES0 there).
  const ds = !!p.ds && g !== 64;
  const oa52 = p.outputBits === 52;
  const ob = BigInt(p.outputBits);
  const iaBits = 64 - p.tsz;

  const start = p.startLevel ?? startLevelS1(g, p.tsz, ds);
  if (start === undefined || !Number.isInteger(p.tsz) || p.tsz < minTsz(g, ds) || p.tsz > 63) {
    return walkFault(
      stage,
      ia,
      'translation',
      0,
      `no valid starting level for a ${g} KB granule with ${stage === 1 ? 'TnSZ' : 'S2T0SZ'} ${p.tsz}${ds ? ' (DS = 1)' : ''}`,
    );
  }
  const sBits = startBits(g, p.tsz, start);
  if (start < minLevel(g, ds) || start > 3 || sBits < 1 || sBits > st + (stage === 2 ? 4 : 0)) {
    return walkFault(
      stage,
      ia,
      'translation',
      0,
      `starting level ${start} cannot resolve a ${iaBits}-bit input with a ${g} KB granule (Arm ARM D8.2)`,
    );
  }

  // Input range (§3.4 check 1): the Arm ARM reports it as a level 0 Translation fault.
  // Stage 1: the bits above the region must be a sign extension (the caller selected the TTB
  // with selectTtb, VA[55]); stage 2: they must be zero.
  const upper = stage === 1 && ((ia >> 55n) & 1n) === 1n;
  if (!inputRangeOk(ia & M64, p.tsz, { ttb1: upper, tbi: stage === 1 && !!p.tbi })) {
    return walkFault(
      stage,
      ia,
      'translation',
      0,
      stage === 1
        ? `VA ${hex(ia)} is outside the ${iaBits}-bit range of TTB${upper ? 1 : 0} (TnSZ ${p.tsz}${p.tbi ? ', TBI' : ''}, §3.4.1)`
        : `IPA ${hex(ia)} is beyond the ${iaBits}-bit stage 2 input range (S2T0SZ ${p.tsz}, §3.4)`,
    );
  }
  const input = ia & ((1n << BigInt(iaBits)) - 1n);

  // Start-level table: 2^sBits descriptors (stage 2 may concatenate up to 16 tables), aligned to
  // its size and, with a 52-bit output, to at least 64 bytes (§5.4 TTB0, §5.2 S2TTB).
  const tableBytes = 8n << BigInt(sBits);
  const align = p.outputBits === 52 && tableBytes < 64n ? 64n : tableBytes;
  let table = p.ttb & M64 & ~(align - 1n);
  // An out-of-range TTB makes the CD / STE ILLEGAL in the SMMU (C_BAD_CD / C_BAD_STE, §3.4.3,
  // §7.3.14); the walker, if still asked, reports the Arm ARM's level 0 Address size fault.
  if (table >> ob !== 0n) {
    return walkFault(
      stage,
      ia,
      'addressSize',
      0,
      `the table base ${hex(table)} is beyond the ${p.outputBits}-bit output size (the SMMU reports C_BAD_${stage === 1 ? 'CD' : 'STE'}, §3.4.3)`,
    );
  }

  const steps: WalkStep[] = [];
  const secure = stage === 1 && p.startNs !== undefined;
  const tables: TableAttrs = { noWrite: false, noUser: false, xn: false, pxn: false, ns: p.startNs === true };
  // The walk cache (§3.21.1): start below the deepest table descriptor cached for this address.
  // Its key is the whole address, so TTB0 and TTB1 ranges (whose inputs are equal once masked) differ.
  const wc = mem.walkCache;
  const whole = ia & M64;
  let first = start;
  if (wc && !wc.empty) {
    for (let level = 2; level >= start; level--) {
      const shift = ps + st * (3 - level);
      const hit = wc.lookup(level, shift, Number(whole >> BigInt(shift)));
      if (hit === undefined) continue;
      steps.push({ level, address: hit.address, descriptor: hit.descriptor, cached: true });
      tables.noWrite = hit.noWrite;
      tables.noUser = hit.noUser;
      tables.xn = hit.xn;
      tables.pxn = hit.pxn;
      tables.ns = hit.ns === true;
      table = hit.next;
      first = level + 1;
      break;
    }
  }
  for (let level = first; level <= 3; level++) {
    const shift = ps + st * (3 - level);
    const idxBits = level === start ? sBits : st;
    const index = (input >> BigInt(shift)) & ((1n << BigInt(idxBits)) - 1n);
    const descAddr = table + index * 8n; // an IPA when nested
    // A Secure stage 1 walk fetches this table with the NS attribute so far (secure-ns.ts), which
    // picks its PA space, or when nested its IPA space (§3.10.2.2); its updates go to the same place.
    const tableNs = secure ? tables.ns : undefined;
    let pa = descAddr;
    if (mem.tableAddress) {
      // Nested (§3.13.5, §7.3.22 item 2): the stage 1 descriptor's IPA goes through stage 2 first.
      const t = mem.tableAddress(descAddr, false, steps, tableNs);
      if (typeof t !== 'bigint') return { ...t, s2OnS1Walk: true };
      pa = t;
    }
    const d = mem.read64(pa, tableNs);
    if (d === 'abort')
      return walkFault(
        stage,
        ia,
        'walkEabt',
        level,
        `external abort reading the level ${level} descriptor at ${hex(pa)}`,
        { fetchAddr: pa },
      );
    steps.push({ level, address: pa, descriptor: d });

    // Descriptor type (Arm ARM D8.3): bit 0 valid; bits[1:0] 11 table (levels 0-2) or page
    // (level 3); 01 block (levels 0-2) or reserved (level 3).
    if ((d & 1n) === 0n)
      return walkFault(
        stage,
        ia,
        'translation',
        level,
        `the level ${level} descriptor at ${hex(pa)} is invalid (bit 0 is 0)`,
      );
    const isTableOrPage = (d & 2n) === 2n;
    if (!isTableOrPage) {
      if (level === 3)
        return walkFault(
          stage,
          ia,
          'translation',
          level,
          `bits[1:0] = 0b01 at level 3 (${hex(pa)}) are reserved: a level 3 descriptor is a page (0b11) or invalid`,
        );
      if (!blockAllowed(g, level, lpa, ds))
        return walkFault(
          stage,
          ia,
          'translation',
          level,
          `a block descriptor is not allowed at level ${level} with a ${g} KB granule${blockNeeds(g, level)} (Arm ARM D8.3)`,
        );
    }

    if (isTableOrPage && level < 3) {
      const next = outputAddress(d, ps, g, oa52, ds);
      if (next >> ob !== 0n) {
        return walkFault(
          stage,
          ia,
          'addressSize',
          level,
          `the level ${level} table descriptor at ${hex(pa)} points to ${hex(next)}, beyond the ${p.outputBits}-bit output size (§3.4, §7.3.14)`,
        );
      }
      if (stage === 1 && !p.had) {
        tables.noWrite ||= ((d >> 62n) & 1n) === 1n;
        tables.noUser ||= ((d >> 61n) & 1n) === 1n;
        tables.xn ||= ((d >> 60n) & 1n) === 1n;
        tables.pxn ||= ((d >> 59n) & 1n) === 1n;
      }
      // NSTable is not a permission control: CD.HADx leaves it in force (Arm ARM D8.4.2).
      if (secure) tables.ns = nsAfterTable(tables.ns, d);
      // HAFT (§3.13.6, Arm ARM D8.5.1.3): the walk sets AF (bit [10]) in every table descriptor it
      // passes through with AF == 0, by an atomic update, before going on (so before any update of
      // the leaf); a stage 1 update is a write through stage 2, which must allow it (§3.13.5).
      // There is no Access flag fault from table descriptors. A table descriptor with AF == 0 may
      // not be cached: the one just updated is not put in the walk cache (the next walk reads it
      // again, with AF == 1), which also keeps the cache right where no update is written (an ATOS
      // lookup with HTTUI, a stale-entry probe).
      if (p.haft && p.ha && (d & AF) === 0n) {
        let wpa = pa;
        if (mem.tableAddress) {
          const t = mem.tableAddress(descAddr, true, steps, tableNs);
          if (typeof t !== 'bigint') return { ...t, s2OnS1Walk: true, s1WalkWrite: true };
          wpa = t;
        }
        if (mem.write64(wpa, d | AF, tableNs) === 'abort')
          return walkFault(
            stage,
            ia,
            'walkEabt',
            level,
            `external abort updating the Access flag of the level ${level} table descriptor at ${hex(wpa)}`,
            { fetchAddr: wpa },
          );
        steps[steps.length - 1] = { level, address: pa, descriptor: d, written: d | AF };
        table = next;
        continue;
      }
      wc?.insert(level, shift, Number(whole >> BigInt(shift)), {
        address: pa,
        descriptor: d,
        next,
        noWrite: tables.noWrite,
        noUser: tables.noUser,
        xn: tables.xn,
        pxn: tables.pxn,
        ns: tables.ns,
      });
      table = next;
      continue;
    }

    // A leaf: a block (levels 1-2) or a page (level 3).
    const oaBase = outputAddress(d, shift, g, oa52, ds);
    if (oaBase >> ob !== 0n) {
      return walkFault(
        stage,
        ia,
        'addressSize',
        level,
        `the level ${level} ${level === 3 ? 'page' : 'block'} at ${hex(pa)} outputs ${hex(oaBase)}, beyond the ${p.outputBits}-bit output size (§3.4, §7.3.14)`,
      );
    }

    // Access flag (§3.13.1, §3.13.2): HA sets it (AFFD is then IGNORED); AFFD treats it as 1;
    // otherwise F_ACCESS, which takes priority over a Permission fault.
    let next = d;
    if ((d & AF) === 0n) {
      if (p.ha) next |= AF;
      else if (!p.affd)
        return walkFault(
          stage,
          ia,
          'accessFlag',
          level,
          `the Access flag is 0 in the level ${level} descriptor at ${hex(pa)}${stage === 1 ? ' (CD.HA and CD.AFFD are 0)' : ' (STE.S2HA and STE.S2AFFD are 0)'}`,
        );
    }

    // Translation Hardening (§3.27.2): the AssuredOnly check comes before the other stage 2
    // permissions (§3.26 priority 1).
    if (assuredOnlyDenies(p, d, access))
      return walkFault(
        stage,
        ia,
        'permission',
        level,
        `the level ${level} descriptor at ${hex(pa)} is AssuredOnly (bit 58, STE.AssuredOnly = 1) and the access has no Assured Translation (§3.27.2)`,
        { assuredOnly: true },
      );

    // Permissions, and the dirty state (§3.13.3.1): with HD (and HA), a write to a writable-clean
    // descriptor (DBM = 1, AP[2] = 1 / S2AP[1] = 0) makes it writable-dirty instead of faulting,
    // but only when the descriptor's AP/S2AP bit is the sole reason it is not writable (APTable,
    // PAN or missing EL0 access still fault, and then nothing is written).
    const hd = p.hd && p.ha; // {HD, HA} = {1, 0} behaves as both 0 (§5.4 HA, §5.2 S2HA)
    const ap2 = stage === 1 ? (d & AP2) !== 0n : (d & AP2) === 0n; // "not writable" by the leaf's own bit
    // The Indirect Permission Scheme (§3.26), where bit 7 is the dirty state and DBM a PIIndex bit.
    const ind = (stage === 1 ? p.s1pi : p.s2pi) ? indirectLeaf(p, d, access, hd) : undefined;
    let perms = ind ? ind.perms : permsOf(stage, p, d, ap2, tables, access);
    if (ind?.setDirty) next = stage === 1 ? next & ~AP2 : next | AP2;
    else if (!ind && !permitted(perms, access) && access.write && ap2 && hd && (d & DBM) !== 0n) {
      const dirty = permsOf(stage, p, d, false, tables, access);
      if (permitted(dirty, access)) {
        perms = dirty;
        next = stage === 1 ? next & ~AP2 : next | AP2;
      }
    }
    if (ind ? ind.refusal : !permitted(perms, access)) {
      const what =
        access.exec && !access.write
          ? 'instruction fetch'
          : access.write && access.read
            ? 'atomic access'
            : access.write
              ? 'write'
              : 'read';
      return walkFault(
        stage,
        ia,
        'permission',
        level,
        `${access.priv ? 'privileged' : 'unprivileged'} ${what} is not permitted by the level ${level} descriptor at ${hex(pa)} (r=${+perms.r} w=${+perms.w} x=${+perms.x})${ind?.refusal ? `: ${ind.refusal.why}` : ''}`,
        {
          leaf: { oa: oaBase | (input & ((1n << BigInt(shift)) - 1n)), size: 1n << BigInt(shift), perms },
          ...(ind?.refusal ? { overlay: ind.refusal.overlay, dirtyBit: ind.refusal.dirtyBit } : {}),
        },
      );
    }

    // One atomic update carries both AF and the dirty state (§3.13.2: a dirty update also leaves AF = 1).
    if (next !== d) {
      let wpa = pa;
      if (mem.tableAddress) {
        // A stage 1 descriptor update is a write through stage 2, which must allow it (§3.13.5).
        const t = mem.tableAddress(descAddr, true, steps, tableNs);
        if (typeof t !== 'bigint') return { ...t, s2OnS1Walk: true, s1WalkWrite: true };
        wpa = t;
      }
      if (mem.write64(wpa, next, tableNs) === 'abort')
        return walkFault(
          stage,
          ia,
          'walkEabt',
          level,
          `external abort updating the Access flag / dirty state of the level ${level} descriptor at ${hex(wpa)}`,
          { fetchAddr: wpa },
        );
      steps[steps.length - 1] = { level, address: pa, descriptor: d, written: next };
    }

    const size = 1n << BigInt(shift);
    // One literal with every property but `mro`, which is added after: a spread inside a literal
    // makes V8 define each property after it with a runtime call, in the baseline code a cold
    // check runs (docs/performance.md).
    const ok: { -readonly [K in keyof WalkOk]: WalkOk[K] } = {
      ok: true,
      oa: oaBase | (input & (size - 1n)),
      level,
      size,
      perms,
      attrIndx: Number((next >> 2n) & (stage === 1 ? 7n : 15n)),
      // With DS = 1 bits [9:8] are OA[51:50]: the Shareability is the walk's (§5.4 DS, §5.2 S2DS).
      sh: ds ? (p.dsSh ?? 0) : Number((next >> 8n) & 3n),
      // §3.10.2.2 (as Armv8.4): an entry a Secure stream read from the Non-secure IPA space (a
      // table below NSTable = 1, or from a CD.NSCFGx = 1 start; without stage 2 that space is the
      // Non-secure PA space) is non-global whatever its nG bit says.
      nG: stage === 1 && !p.singlePrivilege ? ((next >> 11n) & 1n) === 1n || tableNs === true : false,
      contiguous: contiguousBit(p, next),
      assuredOnly: assuredOnlyAttr(p, next),
      descriptor: next,
      descriptorAddress: pa,
      steps,
      ns: secure ? nsOfLeaf(tables.ns, next) : undefined,
    };
    if (ind?.mro) ok.mro = true;
    return ok;
  }
  // Unreachable: level 3 always returns.
  return walkFault(stage, ia, 'translation', 3, 'the walk did not reach a leaf');
}
