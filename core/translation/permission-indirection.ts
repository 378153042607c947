/**
 * The Indirect Permission Scheme as the SMMU applies it to the leaf (Block or Page descriptor) of a
 * VMSAv8-64 walk (§3.26, from the A-profile FEAT_S1PIE, FEAT_S2PIE and FEAT_S2POE: Arm ARM D8.3
 * descriptor fields, D8.4.1.3 stage 1 Indirect permissions, D8.4.2.2 stage 2 Indirect
 * permissions and overlays, D8.5.2 the dirty state, D8.15.5.1 the order of Permission faults).
 *
 * Descriptor fields (Arm ARM D8.3, VMSAv8-64 Block and Page descriptors, both stages; the Linux
 * second source is arch/arm64/include/asm/pgtable-hwdef.h, PTE_PI_IDX_0..3 = bits 6, 51, 53, 54):
 * - PIIndex[3:0] = {bit 54, bit 53, bit 51, bit 6} (UXN/XN[1], PXN/XN[0], DBM, AP[1]/S2AP[0]);
 * - bit 7 is the dirty state: stage 1 nDirty (1 = writable-clean), stage 2 Dirty (0 = writable-clean);
 * - stage 2 POIndex[3:0] = bits [62:59] (so §5.2 makes S2POE ILLEGAL with any STE.S2HWU59..62 set;
 *   second source: TF-RMM's s2tt_ap.h, S2TTE_PO_INDEX_SHIFT 59 and S2TTE_PO_INDEX_WIDTH 4).
 *
 * Where the SMMU differs from the PE, as §3.26 and the STE and CD fields say:
 * - stage 1 interpretations are CD.PIIP and CD.PIIU, 3 bits each (§5.4: 0b000 No Access, 0b001 R,
 *   0b010 X, 0b011 RX, 0b101 RW, 0b111 RWX), not the PE's 4-bit PIR_ELx / PIRE0_ELx: no GCS, no
 *   "overlay applied" bit, no encoding that applies WXN; CD.WXN has no effect (§3.26.1);
 * - a reserved PIIP / PIIU encoding, or PIIP privileged execute with PIIU unprivileged write, makes
 *   the CD ILLEGAL (C_BAD_CD, core/structures/cd.ts) where the PE removes the permissions, so the
 *   walk never meets one;
 * - CD.PIE counts only with STE.S1PIE = 1 (§3.26.1 table; core/translation/params.ts);
 * - there are no stage 1 overlays ("The SMMU does not support the stage 1 permission overlay
 *   feature"): descriptor bits [62:60] are not a POIndex at stage 1;
 * - with CD.PAN = 1 any unprivileged permission removes privileged read and write, whatever CD.EPAN
 *   (§3.26.1 step 2; as the PE, whose PAN with Indirect permissions ignores SCTLR_ELx.EPAN);
 * - a reserved STE.S2POI encoding makes the STE ILLEGAL (C_BAD_STE, core/structures/ste.ts) where the
 *   PE's S2POR_EL1 treats it as No Access; SMMU_S2PII's are No Access, as S2PIR_EL2's (§6.3.17);
 * - STE.S2POE = 1 with STE.S2PIE = 0 is ILLEGAL (§5.2 S2POE) where the PE disables the overlay;
 * - STE.S2POE may be cached in a TLB, but the effect of STE.S2POI on the stage 2 translation of an
 *   output address may not (§5.2 S2POI): core/engine/transaction.ts keeps no TLB entry for a stream
 *   whose stage 2 applies an overlay. Its effect on the translation of a stage 1 walk may be cached.
 *
 * Not applied here: the stage 2 TopLevel and AssuredOnly checks (§3.26.2 step 1, STE.TL0/TL1 and
 * AssuredOnly, Translation Hardening §3.27), so MRO-TL0, MRO-TL1 and MRO-TL01 permit what MRO
 * does (Arm ARM Table D8-80); SMMU_S_CR0.SIF and Realm state (§3.26.1 steps 3 and 4), which the
 * direct scheme does not model either.
 */
