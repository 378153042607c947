/**
 * `readN REG [== VALUE]` and `writeN REG VALUE`: guest MMIO accesses to the SMMU (§6.2). They
 * resolve and execute here (executeAccess); the interpreter's statement loop calls them in line order.
 */
import { CHOICE_VALUES } from '../../config/load';
import type { ResolvedConfig } from '../../config/types';
import type { AccessSize, Finding } from '../../model/access';
import { registerOffset } from '../../registers/placement';
import { fieldMask, findField } from '../../registers/table';
import type { AccessBits, AccessSecurityWord, RegisterStatement } from '../ast';
import type { AbortExpectation, RegisterAccess, ResolvedExpectation } from '../resolved';
import { checkExpectation, findingToDiagnostic, type StepState } from '../run-state';
import { startLine } from '../../base/diagnostics';
import type { Activity } from '../../engine/activity';
import { hex } from '../../registers/codec';
import type { RegisterName } from '../../registers/types';
import { fieldWidth, mask, offsetText, type Context, type Resolver } from '../resolver';
import type { AccessDef } from './types';

/** The access sizes of `readN`/`writeN` and `mem readN`/`mem writeN`, in bits. */
export const ACCESS_BITS: readonly AccessBits[] = [8, 16, 32, 64];
/** `read8` … `read64`, `write8` … `write64`. */
export const ACCESS_KEYWORDS: readonly string[] = ACCESS_BITS.flatMap((b) => [`read${b}`, `write${b}`]);

function resolveAccess(r: Resolver, s: RegisterStatement): void {
  r.sawAccess = true;
  const start = r.errors;
  const t = r.target(s);
  if (!t) return r.explainNames(s);
  const { offset, reg, byte, field } = t;
  const ctx: Context = reg
    ? { kind: 'register', bits: s.bits, reg, byte, access: s }
    : { kind: 'plain', bits: s.bits, why: `there is no register at ${offsetText(offset)}` };
  const value = s.value ? r.value(s.value, ctx) : undefined;
  let expect: ResolvedExpectation | undefined;
  let abort: AbortExpectation | undefined;
  if (s.expect?.abort) {
    abort = { op: s.expect.op, range: s.expect.range };
    if (s.target.field)
      r.error(
        'expect.abort-field',
        `'${s.expect.op} abort' is about the whole access, not a field: leave out '.${s.target.field.name}'`,
        s.target.field.range,
      );
    // `abort` here is the keyword; a field or constant spelled ABORT is not what it compares.
    const field = reg ? findField(reg, 'abort') : undefined;
    if (field && reg)
      r.report(
        'warning',
        'name.ambiguous',
        `'abort' after '${s.expect.op}' expects the access to take an external abort; to compare the field SMMU_${reg.name}.${field.name}, write ${s.op}${s.bits} ${reg.name}.${field.name} ${s.expect.op} 1`,
        s.expect.value.range,
      );
    else if (r.consts.has('ABORT'))
      r.report(
        'warning',
        'name.ambiguous',
        `'abort' after '${s.expect.op}' expects the access to take an external abort, not the constant ABORT; compare with (ABORT) for the constant`,
        s.expect.value.range,
      );
  } else if (s.expect) {
    if (field && reg) {
      const v = r.value(s.expect.value, { kind: 'field', bits: fieldWidth(field), reg, field });
      const lo = 8 * byte;
      if (v !== undefined)
        expect = {
          op: s.expect.op,
          value: v,
          mask: fieldMask(field) >> BigInt(lo),
          shift: field.lsb - lo,
          field,
          range: s.expect.range,
        };
    } else {
      const v = r.value(s.expect.value, ctx);
      if (v !== undefined) expect = { op: s.expect.op, value: v, mask: mask(s.bits), shift: 0, range: s.expect.range };
    }
  }
  if (r.errors !== start) return;
  r.statements.push({
    kind: 'access',
    op: s.op,
    offset,
    size: (s.bits / 8) as AccessSize,
    ...(reg ? { register: reg } : {}),
    byte,
    ...(value !== undefined ? { value, valueRange: s.value?.range } : {}),
    ...(expect ? { expect } : {}),
    ...(abort ? { abort } : {}),
    ...(s.security
      ? { security: s.security.word === 'secure' ? 'secure' : 'non-secure', securityRange: s.security.range }
      : {}),
    range: s.range,
    targetRange: s.target.range,
  });
}

