/**
 * The structures the SMMU fetches from guest memory (§5), built by field: `ste SID …` where the
 * stream table says STE SID lives, `cd ADDR …`, `l1std INDEX …` and `l1cd ADDR …`. Each is
 * encoded from its table (core/structures/) and an ILLEGAL STE or CD gets a warning saying why.
 */
import type { ScriptDiagnostic } from '../../base/diagnostics';
import type { Engine } from '../../engine/engine';
import { currentStreamTable } from '../../engine/stream-table';
import type { LayoutDef } from '../../layout/types';
import { hex } from '../../registers/codec';
import { checkCd, CD as CD_LAYOUT, ignoredInWorld, oneTableWorlds } from '../../structures/cd';
import { encodeStructure } from '../../structures/encode';
import { decodeL1std, L1CD as L1CD_LAYOUT, L1STD as L1STD_LAYOUT } from '../../structures/l1';
import { checkSte, SECURE_STE, STE as STE_LAYOUT } from '../../structures/ste';
import type { ActionVerb } from '../ast';
import type { ResolvedAction } from '../resolved';
import { fieldValues, flag } from './args';
import { NON_SECURE, SECURE } from '../../engine/security';
import * as caps from '../../structures/capabilities';
import { resolveEngineStatement } from './resolve-args';
import {
  diag,
  type ActionOutcome,
  type EngineDef,
  type NamedArg,
  type PositionalArg,
  type StatementForm,
} from './types';

type StructureVerb = Extract<ActionVerb, 'ste' | 'cd' | 'l1std' | 'l1cd'>;

/** `ste SID secure …`: the Secure Stream table's STE. */
const STE_SECURE: NamedArg = {
  name: 'secure',
  kind: 'flag',
  doc: 'The STE of a Secure stream (SEC_SID = 1): written in the Secure Stream table (SMMU_S_STRTAB_BASE, SMMU_S_STRTAB_BASE_CFG) and checked by the Secure STE rules (§3.10.2.1, §5.2: STRW 0b01 is EL3, Config 0b11x needs SMMU_S_IDR1.SEL2, NSCFG applies, EATS is RES0). With SEL2 it also takes the Secure stage 2 fields (S_S2TTB, S_S2T0SZ, S_S2SL0, S_S2TG, S2SW, S2SA, S2NSW, S2NSA; §3.10.2.2). Needs SMMU_S_IDR1.SECURE_IMPL.',
};

/** `l1std INDEX secure …`: the Secure Stream table's L1STD. */
const L1STD_SECURE: NamedArg = {
  name: 'secure',
  kind: 'flag',
  doc: 'A descriptor of the Secure Stream table (SMMU_S_STRTAB_BASE), written in the Secure PA space, where the SMMU reads it (§3.10.2.1). Needs SMMU_S_IDR1.SECURE_IMPL.',
};

/** `cd ADDR secure …`, `l1cd ADDR secure …`: the structure in the Secure PA space. */
const PA_SECURE: NamedArg = {
  name: 'secure',
  kind: 'flag',
  doc: 'Written in the Secure PA space, where a Secure stream without Secure stage 2 reads its CDs and L1CDs (§3.10.2: they are Secure physical addresses; with Secure stage 2 they are Secure IPAs, so the space STE.S2SW / S2SA give). Without it, the Non-secure PA space. Needs SMMU_S_IDR1.SECURE_IMPL.',
};

const isSecureFlag = (name: string | undefined): boolean => name?.toLowerCase() === STE_SECURE.name;

/**
 * Where STE `sid` lives: from the Stream table the SMMU uses (the aligned base, the format and
 * SPLIT in effect, §6.3.24, §6.3.25), through the L1STD when 2-level (its L2Ptr aligned, §5.1).
 */
function steAddress(engine: Engine, sid: number, secure: boolean): number | string {
  const { base, twoLevel, split } = currentStreamTable(engine, secure ? SECURE : NON_SECURE);
  if (!twoLevel) return base + 64 * sid;
  const l1Index = Math.floor(sid / 2 ** split);
  const l1 = base + 8 * l1Index;
  const desc = new Uint32Array(2);
  // The Secure Stream table is in the Secure PA space (§3.10.2.1).
  engine.memory.space(!secure).readWords(l1, desc, 2);
  const { span, l2Ptr } = decodeL1std(desc);
  if (span === 0)
    return `the stream table is 2-level and L1STD ${l1Index} (at ${hex(BigInt(l1), 64)}) is invalid (Span 0): write it first with 'l1std'`;
  return l2Ptr + 64 * (sid % 2 ** split);
}

