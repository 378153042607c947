/**
 * The memory attributes an ATOS lookup returns in ATOS_PAR.ATTR (MAIR format) and ATOS_PAR.SH
 * (§6.3.40, §9.1.4): those of the translation tables, without STE overrides (Table 13.5).
 * - Stage 1: CD.MAIR's Attr<AttrIndx> byte and the leaf's SH, as the PE's MAIR_ELx reads them.
 * - Stage 2: the leaf's MemAttr[3:0] in MAIR format, with RA == WA == 1 and TR == 0 (§6.3.40).
 * - Both: stage 1 combined with stage 2, each attribute the stronger of the two (§13.1.5): Device
 *   over Normal and nGnRnE > nGnRE > nGRE > GRE; NC > WT > WB at each cache level; no-allocate
 *   over allocate and transient over non-transient (§13.1.5: "allocate and non-transient are the
 *   normal cases that are pulled down"); OSH > ISH > NSH.
 * Then §13.1.7's consistency rules, which "also apply to the result of ATOS": any Device type and
 * Normal iNC-oNC are Outer Shareable, a non-cacheable level has no allocation or transient hints,
 * and a cacheable level that allocates neither on read nor on write is non-transient.
 *
 * Where the attributes cannot be computed exactly the result says so (`inexact`) and the model
 * returns Device-nGnRnE, Outer Shareable (ATTR 0x00, SH 0b10): STE.S2FWB == 1 (the FEAT_S2FWB
 * combination, §13.1.6, is not modelled), a MAIR byte that is not a Device or Normal encoding of
 * Armv8.0 (FEAT_XS and FEAT_MTE encodings, UNPREDICTABLE ones), a reserved stage 2 MemAttr, or the
 * reserved SH encoding 0b01.
 */
import type { WalkOk } from '../translation/types';

export interface AtosAttributes {
  /** ATOS_PAR.ATTR, MAIR format. */
  readonly attr: number;
  /** ATOS_PAR.SH: 0b00 NSH, 0b10 OSH, 0b11 ISH. */
  readonly sh: number;
  /** Why the attributes are a choice of the model rather than the translation's (said in the log). */
  readonly note?: string;
  /** The attributes were not computed from the tables (the note says why). */
  readonly inexact?: boolean;
}

/** §13.1.3: without attributes from the client, Normal iWB-oWB, read- and write-allocate, non-transient, NSH. */
export const DEFAULT_INPUT: AtosAttributes = {
  attr: 0xff,
  sh: 0b00,
  note: 'stage 1 bypassed: the IMPLEMENTATION DEFINED attributes are, in this model, the default input attributes of §13.1.3',
};

const OSH = 0b10;
const ISH = 0b11;
const NSH = 0b00;

/** One cache level of a Normal type. */
interface Level {
  readonly kind: 'NC' | 'WT' | 'WB';
  readonly ra: boolean;
  readonly wa: boolean;
  readonly tr: boolean;
}

type Attr = { readonly device: number } | { readonly inner: Level; readonly outer: Level };

/** A MAIR nibble of a Normal type (Arm ARM MAIR_ELx.Attr<n>): 0b0100 NC, 0b00RW/0b01RW transient WT/WB (RW ≠ 00), 0b10RW/0b11RW WT/WB. */
function mairLevel(n: number): Level | undefined {
  const ra = (n & 2) !== 0;
  const wa = (n & 1) !== 0;
  if (n === 0b0100) return { kind: 'NC', ra: false, wa: false, tr: false };
  if (n === 0) return undefined;
  return { kind: n & 4 ? 'WB' : 'WT', ra, wa, tr: (n & 8) === 0 };
}

function levelNibble(l: Level): number {
  if (l.kind === 'NC') return 0b0100;
  const rw = (l.ra ? 2 : 0) | (l.wa ? 1 : 0);
  return (l.tr ? 0 : 8) | (l.kind === 'WB' ? 4 : 0) | rw;
}

/** A MAIR byte: 0b0000dd00 Device-dd, or outer:inner Normal nibbles; other encodings are not decoded. */
function fromMair(b: number): Attr | undefined {
  const hi = b >> 4;
  const lo = b & 15;
  if (hi === 0) return (lo & 3) === 0 ? { device: lo >> 2 } : undefined;
  const outer = mairLevel(hi);
  const inner = mairLevel(lo);
  return outer && inner ? { inner, outer } : undefined;
}

