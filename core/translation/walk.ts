/**
 * The VMSAv8-64 translation table walk (Arm ARM D8; SMMU §3.4 address sizes, §3.13 Access flag
 * and dirty state): 4 KB, 16 KB and 64 KB granules, stage 1 and stage 2, blocks and pages,
 * 52-bit output with the 64 KB granule (descriptor bits [15:12] are OA[51:48]), hierarchical
 * stage 1 permissions, hardware Access flag and dirty state updates. Faults are reported with
 * the level they occurred at, in the architecture's priority order: translation (range), then per
 * level external abort, translation (invalid), address size; then Access flag, then permission.
 */
import type { Access, Granule, WalkFault, WalkMemory, WalkParams, WalkResult, WalkStep } from './types';

const M64 = (1n << 64n) - 1n;

function pageShift(g: Granule): number {
  return g === 4 ? 12 : g === 16 ? 14 : 16;
}

/** Bits an index resolves per level: 9, 11 or 13. */
function perLevel(g: Granule): number {
  return pageShift(g) - 3;
}

/** Stage 1 starting level: the level whose index holds the input address's top bits. */
export function startLevelS1(g: Granule, tsz: number): number | undefined {
  const ia = 64 - tsz;
  const lvl = 4 - Math.ceil((ia - pageShift(g)) / perLevel(g));
  if (lvl < (g === 64 ? 1 : 0) || lvl > 3) return undefined;
  return lvl;
}

/**
 * Stage 2 starting level from S2SL0 (VTCR_EL2.SL0 encoding): 4 KB: 0→2, 1→1, 2→0; 16 KB and
 * 64 KB: 0→3, 1→2, 2→1. Undefined when the level cannot resolve the input size with at most 16
 * concatenated tables, or the encoding is reserved (the STE is then ILLEGAL, §5.2 S2SL0).
 */
export function startLevelS2(sl0: number, g: Granule, tsz: number): number | undefined {
  const lvl = g === 4 ? [2, 1, 0][sl0] : [3, 2, 1][sl0];
  if (lvl === undefined) return undefined;
  if (g === 64 && lvl < 1) return undefined;
  const ia = 64 - tsz;
  const bitsAtStart = ia - (pageShift(g) + perLevel(g) * (3 - lvl));
  if (bitsAtStart < 1 || bitsAtStart > perLevel(g) + 4) return undefined;
  return lvl;
}

/** CD.IPS / STE.S2PS / IDR5.OAS encodings to bits; undefined for reserved values. */
export function ipsBits(code: number): number | undefined {
  return [32, 36, 40, 42, 44, 48, 52][code];
}

/** CD.TG0 / STE.S2TG: 0b00 4 KB, 0b01 64 KB, 0b10 16 KB. */
export function granuleFromTg0(tg: number): Granule | undefined {
  return tg === 0 ? 4 : tg === 1 ? 64 : tg === 2 ? 16 : undefined;
}

export const granuleFromS2Tg = granuleFromTg0;

/**
 * Which TTB a stage 1 VA selects (Arm ARM D8.2): bit 55 chooses; the bits above the region size
 * (up to bit 63, or bit 55 when the region's TBI is set) must all equal it. 'fault' otherwise.
 */
export function selectTtb(va: bigint, t0sz: number, t1sz: number, tbi: number): 0 | 1 | 'fault' {
  const upper = ((va >> 55n) & 1n) === 1n;
  const sel = upper ? 1 : 0;
  const tsz = upper ? t1sz : t0sz;
  const top = ((tbi >> sel) & 1) === 1 ? 55 : 63;
  const width = top - (64 - tsz) + 1;
  if (width <= 0) return sel;
  const bits = (va >> BigInt(64 - tsz)) & ((1n << BigInt(width)) - 1n);
  const want = upper ? (1n << BigInt(width)) - 1n : 0n;
  return bits === want ? sel : 'fault';
}

function fault(kind: WalkFault['kind'], stage: 1 | 2, level: number, message: string, extra: Partial<WalkFault> = {}): WalkFault {
  return { ok: false, kind, stage, level, message, ...extra };
}

/** Output address bits of a descriptor: [47:shift], plus OA[51:48] from bits [15:12] with the 64 KB granule and 52-bit output. */
function descOa(d: bigint, shift: number, g: Granule, outputBits: number): bigint {
  let oa = d & 0x0000_ffff_ffff_f000n & ~((1n << BigInt(shift)) - 1n);
  if (g === 64 && outputBits === 52) oa |= ((d >> 12n) & 0xfn) << 48n;
  return oa;
}