import type { Access, S1Indirect, S2Indirect, WalkParams } from './types';

export interface Perms {
  r: boolean;
  w: boolean;
  x: boolean;
}

/**
 * The access is allowed: an instruction fetch needs execute only (an XO page serves it, §13.7);
 * data reads need read, writes need write, and an atomic (read and write) both (§13.1.1). A
 * write is checked first (§13.1.1). Used by both permission schemes.
 */
export function permitted(perm: Perms, access: Access): boolean {
  if (access.exec && !access.write) return perm.x;
  if (access.write && !perm.w) return false;
  if (access.read && !perm.r) return false;
  return access.read || access.write ? true : perm.r;
}

const bit = (d: bigint, n: bigint): number => Number((d >> n) & 1n);

/** PIIndex[3:0] = {bit 54, bit 53, bit 51, bit 6} of a Block or Page descriptor (Arm ARM D8.3). */
export function piIndex(d: bigint): number {
  return (bit(d, 54n) << 3) | (bit(d, 53n) << 2) | (bit(d, 51n) << 1) | bit(d, 6n);
}

/** Stage 2 POIndex[3:0] = bits [62:59] of a Block or Page descriptor (Arm ARM D8.3). */
export function poIndex(d: bigint): number {
  return Number((d >> 59n) & 0xfn);
}

/** Field <p> of 3-bit interpretations held in a number (CD.PIIP, CD.PIIU: 48 bits). */
const pii3 = (v: number, p: number): number => Math.floor(v / 2 ** (3 * p)) & 7;

/** Field <p> of 4-bit interpretations held in a 64-bit value (SMMU_S2PII, STE.S2POI). */
const pii4 = (v: bigint, p: number): number => Number((v >> BigInt(4 * p)) & 0xfn);

/** A CD.PIIP / CD.PIIU encoding (§5.4): R = bit 0, X = bit 1, W = bit 2 (W only with R). */
function s1Decode(v: number): Perms {
  return { r: (v & 1) === 1, w: (v & 4) === 4, x: (v & 2) === 2 };
}

const DIRTY = 1n << 7n;

/** What the Indirect Permission Scheme makes of a leaf for one access. */
export interface IndirectLeaf {
  /**
   * The permissions for the accessing privilege (and, at stage 2, for an MMU access its MMURead and
   * MMUWrite). A writable-clean leaf is reported not writable unless this walk makes it dirty, as a
   * Direct permission leaf with AP[2] = 1, so a TLB entry never lets a write skip the dirty update.
   */
  readonly perms: Perms;
  /** The access is refused: a Permission fault, with F_PERMISSION's Overlay and DirtyBit (§7.3.16). */
  readonly refusal?: { readonly why: string; readonly overlay: boolean; readonly dirtyBit: boolean };
  /** The write makes a writable-clean leaf writable-dirty (hardware dirty state, §3.13.3). */
  readonly setDirty: boolean;
  /**
   * Stage 2: the leaf's permission (with its overlay) is one of the MROs, which a stage 1 table's
   * translation needs to keep the Assured Translation property (§3.27.2, core/engine/assured.ts).
   */
  readonly mro?: boolean;
}

/**
 * The leaf's permissions under the Indirect Permission Scheme of its stage (`p.s1pi` or `p.s2pi`
 * set); `hd` is effective hardware dirty state management (HD and HA).
 */
export function indirectLeaf(p: WalkParams, d: bigint, access: Access, hd: boolean): IndirectLeaf {
  return p.stage === 1 && p.s1pi ? stage1(p, p.s1pi, d, access, hd) : stage2(p.s2pi ?? { s2pii: 0n }, d, access, hd);
}