/** Stage 2 MemAttr[3:0] without FWB: [3:2] 00 Device-[1:0], else outer [3:2] and inner [1:0], 01 NC 10 WT 11 WB. */
function fromMemAttr(m: number): Attr | undefined {
  const hi = m >> 2;
  const lo = m & 3;
  if (hi === 0) return { device: lo };
  if (lo === 0) return undefined;
  // §6.3.40: the stage 2 descriptor does not encode RA/WA/TR; they are returned as RA = WA = 1, TR = 0.
  const level = (x: number): Level => ({ kind: x === 1 ? 'NC' : x === 2 ? 'WT' : 'WB', ra: true, wa: true, tr: false });
  return { inner: level(lo), outer: level(hi) };
}

const STRENGTH = { NC: 2, WT: 1, WB: 0 } as const;

function combineLevel(a: Level, b: Level): Level {
  return {
    kind: STRENGTH[a.kind] >= STRENGTH[b.kind] ? a.kind : b.kind,
    ra: a.ra && b.ra,
    wa: a.wa && b.wa,
    tr: a.tr || b.tr,
  };
}

/** §13.1.5: the stronger of each attribute. */
function combine(a: Attr, b: Attr): Attr {
  if ('device' in a || 'device' in b) {
    const ds = [a, b].flatMap((x) => ('device' in x ? [x.device] : []));
    return { device: Math.min(...ds) };
  }
  return { inner: combineLevel(a.inner, b.inner), outer: combineLevel(a.outer, b.outer) };
}

/** §13.1.7 for one level: NC has no hints; cacheable without allocation is non-transient. */
function consistentLevel(l: Level): Level {
  if (l.kind === 'NC') return { kind: 'NC', ra: false, wa: false, tr: false };
  return !l.ra && !l.wa ? { ...l, tr: false } : l;
}

/** OSH > ISH > NSH (§13.1.5). */
function strongerSh(a: number, b: number): number {
  const rank = (s: number) => (s === OSH ? 2 : s === ISH ? 1 : 0);
  return rank(a) >= rank(b) ? a : b;
}

function encode(a: Attr, sh: number, note?: string): AtosAttributes {
  if ('device' in a) return { attr: a.device << 2, sh: OSH, ...(note ? { note } : {}) };
  const inner = consistentLevel(a.inner);
  const outer = consistentLevel(a.outer);
  const ncBoth = inner.kind === 'NC' && outer.kind === 'NC';
  return { attr: (levelNibble(outer) << 4) | levelNibble(inner), sh: ncBoth ? OSH : sh, ...(note ? { note } : {}) };
}

function inexact(why: string): AtosAttributes {
  return {
    attr: 0x00,
    sh: OSH,
    inexact: true,
    note: `${why}: the model does not compute these attributes and reports Device-nGnRnE, Outer Shareable (ATTR 0x00, SH 0b10)`,
  };
}

const hex2 = (b: number) => '0x' + b.toString(16).toUpperCase().padStart(2, '0');

/**
 * ATOS_PAR.ATTR and SH for a lookup: `s1` the stage 1 MAIR byte and SH (or 'default' when stage 1
 * is bypassed, §13.1.3), `s2` the stage 2 leaf (its attrIndx is MemAttr[3:0]), `fwb` STE.S2FWB.
 */
export function atosAttributes(
  s1: { readonly mair: number; readonly sh: number } | 'default' | undefined,
  s2: WalkOk | undefined,
  fwb: boolean,
): AtosAttributes {
  const first =
    s1 === 'default'
      ? { attr: fromMair(DEFAULT_INPUT.attr), sh: DEFAULT_INPUT.sh, what: 'default input attributes' }
      : s1 && { attr: fromMair(s1.mair), sh: s1.sh, what: `stage 1 MAIR attribute ${hex2(s1.mair)}` };
  if (first && !first.attr) return inexact(`${first.what} is not a Device or Normal encoding the model decodes`);
  if (first && first.sh === 0b01) return inexact('the stage 1 descriptor has the reserved SH encoding 0b01');
  const note = s1 === 'default' ? DEFAULT_INPUT.note : undefined;
  if (!s2) return encode(first?.attr as Attr, first?.sh ?? NSH, note);
  if (fwb) return inexact('STE.S2FWB is 1 (stage 2 forced write-back, §13.1.6)');
  const second = fromMemAttr(s2.attrIndx);
  if (!second) return inexact(`the stage 2 MemAttr 0b${s2.attrIndx.toString(2).padStart(4, '0')} is reserved`);
  if (s2.sh === 0b01) return inexact('the stage 2 descriptor has the reserved SH encoding 0b01');
  if (!first) return encode(second, s2.sh, note);
  return encode(combine(first.attr as Attr, second), strongerSh(first.sh, s2.sh), note);
}
