/**
 * A fast acceptance check per opcode, compiled from the command table for one configuration, so
 * the common case (a well-formed command) does not go through the full decoder. It accepts only
 * commands that the table-driven codec (core/commands/codec.ts) certainly accepts: reserved and
 * unadvertised bits clear, enumerated fields holding a listed value, StreamID/SubstreamID/ASID/
 * VMID within the configured sizes, address fields anything, and every other field zero.
 * Anything else goes to the codec, which decides and explains. A property test checks that the
 * fast check never accepts what the codec rejects.
 */
import { COMMANDS, type CommandDef } from '../commands/table';
import { featureHolds, type IdView } from '../registers/codec';
import * as caps from '../structures/capabilities';

function rangeMax(name: string, ids: IdView): number | undefined {
  switch (name) {
    case 'StreamID':
      return 2 ** caps.sidSize(ids) - 1;
    case 'SubstreamID':
      return 2 ** caps.ssidSize(ids) - 1;
    case 'ASID':
      return caps.asid16(ids) ? 0xffff : 0xff;
    case 'VMID':
      return caps.vmid16(ids) ? 0xffff : 0xff;
    default:
      return undefined;
  }
}

/**
 * The compiled checks as flat typed arrays indexed by opcode, read by one monomorphic loop
 * (a closure per opcode made the hot loop polymorphic). Every checked field of a command lies in
 * one 32-bit word, so a check is (word, shift, mask) and either a maximum or a bitmask of
 * allowed enumerated values.
 */
export class FastTable {
  /** Per opcode: 1 when the fast check applies. */
  private readonly usable = new Uint8Array(256);
  /** Per opcode: reserved-bit masks of the four words. */
  private readonly reserved = new Uint32Array(256 * 4);
  private readonly count = new Uint8Array(256);
  /** Per opcode, up to MAX_CHECKS checks of 5 numbers: word, shift, mask, max, allowed bitmask (0: use max). */
  private readonly checks = new Uint32Array(256 * MAX_CHECKS * 5);
  /**
   * Per opcode: bits of the four words that must also be clear for the codec to report nothing at
   * all about an accepted command, not even a warning (`isQuiet`).
   */
  private readonly loud = new Uint32Array(256 * 4);

  add(
    op: number,
    reserved: readonly number[],
    checks: readonly { word: number; shift: number; mask: number; max: number; allowed: number }[],
    loud: readonly number[] = [0, 0, 0, 0],
  ): void {
    if (checks.length > MAX_CHECKS) return;
    this.usable[op] = 1;
    for (let i = 0; i < 4; i++) this.reserved[op * 4 + i] = reserved[i] as number;
    for (let i = 0; i < 4; i++) this.loud[op * 4 + i] = loud[i] as number;
    this.count[op] = checks.length;
    checks.forEach((c, i) => this.checks.set([c.word, c.shift, c.mask, c.max, c.allowed], (op * MAX_CHECKS + i) * 5));
  }

  /** True when the codec certainly accepts the command in `w` (4 little-endian words). */
  accepts(w: ArrayLike<number>): boolean {
    return this.acceptsAt(w, 0);
  }

  /**
   * True when the codec certainly reports nothing about the command in `w` on the Non-secure
   * queue: it accepts it, and none of the legal values it warns about is there (CMD_SYNC's
   * Reserved MSH encoding, a VMID without stage 2, address bits above the version's PA size).
   * A `cmd` line then needs no decoding to be checked (a test compares with the codec).
   */
  isQuiet(w: ArrayLike<number>): boolean {
    if (!this.acceptsAt(w, 0)) return false;
    const r = ((w[0] as number) & 0xff) * 4;
    const loud = this.loud;
    return (
      (((w[0] as number) & (loud[r] as number)) |
        ((w[1] as number) & (loud[r + 1] as number)) |
        ((w[2] as number) & (loud[r + 2] as number)) |
        ((w[3] as number) & (loud[r + 3] as number))) ===
      0
    );
  }

  /** The same check on the command at word `at` of `p` (a page of guest memory): no copy. */
  acceptsAt(p: ArrayLike<number>, at: number): boolean {
    const op = (p[at] as number) & 0xff;
    if (this.usable[op] === 0) return false;
    const r = op * 4;
    const res = this.reserved;
    if (
      (((p[at] as number) & (res[r] as number)) |
        ((p[at + 1] as number) & (res[r + 1] as number)) |
        ((p[at + 2] as number) & (res[r + 2] as number)) |
        ((p[at + 3] as number) & (res[r + 3] as number))) !==
      0
    )
      return false;
    const n = this.count[op] as number;
    const c = this.checks;
    for (let i = 0; i < n; i++) {
      const k = (op * MAX_CHECKS + i) * 5;
      const x = (((p[at + (c[k] as number)] as number) >>> (c[k + 1] as number)) & (c[k + 2] as number)) >>> 0;
      const allowed = c[k + 4] as number;
      if (allowed !== 0 ? x > 31 || ((allowed >>> x) & 1) === 0 : x > (c[k + 3] as number)) return false;
    }
    return true;
  }
}