export function walk(p: WalkParams, ia: bigint, access: Access, mem: WalkMemory): WalkResult {
  const g = p.granule;
  const ps = pageShift(g);
  const pl = perLevel(g);
  const stage = p.stage;
  const iaBits = 64 - p.tsz;
  const start = p.startLevel ?? startLevelS1(g, p.tsz);
  const s2ipa = stage === 2 ? { ipa: ia } : {};
  if (start === undefined) return fault('translation', stage, 0, `no valid starting level for a ${g} KB granule with TnSZ ${p.tsz}`, s2ipa);
  // Stage 1 inputs arrive with TTB selection done; only the region's bits are translated.
  const input = stage === 1 ? ia & ((1n << BigInt(iaBits)) - 1n) : ia;
  if (stage === 2 && (ia >> BigInt(iaBits)) !== 0n) {
    return fault('translation', 2, start, `IPA beyond the ${iaBits}-bit stage 2 input range (S2T0SZ ${p.tsz})`, s2ipa);
  }
  // The table base: aligned to the start-level table (concatenated tables included).
  const startBits = iaBits - (ps + pl * (3 - start));
  const tableBytes = 8n << BigInt(Math.max(startBits, 0));
  // The CD's TTB0/TTB1 and the STE's S2TTB hold address bits [55:4] directly (§5.2, §5.4).
  let table = (p.ttb & M64) & ~(tableBytes - 1n);
  if (table >> BigInt(p.outputBits) !== 0n) return fault('addressSize', stage, start, `the table base is beyond the ${p.outputBits}-bit output size`, s2ipa);
  const steps: WalkStep[] = [];
  // Hierarchical stage 1 controls from table descriptors (APTable, UXNTable/XNTable, PXNTable).
  let apTableRo = false;
  let apTableNoUser = false;
  let xnTable = false;
  let pxnTable = false;
  for (let level = start; level <= 3; level++) {
    const shift = ps + pl * (3 - level);
    const idxBits = level === start ? startBits : pl;
    const index = (input >> BigInt(shift)) & ((1n << BigInt(idxBits)) - 1n);
    let addr = table + index * 8n;
    if (mem.tableAddress) {
      const t = mem.tableAddress(addr);
      if (typeof t !== 'bigint') return { ...t, s2OnS1Walk: true };
      addr = t;
    }
    const d = mem.read64(addr);
    if (d === 'abort') return fault('walkEabt', stage, level, `external abort reading the level ${level} descriptor at 0x${addr.toString(16)}`, { ...s2ipa, fetchAddr: addr });
    steps.push({ level, address: addr, descriptor: d });
    const type = d & 3n;
    if ((type & 1n) === 0n) return fault('translation', stage, level, `the level ${level} descriptor at 0x${addr.toString(16)} is invalid`, s2ipa);
    const isTable = type === 3n && level < 3;
    const isPage = type === 3n && level === 3;
    const isBlock = type === 1n && level < 3;
    if (type === 1n && level === 3) return fault('translation', stage, level, `a block descriptor at level 3 (0x${addr.toString(16)}) is reserved`, s2ipa);
    if (isBlock) {
      const blockOk = g === 4 ? level === 1 || level === 2 : g === 16 ? level === 2 : level === 2 || (level === 1 && p.outputBits === 52);
      if (!blockOk) return fault('translation', stage, level, `a block descriptor is not allowed at level ${level} with a ${g} KB granule`, s2ipa);
    }
    if (isTable) {
      const next = descOa(d, ps, g, p.outputBits);
      if (next >> BigInt(p.outputBits) !== 0n || (d & 0x0000_ffff_ffff_f000n) >> BigInt(p.outputBits) !== 0n) {
        return fault('addressSize', stage, level, `the level ${level} table descriptor points beyond the ${p.outputBits}-bit output size`, s2ipa);
      }
      if (stage === 1 && !p.had) {
        apTableRo ||= ((d >> 62n) & 1n) === 1n;
        apTableNoUser ||= ((d >> 61n) & 1n) === 1n;
        xnTable ||= ((d >> 60n) & 1n) === 1n;
        pxnTable ||= ((d >> 59n) & 1n) === 1n;
      }
      table = next;
      continue;
    }
    // A leaf: block or page.
    void isPage;
    const oaBase = descOa(d, shift, g, p.outputBits);
    if ((d & 0x0000_ffff_ffff_f000n) >> BigInt(p.outputBits) !== 0n || oaBase >> BigInt(p.outputBits) !== 0n) {
      return fault('addressSize', stage, level, `the output address is beyond the ${p.outputBits}-bit output size`, s2ipa);
    }
    let desc = d;
    // Access flag (§3.13.2): hardware sets it when HA is enabled; AFFD disables the fault.
    if (((desc >> 10n) & 1n) === 0n) {
      if (p.ha) {
        desc |= 1n << 10n;
        if (mem.write64(addr, desc) === 'abort') return fault('walkEabt', stage, level, `external abort updating the Access flag at 0x${addr.toString(16)}`, { ...s2ipa, fetchAddr: addr });
        steps[steps.length - 1] = { level, address: addr, descriptor: desc };
      } else if (!p.affd) {
        return fault('accessFlag', stage, level, `the Access flag is 0 in the level ${level} descriptor at 0x${addr.toString(16)}`, s2ipa);
      }
    }
    let r: boolean;
    let w: boolean;
    let x: boolean;
    const dbm = ((desc >> 51n) & 1n) === 1n;
    if (stage === 1) {
      const ap2 = ((desc >> 7n) & 1n) === 1n; // read-only
      const ap1 = ((desc >> 6n) & 1n) === 1n; // EL0 accessible
      let readOnly = ap2 || apTableRo;
      // Dirty state (§3.13.3): a writable-clean (DBM, AP[2]=1) page becomes dirty on a write with HD.
      if (access.write && ap2 && dbm && p.hd && !apTableRo) {
        desc &= ~(1n << 7n);
        if (mem.write64(addr, desc) === 'abort') return fault('walkEabt', stage, level, `external abort updating dirty state at 0x${addr.toString(16)}`, { fetchAddr: addr });
        steps[steps.length - 1] = { level, address: addr, descriptor: desc };
        readOnly = false;
      }
      const user = ap1 && !apTableNoUser;
      const pxn = ((desc >> 53n) & 1n) === 1n || pxnTable;
      const uxn = ((desc >> 54n) & 1n) === 1n || xnTable;
      if (access.priv) {
        // PAN: privileged data accesses to EL0-accessible memory fault.
        const panBlocks = !!p.pan && user && !access.exec;
        r = !panBlocks;
        w = !readOnly && !panBlocks;
        // Privileged execution is never allowed from EL0-writable memory (Arm ARM D8.4.1.2).
        x = !pxn && !(user && !readOnly) && !(p.wxn && !readOnly);
      } else {
        r = user;
        w = user && !readOnly;
        x = user && !uxn && !(p.wxn && !readOnly);
      }
    } else {
      const s2r = ((desc >> 6n) & 1n) === 1n;
      let s2w = ((desc >> 7n) & 1n) === 1n;
      if (access.write && !s2w && dbm && p.hd) {
        desc |= 1n << 7n;
        if (mem.write64(addr, desc) === 'abort') return fault('walkEabt', stage, level, `external abort updating dirty state at 0x${addr.toString(16)}`, { ...s2ipa, fetchAddr: addr });
        steps[steps.length - 1] = { level, address: addr, descriptor: desc };
        s2w = true;
      }
      r = s2r;
      w = s2w;
      const xn = Number((desc >> 53n) & 3n);
      if (p.xnx) x = access.priv ? xn === 0 || xn === 3 : xn === 0 || xn === 1;
      else x = (xn & 2) === 0;
    }
    const allowed = (access.write ? w : r) && (!access.exec || x);
    if (!allowed) {
      const what = access.exec ? 'execute' : access.write ? 'write' : 'read';
      return fault('permission', stage, level, `${access.priv ? 'privileged' : 'unprivileged'} ${what} not permitted by the level ${level} descriptor at 0x${addr.toString(16)}`, s2ipa);
    }
    const size = 1n << BigInt(shift);
    return {
      ok: true,
      oa: oaBase | (input & (size - 1n)),
      level,
      size,
      perms: { r, w, x },
      attrIndx: Number((desc >> 2n) & (stage === 1 ? 7n : 15n)),
      sh: Number((desc >> 8n) & 3n),
      nG: stage === 1 ? ((desc >> 11n) & 1n) === 1n : false,
      descriptor: desc,
      descriptorAddress: addr,
      steps,
    };
  }
  return fault('translation', stage, 3, 'the walk did not reach a leaf', s2ipa);
}
