/**
 * Every command of the table executes: it has an entry in the executor's record (command-exec.ts)
 * and, when run, reports what it did, or reports that the model does not carry it out. A legal
 * command never completes in silence (issue 22: "a command without a case must not silently
 * succeed").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CERROR, encodeCommand } from '../../../core/commands/codec';
import { COMMANDS } from '../../../core/commands/table';
import { EXECUTION, executeCommand } from '../../../core/engine/command-exec';
import { Engine } from '../../../core/engine/engine';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, IDR0_PRI_ATS_VMW, QEMU_IDS } from '../../harness/helpers';

test('the executor has exactly one entry per command name of the table', () => {
  const names = [...new Set(COMMANDS.map((c) => c.name))].sort();
  assert.deepEqual(Object.keys(EXECUTION).sort(), names);
  for (const [name, how] of Object.entries(EXECUTION)) {
    // A not-modelled entry documents why, in words a user reads.
    if (typeof how !== 'function') assert.match(how.notModelled, /\w{3,}/, `${name} says why it is not modelled`);
  }
});

test('every command, executed, records an effect or says it is not modelled; none completes in silence', () => {
  for (const def of COMMANDS) {
    const engine = new Engine(config());
    const before = engine.activity.length;
    const { words } = encodeCommand(def, new Map());
    const r = executeCommand(engine, def, Uint32Array.from(words), 0, 0x40100000);
    assert.equal(r, CERROR.NONE, `${def.name} completes`);
    const logged = engine.activity.slice(before).filter((a) => a.kind === 'command');
    assert.equal(logged.length, 1, `${def.name} is recorded once as consumed`);
    const text = logged[0]?.text ?? '';
    assert.match(text, new RegExp(`^CMDQ\\[0\\] ${def.name}\\b.*: \\S`), `${def.name} says what it did: ${text}`);
    if (typeof EXECUTION[def.name] !== 'function') {
      assert.equal(logged[0]?.severity, 'warning', `${def.name} warns that it is not modelled`);
      assert.equal(logged[0]?.code, 'cmdq.not-modelled');
      assert.match(text, /not modelled/);
    } else assert.equal(logged[0]?.severity, undefined, `${def.name} is modelled: no warning`);
  }
});

/**
 * `command` queued and consumed by a script on an SMMU with `ids`, then a CMD_SYNC: the script
 * resolves without errors, both commands are consumed and no command error is raised. Returns the
 * run's diagnostics as "line: severity code", and the first one's message.
 */
function runOneCommand(command: string, ids: Parameters<typeof config>[0]): { seen: string[]; message: string } {
  const text = `
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write32 CMDQ_PROD 0
write32 CMDQ_CONS 0
write32 CR0 CMDQEN
read32 CR0ACK == CMDQEN
cmd ${command}
cmd SYNC
doorbell
read32 CMDQ_CONS == 2
read32 GERROR == 0
`;
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  const { diagnostics } = run(resolved.statements, new Engine(config(ids)));
  return {
    seen: diagnostics.map((d) => `${d.range.start.line}: ${d.severity} ${d.code}`),
    message: diagnostics[0]?.message ?? '',
  };
}

/** IDR3.DPT (§6.3.4), which needs ATS (IDR0.ATS, §6.3.1). */
const WITH_DPT = { IDR0: IDR0_PRI_ATS_VMW, IDR3: QEMU_IDS.IDR3 | (1 << 15) };

test('§4.6.1 CMD_DPTI_ALL in a script completes and warns that no DPT information is cached', () => {
  const r = runOneCommand('DPTI_ALL', WITH_DPT);
  assert.deepEqual(r.seen, ['8: warning cmdq.not-modelled']); // at the doorbell, where it runs
  assert.match(r.message, /CMD_DPTI_ALL.*keeps no DPT TLB \(SMMUv3\.3 DPT, §3\.24\.2/);
});

test('§4.6.2 CMD_DPTI_PA in a script on an SMMU with SMMU_IDR3.DPT is consumed, not CERROR_ILL, and warns that no DPT information is cached', () => {
  const r = runOneCommand('DPTI_PA', WITH_DPT);
  assert.deepEqual(r.seen, ['8: warning cmdq.not-modelled']);
  assert.match(r.message, /CMD_DPTI_PA.*no cached DPT information to remove/);
});

test('§4.3.5 CMD_CFGI_VMS_PIDM in a script completes without a warning: it invalidates the PARTID_MAP cache (core/engine/mpam.ts)', () => {
  // IDR3.MPAM (§6.3.4), both stages and a PARTID_MAX: the VMS is supported (§5.6.1), so the command is legal.
  const r = runOneCommand('CFGI_VMS_PIDM VMID=3', {
    IDR0: IDR0_PRI_ATS_VMW,
    IDR3: QEMU_IDS.IDR3 | (1 << 7),
    MPAMIDR: 0x3f,
  });
  assert.deepEqual(r.seen, []);
});