const MAX_CHECKS = 8;

function compile(def: CommandDef, ids: IdView, table: FastTable): void {
  if (def.requires && !def.requires.every((r) => featureHolds(r, ids))) return;
  // Commands the codec rejects for reasons other than fields always take the slow path.
  if (def.secureOnly) return;
  if ((def.name === 'CMD_RESUME' || def.name === 'CMD_STALL_TERM') && caps.stallModel(ids) === 1) return;
  const reserved = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
  const loud = [0, 0, 0, 0];
  const mark = (words: number[], from: number, to: number) => {
    for (let b = from; b <= to; b++) words[b >>> 5] = ((words[b >>> 5] as number) | (1 << (b & 31))) >>> 0;
  };
  const minor = caps.archMinorRev(ids);
  const checks: { word: number; shift: number; mask: number; max: number; allowed: number }[] = [];
  for (const f of def.fields) {
    if (f.requires && !featureHolds(f.requires, ids)) continue; // stays in the reserved mask
    for (let b = f.lsb; b <= f.msb; b++) reserved[b >>> 5] = ((reserved[b >>> 5] as number) & ~(1 << (b & 31))) >>> 0;
    if (f.name === 'Opcode') continue;
    // Legal values the codec warns about (codec.ts validate): the bits must be clear for `isQuiet`.
    // CMD_SYNC.MSH 0b01 is Reserved (§4.7.3); a VMID in CMD_TLBI_NH_* without stage 2 is RES0
    // (§4.4.2); address bits [55:48] (v3.0) or [55:52] (v3.1-v3.3) are RES0 (§4.1.6).
    if (def.name === 'CMD_SYNC' && f.name === 'MSH') mark(loud, f.lsb, f.msb);
    if (def.name.startsWith('CMD_TLBI_NH_') && f.name === 'VMID' && !caps.s2p(ids)) mark(loud, f.lsb, f.msb);
    if (
      minor < 4 &&
      f.addrShift !== undefined &&
      (f.name === 'MSIAddress' || (def.name === 'CMD_TLBI_S2_IPA' && f.name === 'Address'))
    ) {
      const top = minor === 0 ? 48 : 52;
      mark(loud, Math.max(f.lsb, f.lsb + top - f.addrShift), f.msb);
    }
    // Addresses, and fields every value of which is legal (Leaf §4.3.1, Range §4.3.2).
    if (f.addrShift !== undefined || f.name === 'Leaf' || f.name === 'Range') continue;
    if (f.lsb >>> 5 !== f.msb >>> 5) return; // not expressible: slow path for this opcode
    const width = f.msb - f.lsb + 1;
    const base = { word: f.lsb >>> 5, shift: f.lsb & 31, mask: width === 32 ? 0xffffffff : 2 ** width - 1 };
    // TG takes part in the range-invalidation rules (§4.4.1.1), checked across fields by the codec.
    if (f.values && f.name !== 'TG') {
      if (f.values.some((e) => e.value > 31)) return;
      // An enumeration that lists every value of the field needs no check (CMD_SYNC.MSH).
      if (width <= 5 && new Set(f.values.map((e) => e.value)).size === 2 ** width) continue;
      checks.push({ ...base, max: 0, allowed: f.values.reduce((m, e) => (m | (1 << e.value)) >>> 0, 0) || 1 });
      continue;
    }
    const max = rangeMax(f.name, ids) ?? 0;
    if (max === 0) {
      // Must be zero on the fast path: fold it into the reserved mask (one test for all of them).
      for (let b = f.lsb; b <= f.msb; b++) reserved[b >>> 5] = ((reserved[b >>> 5] as number) | (1 << (b & 31))) >>> 0;
      continue;
    }
    // A maximum covering the whole field (StreamID with SIDSIZE 32) needs no check.
    if (max >= base.mask) continue;
    checks.push({ ...base, max, allowed: 0 });
  }
  table.add(def.opcode, reserved, checks, loud);
}

/** Compiled per ID registers (a reset to another configuration changes them, Engine.reset). */
const compiled = new WeakMap<IdView, FastTable>();

/** The fast checks for a configuration's ID registers, compiled once. */
export function fastChecksFor(ids: IdView): FastTable {
  let f = compiled.get(ids);
  if (!f) compiled.set(ids, (f = compileFastChecks(ids)));
  return f;
}

/** The fast checks for a configuration. */
export function compileFastChecks(ids: IdView): FastTable {
  const table = new FastTable();
  const seen = new Set<number>();
  for (const def of COMMANDS) {
    // Opcodes shared by two table entries (CFGI_STE_RANGE / CFGI_ALL) use the first one's layout.
    if (seen.has(def.opcode)) continue;
    seen.add(def.opcode);
    compile(def, ids, table);
  }
  return table;
}