/** A write the permissions grant to a writable-clean leaf: made dirty by hardware, or a fault (D8.5.2). */
function dirtyCheck(perms: Perms, access: Access, clean: boolean, hd: boolean, stage: 1 | 2): IndirectLeaf {
  if (!clean) return { perms, setDirty: false };
  const cleanPerms = { ...perms, w: false };
  if (!access.write) return { perms: cleanPerms, setDirty: false };
  if (hd) return { perms, setDirty: true };
  return {
    perms: cleanPerms,
    setDirty: false,
    refusal: {
      why: `the leaf is writable-clean (${stage === 1 ? 'nDirty' : 'Dirty'} = ${stage === 1 ? 1 : 0}) and hardware dirty state updates are disabled (DirtyBit, §7.3.16)`,
      overlay: false,
      dirtyBit: true,
    },
  };
}

/**
 * §3.26.1: privileged accesses (and all of a single-privilege StreamWorld's, where CD.PIIU is RES0)
 * take CD.PIIP[PIIndex], unprivileged ones CD.PIIU[PIIndex]; then PAN. The hierarchical controls
 * the walk gathers from table descriptors are not consulted (Arm ARM D8.4.1.3 RJHSVW: with
 * Indirect permissions TCR_ELx.HPDn are RES1).
 */
function stage1(p: WalkParams, pi: S1Indirect, d: bigint, access: Access, hd: boolean): IndirectLeaf {
  const idx = piIndex(d);
  const pp = pii3(pi.piip, idx);
  const pu = p.singlePrivilege ? 0 : pii3(pi.piiu, idx);
  const priv = p.singlePrivilege || access.priv;
  const perms = s1Decode(priv ? pp : pu);
  // Step 2: CD.PAN with any unprivileged permission removes privileged read and write (not execute).
  if (priv && !p.singlePrivilege && p.pan && pu !== 0) {
    perms.r = false;
    perms.w = false;
  }
  if (!permitted(perms, access))
    return {
      perms,
      setDirty: false,
      refusal: {
        why: `PIIndex ${idx} selects ${priv ? 'PIIP' : 'PIIU'}<${idx}> = 0b${(priv ? pp : pu).toString(2).padStart(3, '0')}${priv && p.pan && pu !== 0 && !p.singlePrivilege ? ' and CD.PAN removes privileged data access (PIIU<' + idx + '> is not No Access)' : ''} (§3.26.1)`,
        overlay: false,
        dirtyBit: false,
      },
    };
  return dirtyCheck(perms, access, perms.w && (d & DIRTY) !== 0n, hd, 1);
}

// --- stage 2 (Arm ARM D8.4.2.2, Table D8-82 encodings) ---------------------------------------

/** 0b0001 and 0b0101 are Reserved, treated as No Access (§6.3.17; Arm ARM Table D8-82). */
const norm = (v: number): number => (v === 0b0001 || v === 0b0101 ? 0 : v);
/** MRO, MRO-TL1, MRO-TL0, MRO-TL01. */
const isMro = (v: number): boolean => v === 0b0010 || v === 0b0011 || v === 0b0110 || v === 0b0111;
/** General permissions: No Access, RO and RW, with their execute variants; the others are Special. */
const isGeneral = (v: number): boolean => v === 0 || v >= 0b1000;

/**
 * S2BasePerm combined with S2OverlayPerm (Arm ARM D8.4.2.2.4): two General permissions by the
 * bitwise AND of their encodings; two Special ones by Table D8-83 (WO with WO stays WO, WO with an
 * MRO is No Access, MROs combine their TopLevel bits, which the OR of the encodings gives); a
 * General with a Special by Table D8-84 (No Access wins; RO turns any MRO into RO and WO into No
 * Access; RW keeps the Special one).
 */