/** What an access did, as the abort expectation needs it. */
export interface AccessOutcome {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

/**
 * Why an access's abort expectation does not hold, or undefined when it does. The message names
 * the configuration choice that decided the access (§6.2's CONSTRAINED UNPREDICTABLE cases) and
 * the value of it that would make the expectation hold, or says that no choice makes it abort.
 */
export function abortExpectationFailure(
  expect: AbortExpectation,
  s: RegisterAccess,
  r: AccessOutcome,
  config: ResolvedConfig,
): string | undefined {
  const aborted = !r.ok;
  if ((expect.op === '==') === aborted) return undefined;
  const where = s.register
    ? `SMMU_${s.register.name}${s.byte ? `+${s.byte}` : ''} (${offsetText(s.offset)})`
    : offsetText(s.offset);
  const what = `the ${s.size * 8}-bit ${s.op} at ${where}`;
  const decided = r.findings.find((f) => f.choice !== undefined);
  const key = decided?.choice;
  if (aborted) {
    const other = key ? CHOICE_VALUES[key].find((v) => v !== 'abort') : undefined;
    return key && other
      ? `${what} took an external abort: it is illegal (§6.2) and this configuration's choices.${key} is "abort"; "${other}" makes it ${other === 'raz-wi' ? 'RAZ/WI' : other}`
      : `${what} took an external abort`;
  }
  if (key && CHOICE_VALUES[key].includes('abort')) {
    return `${what} did not abort: it is illegal (§6.2), and this configuration's choices.${key} is "${config.choices[key]}"; "choices": { "${key}": "abort" } in the configuration makes it abort`;
  }
  const none = `${what} did not abort, and no configuration choice makes it abort`;
  if (key === 'page0AliasOfPage1')
    return `${none}: the page-0 offset of a page-1 register aliases the register or is RAZ/WI (§6.2.1; choices.page0AliasOfPage1 is "${config.choices[key]}")`;
  if (key === 'page1Undefined')
    return `${none}: an undefined page-1 location is RES0 or an alias of page 0 (§6.2; choices.page1Undefined is "${config.choices[key]}")`;
  const codes = new Set(r.findings.map((f) => f.code));
  if (codes.has('offset.beyond-pages'))
    return `${none}: the model reads offsets beyond page 0, page 1 and the pages the configuration advertises (VATOS, Command queue control pages) as zero and ignores writes there (§6.1)`;
  if (codes.has('offset.undefined') || codes.has('register.unimplemented'))
    return `${none}: an undefined page-0 location is RES0 (§6.2)`;
  return `${none}: it is a legal access${s.register ? ` to SMMU_${s.register.name}` : ''}, which must work (§6.2)`;
}

/**
 * Execute a resolved access on the model (§6.2): the load or store, the model's findings at the
 * target or value, the observation, and the expectation or `== abort`. The interpreter's loop
 * calls it for every access; `before` is where the engine's activity stood before it.
 */
function executeAccess(st: StepState, s: RegisterAccess, before: number): void {
  const { engine, diagnostics, observations, counts, lastWrite } = st;
  const reg = s.register;
  const byte = s.byte;
  const aborts = s.abort;
  // A VATOS page register is where this configuration's SMMU_IDR2.BA_VATOS puts it (§6.3.3).
  const offset = reg?.page ? registerOffset(reg, engine.ids) + byte : s.offset;
  const r =
    s.op === 'read'
      ? engine.smmu.read(offset, s.size, s.security)
      : engine.smmu.write(offset, s.size, s.value ?? 0n, s.security);
  for (let k = 0; k < r.findings.length; k++) {
    const f = r.findings[k] as Finding;
    if (f.severity === 'info' && f.code === 'gerrorn.ack') continue;
    const range = f.code.startsWith('write.') && s.valueRange ? s.valueRange : s.targetRange;
    // A guarded write points at the line that set the guard (§6.2 Guarded).
    const related = (f.guards ?? []).flatMap((g) => {
      const at = lastWrite.get(g.register);
      return at ? [{ message: `SMMU_${g.register}.${g.field} was set here`, range: at }] : [];
    });
    // An access with an abort expectation is illegal on purpose: what the configuration chose
    // for it is what the expectation checks, so the rule is a note, not the script's error.
    diagnostics.push(
      findingToDiagnostic(
        aborts && f.choice !== undefined && f.severity !== 'info' ? { ...f, severity: 'info' } : f,
        range,
        related,
      ),
    );
  }
  if (s.op === 'write' && reg && r.ok) lastWrite.set(reg.name, s.range);
  const value = s.op === 'read' ? r.value : (s.value ?? 0n);
  const act = engine.activity.length > before ? engine.activity.slice(before) : undefined;
  const obs: {
    line: number;
    kind: 'read' | 'write';
    register: RegisterName | undefined;
    value: bigint;
    ok: boolean;
    activity?: readonly Activity[];
  } = { line: startLine(s.range), kind: s.op, register: reg?.name, value, ok: r.ok };
  if (act) obs.activity = act;
  observations.push(obs);
  counts[s.op === 'read' ? 'reads' : 'writes']++;
  if (aborts) {
    counts.expectationsRun++;
    const msg = abortExpectationFailure(aborts, s, r, engine.smmu.config);
    if (msg) {
      st.failed++;
      diagnostics.push({
        severity: 'error',
        code: 'expect.failed',
        message: msg,
        range: aborts.range,
        section: '6.2',
      });
    } else counts.expectationsMet++;
  } else if (!r.ok) {
    diagnostics.push({
      severity: 'error',
      code: 'access.abort',
      message: 'the access was terminated with an abort: the guest takes an external abort',
      range: s.targetRange,
      section: '6.2',
    });
  }
  // An aborted read returned no data: its expectation ran and is not met (the abort is the error).
  if (s.op === 'read' && s.expect) counts.expectationsRun++;
  if (s.op === 'read' && s.expect && r.ok) {
    const what = reg ? `SMMU_${reg.name}${byte ? ` [63:32]` : ''}` : hex(BigInt(s.offset));
    const msg = checkExpectation(s.expect, r.value, reg, byte, what, engine.smmu);
    if (msg) {
      st.failed++;
      diagnostics.push({ severity: 'error', code: 'expect.failed', message: msg, range: s.expect.range });
    } else counts.expectationsMet++;
  }
}

/** What `secure` and `ns` after an access mean (§3.10.2), for completion and hovers. */
export const ACCESS_SECURITY_DOCS: Readonly<Record<AccessSecurityWord, string>> = {
  secure:
    'The access is made from the Secure state (§3.10.2): it reaches the SMMU_S_* registers (§6.3.52–§6.3.82) and the Non-secure ones.',
  ns: 'The access is made from the Non-secure state (§3.10.2): an SMMU_S_* register is RAZ/WI to it (each register\'s "Accessing" rule), so it reads zero and its write is ignored.',
};

export const ACCESS: AccessDef = {
  syntax: 'register',
  keywords: ACCESS_KEYWORDS,
  hint: ['read32', 'write32', 'read64', 'write64'],
  family: 'access',
  section: 'language',
  summary: 'A guest MMIO load or store of N bits (N = 8, 16, 32, 64) at the SMMU',
  forms: [
    { usage: 'readN REG', doc: 'A guest MMIO load of N bits (N = 8, 16, 32, 64) from the SMMU.' },
    {
      usage: ['readN REG == VALUE', 'readN REG != VALUE'],
      doc: 'The same load, with an [expectation](#expectations) on the value returned.',
    },
    { usage: 'readN REG.FIELD == VALUE', doc: 'The same load; the expectation compares one field.' },
    { usage: 'writeN REG VALUE', doc: 'A guest MMIO store of N bits.' },
    {
      usage: ['readN REG secure', 'readN REG ns', 'writeN REG VALUE secure', 'writeN REG VALUE ns'],
      doc: 'The access made from the Secure (`secure`) or Non-secure (`ns`) state (§3.10.2); the word comes before any `==`. Without one, an access has the state of the register it addresses: Secure for an SMMU_S_* register, Non-secure otherwise. A Non-secure access to an SMMU_S_* register is RAZ/WI (each register\'s §6.3.52–§6.3.82 "Accessing" rule): it reads zero and its write is ignored.',
    },
    {
      usage: ['readN REG == abort', 'writeN REG VALUE == abort', 'readN REG != abort', 'writeN REG VALUE != abort'],
      doc: 'The access must (`==`) or must not (`!=`) take an external abort: an [expected abort](#expected-aborts). Any size and offset, also where §6.2 makes the access illegal.',
    },
  ],
  resolve: resolveAccess,
  execute: executeAccess,
};