function writeStructure(engine: Engine, s: ResolvedAction, verb: StructureVerb, def: LayoutDef): ActionOutcome {
  const out: ScriptDiagnostic[] = [];
  const where = s.args[0];
  // `ste SID secure …`: the STE of the Secure Stream table (§3.10.2.1); not a field of the STE. The
  // other structures take `secure` for the Secure PA space (the L1STD also for the Secure table).
  const secure = flag(s, STE_SECURE.name);
  const rest = s.args
    .slice(1)
    .filter((a) => !(secure && a.name?.toLowerCase() === STE_SECURE.name && a.value === undefined));
  if (!where || where.value === undefined || where.name) {
    const what = verb === 'ste' ? 'a StreamID' : verb === 'l1std' ? 'an L1 index' : 'an address';
    return {
      diagnostics: [diag('error', `${verb}.where`, `expected ${what} after '${verb}'`, where?.range ?? s.keyword)],
    };
  }
  // A Secure STE also has the Secure stage 2 fields (S_S2TTB, S2SW, …; §5.2, ste-secure.ts).
  const layout = secure && verb === 'ste' ? SECURE_STE : def;
  const values = fieldValues(layout, rest, out, def.name);
  if (out.some((d) => d.severity === 'error')) return { diagnostics: out };
  let addr: number;
  const n = Number(where.value);
  if (secure && !caps.secureImpl(engine.ids))
    return {
      diagnostics: [
        diag(
          'error',
          `${verb}.secure`,
          verb === 'ste' || verb === 'l1std'
            ? "'secure' writes the Secure Stream table, which needs SMMU_S_IDR1.SECURE_IMPL == 1 (§3.10.2)"
            : "'secure' writes the Secure PA space, which needs SMMU_S_IDR1.SECURE_IMPL == 1 (§3.10)",
          s.range,
        ),
      ],
    };
  if (verb === 'ste') {
    const located = steAddress(engine, n, secure);
    if (typeof located === 'string') return { diagnostics: [diag('error', 'ste.where', located, where.range)] };
    addr = located;
  } else if (verb === 'l1std') {
    addr = currentStreamTable(engine, secure ? SECURE : NON_SECURE).base + 8 * n;
  } else addr = n;
  const align = def.bits / 8;
  if (addr % align !== 0)
    out.push(
      diag(
        'warning',
        `${verb}.unaligned`,
        `${def.name} at ${hex(BigInt(addr), 64)} is not ${align}-byte aligned`,
        where.range,
      ),
    );
  const enc = encodeStructure(layout, values);
  for (const p of enc.problems) out.push(diag('error', `${verb}.encode`, p, s.range));
  engine.memory.space(!secure).writeWords(addr - (addr % 4), enc.words);
  if (verb === 'ste' || verb === 'cd') {
    const v =
      verb === 'ste'
        ? checkSte(
            enc.words,
            engine.ids,
            secure
              ? {
                  oas: engine.oas,
                  secure: { sel2: caps.secureEl2(engine.ids) },
                  stallModel: caps.secureStallModel(engine.ids) ?? 0,
                }
              : { oas: engine.oas },
          )
        : checkCd(enc.words, engine.ids, { oas: engine.oas });
    // A CD is judged here as an NS-EL1 stream would use it; a stream of a one-table StreamWorld
    // (§5.4.1) ignores TTB1's fields and the ASID, so those reasons say which streams they hold for.
    const worlds = verb === 'cd' ? oneTableWorlds(engine.ids) : [];
    const ignored = worlds[0] ? ignoredInWorld(enc.words, engine.ids, worlds[0], { oas: engine.oas }) : () => false;
    for (const p of v.illegal)
      out.push(
        diag(
          'warning',
          `${verb}.illegal`,
          ignored(p)
            ? `${def.name} is ILLEGAL: ${p.message}; a transaction using it gets C_BAD_CD, but ${worlds.length > 1 ? `an ${worlds.slice(0, -1).join(', ')} or ${worlds.at(-1)}` : `an ${worlds[0]}`} stream ignores this field (§5.4.1)`
            : `${def.name} is ILLEGAL: ${p.message}; a transaction using it gets ${verb === 'ste' ? 'C_BAD_STE' : 'C_BAD_CD'}`,
          s.range,
          p.section,
        ),
      );
  }
  const space = secure && verb !== 'ste' && verb !== 'l1std' ? ' in the Secure PA space' : '';
  return {
    diagnostics: out,
    summary: `${secure && (verb === 'ste' || verb === 'l1std') ? 'Secure ' : ''}${def.name} written at ${hex(BigInt(addr), 64)}${space}`,
  };
}

