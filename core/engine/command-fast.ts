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
import { bits } from '../layout/access';
import type { LayoutField } from '../layout/types';
import { featureHolds, type IdView } from '../registers/codec';

export type FastCheck = (w: Uint32Array) => boolean;

function rangeMax(name: string, ids: IdView): number | undefined {
  const id = (r: string, f: string) => ids.idField(r, f) ?? 0;
  switch (name) {
    case 'StreamID':
      return 2 ** id('IDR1', 'SIDSIZE') - 1;
    case 'SubstreamID':
      return 2 ** id('IDR1', 'SSIDSIZE') - 1;
    case 'ASID':
      return id('IDR0', 'ASID16') ? 0xffff : 0xff;
    case 'VMID':
      return id('IDR0', 'VMID16') ? 0xffff : 0xff;
    default:
      return undefined;
  }
}

interface Check {
  readonly f: LayoutField;
  readonly max?: number;
  readonly allowed?: ReadonlySet<number>;
}

function compile(def: CommandDef, ids: IdView): FastCheck | undefined {
  if (def.requires && !def.requires.every((r) => featureHolds(r, ids))) return undefined;
  // Commands the codec rejects for reasons other than fields always take the slow path.
  if (def.secureOnly) return undefined;
  if ((def.name === 'CMD_RESUME' || def.name === 'CMD_STALL_TERM') && ids.idField('IDR0', 'STALL_MODEL') === 1) return undefined;
  const reserved = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
  const checks: Check[] = [];
  for (const f of def.fields) {
    if (f.requires && !featureHolds(f.requires, ids)) continue; // stays in the reserved mask
    for (let b = f.lsb; b <= f.msb; b++) reserved[b >>> 5] = ((reserved[b >>> 5] as number) & ~(1 << (b & 31))) >>> 0;
    if (f.name === 'Opcode') continue;
    // Addresses, and fields every value of which is legal (Leaf §4.3.1, Range §4.3.2).
    if (f.addrShift !== undefined || f.name === 'Leaf' || f.name === 'Range') continue;
    // TG takes part in the range-invalidation rules (§4.4.1.1), checked across fields by the codec.
    if (f.values && f.name !== 'TG') checks.push({ f, allowed: new Set(f.values.map((e) => e.value)) });
    else checks.push({ f, max: rangeMax(f.name, ids) ?? 0 });
  }
  const [r0, r1, r2, r3] = reserved as [number, number, number, number];
  return (w) => {
    if ((((w[0] as number) & r0) | ((w[1] as number) & r1) | ((w[2] as number) & r2) | ((w[3] as number) & r3)) !== 0) return false;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i] as Check;
      const x = bits(w, c.f.msb, c.f.lsb);
      if (c.allowed ? !c.allowed.has(x) : x > (c.max as number)) return false;
    }
    return true;
  };
}

/** Fast checks indexed by opcode; undefined = always use the codec. */
export function compileFastChecks(ids: IdView): (FastCheck | undefined)[] {
  // A dense array (no holes) keeps the per-command lookup fast.
  const out: (FastCheck | undefined)[] = new Array<FastCheck | undefined>(256).fill(undefined);
  for (const def of COMMANDS) {
    // Opcodes shared by two table entries (CFGI_STE_RANGE / CFGI_ALL) use the first one's layout.
    if (out[def.opcode]) continue;
    const c = compile(def, ids);
    if (c) out[def.opcode] = c;
  }
  return out;
}
