/**
 * Guest physical memory: `mem readN ADDR [== VALUE]` and `mem writeN ADDR VALUE` (executed by the
 * interpreter's statement loop, as register accesses are), and `mem abort ADDR SIZE`, which makes
 * the SMMU's own accesses to a range take an external abort.
 */
import type { AccessSize } from '../../model/access';
import { hex } from '../../registers/codec';
import type { MemStatement } from '../ast';
import { mask, type Context, type Resolver } from '../resolver';
import { startLine, type ScriptDiagnostic } from '../../base/diagnostics';
import type { MemoryAccess } from '../resolved';
import { checkExpectation, type StepState } from '../run-state';
import { checkArgs } from './args';
import { resolveEngineStatement } from './resolve-args';
import { diag, type EngineDef, type MemoryDef } from './types';

function resolveMemory(r: Resolver, s: MemStatement): void {
  r.sawAccess = true;
  const start = r.errors;
  const plain: Context = { kind: 'plain', bits: s.bits, why: 'guest memory has no fields' };
  const address = r.value(s.address, { kind: 'plain', bits: 64, why: 'an address is a number' });
  const value = s.value ? r.value(s.value, plain) : undefined;
  if (s.expect?.abort) {
    r.error(
      'expect.abort-memory',
      `guest memory does not abort the driver's accesses in the model: '${s.expect.op} abort' is for readN/writeN of the SMMU's registers ('mem abort ADDR SIZE' makes the SMMU's own accesses abort)`,
      s.expect.range,
    );
    return;
  }
  const expect = s.expect ? r.value(s.expect.value, plain) : undefined;
  if (r.errors !== start || address === undefined) return;
  r.statements.push({
    kind: 'mem',
    op: s.op,
    address,
    size: (s.bits / 8) as AccessSize,
    ...(value !== undefined ? { value, valueRange: s.value?.range } : {}),
    ...(s.expect && expect !== undefined
      ? { expect: { op: s.expect.op, value: expect, mask: mask(s.bits), shift: 0, range: s.expect.range } }
      : {}),
    range: s.range,
    targetRange: s.address.range,
    ...(s.security?.word === 'secure' ? { secure: true } : {}),
  });
}

/** Execute a resolved `mem` load or store on guest memory, with its expectation (the interpreter's loop calls it). */
function executeMem(st: StepState, s: MemoryAccess): void {
  const { engine, diagnostics, observations, counts } = st;
  // `secure`: the Secure PA space (§3.10), made on first use.
  const mem = s.secure ? engine.memory.secureSpace() : engine.memory;
  if (s.op === 'write') mem.write(s.address, s.size, s.value ?? 0n);
  const value = s.op === 'read' ? mem.read(s.address, s.size) : (s.value ?? 0n);
  observations.push({ line: startLine(s.range), kind: s.op, value, ok: true });
  counts[s.op === 'read' ? 'reads' : 'writes']++;
  if (s.op === 'read' && s.expect) {
    counts.expectationsRun++;
    const msg = checkExpectation(s.expect, value, undefined, 0, `memory at ${hex(s.address, 64)}`, engine.smmu);
    if (msg) {
      st.failed++;
      diagnostics.push({ severity: 'error', code: 'expect.failed', message: msg, range: s.expect.range });
    } else counts.expectationsMet++;
  }
}

export const MEM: MemoryDef = {
  syntax: 'memory',
  keywords: ['mem'],
  family: 'memory',
  section: 'language',
  summary: 'A load or store of guest physical memory',
  forms: [
    {
      usage: ['mem readN ADDR [secure|ns] [== VALUE]', 'mem writeN ADDR VALUE [secure|ns]'],
      doc: 'A load or store of guest physical memory (queues, tables); N = 8, 16, 32, 64. `secure` accesses the Secure PA space, a separate memory where the SMMU reads the Secure Stream table and queues and the Secure structures and tables (§3.10); `ns` or nothing, the Non-secure PA space.',
    },
  ],
  resolve: resolveMemory,
  execute: executeMem,
};

export const MEM_ABORT: EngineDef<'abort'> = {
  syntax: 'engine',
  verb: 'abort',
  keywords: ['mem abort'],
  family: 'memory',
  section: 'engine',
  label: 'mem abort',
  expectation: 'none',
  summary: 'SMMU accesses to a range of guest memory take an external abort',
  forms: [
    {
      doc: 'SMMU accesses to the range take an external abort: command fetch (CERROR_ABT), STE/CD fetch (F_STE_FETCH, F_CD_FETCH), table walks (F_WALK_EABT), event writes (GERROR.EVENTQ_ABT_ERR), MSIs. So do the data accesses of a DMA payload there: the transfer stops at that transaction, without an event (the SMMU translated it; memory refused it).',
    },
  ],
  args: {
    positional: [
      { usage: 'ADDR', doc: 'The first guest physical address of the range.' },
      { usage: 'SIZE', doc: 'The size of the range in bytes.' },
    ],
  },
  snippet: '${1:ADDR} ${2:SIZE}',
  resolve: (r, s) => resolveEngineStatement(r, s),
  run(engine, _state, s) {
    const bad: ScriptDiagnostic[] = [];
    checkArgs(MEM_ABORT, s, bad);
    if (bad.length) return { diagnostics: bad };
    const [start, size] = s.args;
    if (start?.value === undefined || size?.value === undefined || start.name || size.name)
      return { diagnostics: [diag('error', 'mem.abort', `expected 'mem abort ADDRESS SIZE'`, s.range)] };
    engine.memory.addAbortRange(Number(start.value), Number(start.value + size.value));
    return {
      diagnostics: [],
      summary: `SMMU accesses to ${hex(start.value, 64)}..${hex(start.value + size.value - 1n, 64)} take an external abort`,
    };
  },
};