export function combineS2(base: number, overlay: number): number {
  const b = norm(base);
  const o = norm(overlay);
  if (isGeneral(b) && isGeneral(o)) return b & o;
  if (!isGeneral(b) && !isGeneral(o)) {
    if (b === 0b0100 || o === 0b0100) return b === o ? 0b0100 : 0;
    return b | o;
  }
  const special = isGeneral(b) ? o : b;
  const general = isGeneral(b) ? b : o;
  if (general === 0) return 0;
  if (general < 0b1100) return special === 0b0100 ? 0 : 0b1000;
  return special;
}

/**
 * What a stage 2 permission (Table D8-82) grants an access (Tables D8-79, D8-80): read for RO, RW
 * and the MROs; data write for RW and WO; an MMU write (a stage 1 descriptor update) for RW and the
 * MROs; execute from the uX (bit 0) / pX (bit 1) bits of RO and RW.
 */
function s2Grants(v: number, access: Access): Perms {
  const n = norm(v);
  return {
    r: n >= 0b1000 || isMro(n),
    w: n >= 0b1100 || (access.mmu ? isMro(n) : n === 0b0100),
    x: n >= 0b1000 && ((n >> (access.priv ? 1 : 0)) & 1) === 1,
  };
}

const NAMES = ['No Access', 'Reserved', 'MRO', 'MRO-TL1', 'WO', 'Reserved', 'MRO-TL0', 'MRO-TL01'];
const GENERAL = ['RO', 'RO+uX', 'RO+pX', 'RO+puX', 'RW', 'RW+uX', 'RW+pX', 'RW+puX'];
const s2Name = (v: number): string => `0b${v.toString(2).padStart(4, '0')} (${v >= 8 ? GENERAL[v - 8] : NAMES[v]})`;

/**
 * §3.26.2 step 2: the Overlay permission STE.S2POI[POIndex] (when S2POE is 1) is checked first (a
 * fault it causes has the higher priority, Arm ARM D8.15.5.1, and F_PERMISSION.Overlay = 1), then
 * the base SMMU_S2PII[PIIndex] combined with it; step 4: the dirty state of a write.
 */
function stage2(pi: S2Indirect, d: bigint, access: Access, hd: boolean): IndirectLeaf {
  const idx = piIndex(d);
  const base = pii4(pi.s2pii, idx);
  const what = access.mmu ? ' (an access of the SMMU for a stage 1 walk or CD fetch: MMURead / MMUWrite)' : '';
  if (pi.s2poi !== undefined) {
    const po = poIndex(d);
    const ov = pii4(pi.s2poi, po);
    const ovPerms = s2Grants(ov, access);
    if (!permitted(ovPerms, access))
      return {
        perms: s2Grants(combineS2(base, ov), access),
        setDirty: false,
        refusal: {
          why: `POIndex ${po} selects STE.S2POI<${po}> = ${s2Name(ov)}, which refuses it${what} (Overlay, §3.26.2)`,
          overlay: true,
          dirtyBit: false,
        },
      };
  }
  const combined = pi.s2poi !== undefined ? combineS2(base, pii4(pi.s2poi, poIndex(d))) : norm(base);
  const perms = s2Grants(combined, access);
  if (!permitted(perms, access))
    return {
      perms,
      setDirty: false,
      refusal: {
        why: `PIIndex ${idx} selects SMMU_S2PII.S2PII${idx} = ${s2Name(base)}${pi.s2poi !== undefined ? `, which the overlay STE.S2POI<${poIndex(d)}> makes ${s2Name(combined)}` : ''}${what} (§3.26.2)`,
        overlay: false,
        dirtyBit: false,
      },
    };
  const leaf = dirtyCheck(perms, access, perms.w && (d & DIRTY) === 0n, hd, 2);
  // NAMES: 2 MRO, 3 MRO-TL1, 6 MRO-TL0, 7 MRO-TL01 (their TopLevel checks are not made).
  return MRO_ENCODINGS.includes(combined) ? { ...leaf, mro: true } : leaf;
}

const MRO_ENCODINGS: readonly number[] = [2, 3, 6, 7];