/** A statement that writes structure `def` by field, at the place its first argument says. */
function structureStatement<V extends StructureVerb>(
  verb: V,
  def: LayoutDef,
  where: PositionalArg,
  fields: string,
  text: { summary: string; form: StatementForm; snippet: string; outline?: 'function' },
  named?: readonly NamedArg[],
): EngineDef<V> {
  return {
    syntax: 'engine',
    verb,
    keywords: [verb],
    family: 'structures',
    section: 'engine',
    label: def.name,
    expectation: 'none',
    ...(text.outline ? { outline: text.outline } : {}),
    summary: text.summary,
    forms: [text.form],
    args: {
      positional: [where],
      // `ste SID secure …` completes and hovers the Secure STE's fields too (ste-secure.ts).
      fields: { usage: fields, layout: (names) => (verb === 'ste' && names.some(isSecureFlag) ? SECURE_STE : def) },
      ...(named ? { named } : {}),
    },
    snippet: text.snippet,
    resolve: (r, s) => resolveEngineStatement(r, s),
    run: (engine, _state, s) => writeStructure(engine, s, verb, def),
  };
}

export const STE = structureStatement(
  'ste',
  STE_LAYOUT,
  { usage: 'SID', doc: 'The StreamID whose STE this is: it is written where the stream table puts it.' },
  'FIELDS…',
  {
    summary: 'Writes STE SID (§5.2) where the SMMU will look for it',
    form: {
      usage: 'ste SID [secure] FIELDS…',
      doc: 'Writes STE SID (§5.2) where the SMMU will look for it: the effective Stream table base (STRTAB_BASE aligned as §6.3.24 says) + 64 × SID, or through the L1STD of a 2-level table; with `secure`, in the Secure Stream table (SMMU_S_STRTAB_BASE, §3.10.2.1). Warns (`ste.illegal`) with the reason when the STE is ILLEGAL (for a Secure STE, by the Secure rules of §5.2).',
    },
    snippet: '${1:SID} V Config=${2:S1_TRANS}',
    outline: 'function',
  },
  [STE_SECURE],
);

export const CD = structureStatement(
  'cd',
  CD_LAYOUT,
  { usage: 'ADDR', doc: 'The guest physical address of the context descriptor.' },
  'FIELDS…',
  {
    summary: 'Writes a context descriptor (§5.4) at ADDR',
    form: {
      usage: 'cd ADDR [secure] FIELDS…',
      doc: 'Writes a context descriptor (§5.4) at ADDR, in the Non-secure PA space or with `secure` the Secure one; `cd.illegal` as for STEs.',
    },
    snippet: '${1:ADDR} V',
    outline: 'function',
  },
  [PA_SECURE],
);

export const L1STD = structureStatement(
  'l1std',
  L1STD_LAYOUT,
  { usage: 'INDEX', doc: 'The index of the descriptor in the level-1 stream table.' },
  'Span=N L2Ptr=ADDR',
  {
    summary: 'Writes L1 stream table descriptor INDEX (§5.1)',
    form: {
      usage: 'l1std INDEX [secure] Span=N L2Ptr=ADDR',
      doc: 'Writes L1 stream table descriptor INDEX (§5.1) at the effective Stream table base (aligned, §6.3.24) + 8 × INDEX; with `secure`, of the Secure Stream table (SMMU_S_STRTAB_BASE), in the Secure PA space (§3.10.2.1).',
    },
    snippet: '${1:INDEX} Span=${2:8} L2Ptr=${3:ADDR}',
  },
  [L1STD_SECURE],
);

export const L1CD = structureStatement(
  'l1cd',
  L1CD_LAYOUT,
  { usage: 'ADDR', doc: 'The guest physical address of the L1 CD descriptor.' },
  'V L2Ptr=ADDR',
  {
    summary: 'Writes an L1 CD descriptor (§5.3) at ADDR',
    form: {
      usage: 'l1cd ADDR [secure] V L2Ptr=ADDR',
      doc: 'Writes an L1 CD descriptor (§5.3) at ADDR, in the Non-secure PA space or with `secure` the Secure one.',
    },
    snippet: '${1:ADDR} V L2Ptr=${2:ADDR}',
  },
  [PA_SECURE],
);
