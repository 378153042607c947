/**
 * `reset` and a `config` line directly after it: parsed, resolved (the configuration loaded then,
 * its problems on its line), run (the SMMU at its reset state, guest memory kept, another
 * configuration from then on), formatted, and seen the same by every check (checkScript,
 * modelAtLine, the one-pass check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkScript, checkScriptStreamed } from '../../../core/script/check';
import { modelAtLine } from '../../../core/script/model-at-line';
import { formatScript } from '../../../core/script/format';
import { parseScript } from '../../../core/script/parser';
import { analyzeScript } from '../../../core/script/resolve';
import { getRegister } from '../../../core/registers/table';
import { memoryHost, presetFile, r } from '../../harness/script-helpers';

/** An in-memory folder /w with two presets and a broken configuration. */
const host = memoryHost({
  '/w/qemu.smmu.json': presetFile('qemu'),
  '/w/full.smmu.json': presetFile('smmuv3.2-full'),
  '/w/bad.smmu.json': '{ "name": ',
  '/w/small.smmu.json': '{ "name": "small queues", "base": "qemu", "features": { "cmdqSize": 4 } }',
});
const check = (text: string) => checkScript(text, '/w/s.smmu', host, 'full');
const problems = (text: string) =>
  check(text)
    .diagnostics.filter((d) => d.severity !== 'info')
    .map((d) => `${d.range.start.line + 1} ${d.code}: ${d.message}`);

test('reset parses as an engine statement without arguments; it is no longer reserved', () => {
  const p = parseScript('reset\nreset   # again');
  assert.deepEqual(p.diagnostics, []);
  assert.deepEqual(
    p.statements.map((s) => [s.kind, s.kind === 'action' ? s.verb : '', s.range]),
    [
      ['action', 'reset', r(0, 0, 5)],
      ['action', 'reset', r(1, 0, 5)],
    ],
  );
  assert.equal(
    parseScript('reset == 1').diagnostics[0]?.message,
    "'reset' takes no expectation: nothing it does is compared with '=='; check its effect with a read (read32 REG == VALUE), poll or expect",
  );
  const res = analyzeScript('reset 1');
  assert.deepEqual(
    res.diagnostics.map((d) => [d.code, d.message, d.range]),
    [['reset.arg', `'reset' takes no arguments: a configuration goes on the next line, config "FILE"`, r(0, 6, 7)]],
  );
  assert.deepEqual(res.statements, []);
});

test('a config line directly after reset (comments between) is a reset to that configuration, loaded when resolved', () => {
  const c = check(
    'config "qemu.smmu.json"\nwrite32 CR0 CMDQEN\nreset\n# the next configuration\n\nconfig "full.smmu.json"\nread32 IDR0',
  );
  assert.deepEqual(
    c.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  assert.equal(
    c.config.name,
    'QEMU 11.1 virt SMMUv3 (-M virt,iommu=smmuv3)',
    'the script starts with its first configuration',
  );
  const resets = c.resolved.statements.filter((s) => s.kind === 'action' && s.verb === 'reset');
  assert.equal(resets.length, 2);
  const second = resets[1];
  assert.ok(second?.kind === 'action');
  assert.deepEqual(second.range, r(5, 0, 23));
  assert.equal(second.config?.path, '/w/full.smmu.json');
  assert.equal(second.config?.config.name, 'SMMUv3.2 full-featured');
  const obs = c.run?.observations.map((o) => [o.line, o.summary ?? o.value]);
  assert.deepEqual(obs, [
    [1, 8n],
    [2, 'SMMU reset: registers at their reset values, caches empty'],
    [5, 'SMMU out of reset as SMMUv3.2 full-featured (full.smmu.json)'],
    [6, 0x081ff7bfn],
  ]);
});

test('a config line anywhere else after an access is an error that mentions reset; one that cannot be used stops the model on its line', () => {
  assert.deepEqual(problems('write32 CR0 0\nconfig "full.smmu.json"'), [
    '2 config.late: config must come before the first access, or directly after a reset: move it to the top of the script',
  ]);
  assert.deepEqual(problems('config "qemu.smmu.json"\nreset\nread32 CR0\nconfig "full.smmu.json"'), [
    '4 config.duplicate: a script starts with one configuration: remove this line or the first one (to change it, put a config line directly after a reset)',
  ]);
  assert.deepEqual(problems('reset\nconfig "full.smmu.json"\nconfig "qemu.smmu.json"'), [
    '3 config.late: config must come before the first access, or directly after a reset: move it to the top of the script',
  ]);
  assert.deepEqual(problems('read32 CR0\nreset\nconfig "nope.smmu.json"\nread32 IDR0 == 0'), [
    '3 reset.config-missing: cannot read configuration /w/nope.smmu.json',
  ]);
  const bad = check('reset\nconfig "bad.smmu.json"\nread32 IDR0');
  assert.deepEqual(
    bad.diagnostics.map((d) => d.code),
    ['reset.config-invalid', 'run.stopped'],
  );
  // The script's own configuration is usable: the model ran up to the line.
  assert.deepEqual(
    bad.run?.observations.map((o) => o.line),
    [0],
  );
  assert.deepEqual(problems('reset\nconfig ""'), ['2 config.empty: the configuration file name is empty']);
  // Without a file system (a line resolved alone) the configuration cannot be loaded.
  assert.deepEqual(
    analyzeScript('reset\nconfig "x.json"').diagnostics.map((d) => d.code),
    ['config.unsupported'],
  );
});

test('§3.11 reset: registers at their reset values, caches empty, guest memory kept; the script forgets its producer index and what was signalled before', () => {
  const text = `config "qemu.smmu.json"
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 IRQ_CTRL EVENTQ_IRQEN
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
ste 1 V Config=BYPASS
dma read sid=1 iova=0x1234 == 0x1234
dma read sid=3 iova=0 == C_BAD_STE
cmd raw 0xFF 0
doorbell
mem write64 0x70000000 0x1122334455667788
reset
read32 CR0 == 0
read32 CR0ACK == 0
read32 IRQ_CTRLACK == 0
read32 GERROR == 0
read32 CMDQ_CONS == 0
read32 EVENTQ_PROD == 0
read32 STRTAB_BASE_CFG == 0
read32 GBPA == 0x1000
mem read64 0x70000000 == 0x1122334455667788
mem read32 0x40000040 != 0
expect no event
expect no irq
write64 STRTAB_BASE 0x40000000
write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3
write32 CR0 SMMUEN|CMDQEN|EVENTQEN
ste 1 V Config=ABORT
dma read sid=1 iova=0x1234 == abort
cmd CFGI_ALL
doorbell
read32 CMDQ_CONS == 1
`;
  const c = check(text);
  assert.deepEqual(
    c.diagnostics
      .filter((d) => d.severity === 'error' && !d.code.startsWith('cmdq') && !d.code.startsWith('gerror'))
      .map((d) => `${d.range.start.line + 1} ${d.code}: ${d.message}`),
    [],
  );
  // Without the reset the cached STE (bypass) would still be used, with a stale.ste warning.
  assert.ok(!c.diagnostics.some((d) => d.code === 'stale.ste'));
  // The reset emptied the TLB and configuration cache; the model then cached the new STE.
  const m = modelAtLine(c, 13);
  assert.equal(m.engine.configCache.size, 0);
  assert.equal(m.engine.tlb.size, 0);
  assert.equal(m.engine.smmu.peek('CR0'), 0n);
});

test('a config line after reset gives the SMMU that configuration: ID registers, what they enable, and modelAtLine on either side', () => {
  const text =
    'config "qemu.smmu.json"\nread32 IDR0.MSI == 0\nwrite64 GERROR_IRQ_CFG0 0x1000\nreset\nconfig "full.smmu.json"\nread32 IDR0.MSI == 1\nwrite64 GERROR_IRQ_CFG0 0x1000\nread64 GERROR_IRQ_CFG0 == 0x1000\n';
  const c = check(text);
  // Without IDR0.MSI the first write stores nothing (§6.3.21), with it the second stores the address.
  assert.deepEqual(
    c.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.range.start.line + 1} ${d.code}`),
    ['3 write.unadvertised'],
  );
  const before = modelAtLine(c, 3);
  const after = modelAtLine(c, 4);
  assert.equal(before.engine.config.name, 'QEMU 11.1 virt SMMUv3 (-M virt,iommu=smmuv3)');
  assert.equal(after.engine.config.name, 'SMMUv3.2 full-featured');
  assert.equal(after.engine.smmu.peek('IDR0'), 0x081ff7bfn);
  assert.equal(after.engine.ids, after.engine.smmu.ids);
  // The queue sizes in use follow the new IDR1 (the geometry is computed again).
  const cmdqBase = getRegister('CMDQ_BASE').offset;
  after.engine.smmu.write(cmdqBase, 8, 0x40100000n | 19n);
  assert.equal(after.engine.geometry('CMDQ').log2, 19);
  before.engine.smmu.write(cmdqBase, 8, 0x40100000n | 19n);
  assert.equal(before.engine.geometry('CMDQ').log2, 19, 'QEMU advertises CMDQS 19 too');
});

test('after a reset to another configuration the engine computes again what it derived from the ID registers: queue sizes, which commands are legal', () => {
  // QEMU's CMDQS is 19, the small configuration's 4 (§6.3.26: LOG2SIZE is capped at IDR1.CMDQS).
  const sizes = check(
    'config "qemu.smmu.json"\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=8\ncmd CFGI_ALL\nreset\nconfig "small.smmu.json"\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=8\ncmd CFGI_ALL\n',
  );
  assert.equal(modelAtLine(sizes, 2).engine.geometry('CMDQ').log2, 8);
  assert.equal(modelAtLine(sizes, 6).engine.geometry('CMDQ').log2, 4);
  // Stage 2 commands are legal with the full configuration's S2P, CERROR_ILL with QEMU's (§4.1, §7.1).
  const legal = check(
    'config "full.smmu.json"\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=4\nwrite32 CR0 CMDQEN\ncmd TLBI_S12_VMALL vmid=1\ndoorbell\nread32 CMDQ_CONS == 1\nreset\nconfig "qemu.smmu.json"\nwrite64 CMDQ_BASE 0x40100000 | LOG2SIZE=4\nwrite32 CR0 CMDQEN\ncmd TLBI_S12_VMALL vmid=1\ndoorbell\nread32 CMDQ_CONS.ERR == CERROR_ILL\n',
  );
  assert.deepEqual(
    legal.diagnostics
      .filter((d) => d.code === 'expect.failed' || d.code === 'cmdq.cerror-ill')
      .map((d) => `${d.range.start.line + 1} ${d.code}`),
    ['12 cmdq.cerror-ill'],
  );
});

test('the one-pass check and checkScript agree on scripts with resets, across slices', async () => {
  const body = Array.from({ length: 300 }, (_, i) =>
    i % 100 === 50
      ? 'reset\n# next\nconfig "full.smmu.json"'
      : i % 100 === 80
        ? 'reset\nconfig "bad.smmu.json"'
        : 'read32 IDR0',
  ).join('\n');
  for (const text of [body, `config "qemu.smmu.json"\n${body}`]) {
    const batch = checkScript(text, '/w/s.smmu', host, 'full');
    const streamed = await checkScriptStreamed(
      text,
      '/w/s.smmu',
      host,
      {},
      async () => undefined,
      () => false,
    );
    assert.ok(streamed);
    const shown = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    assert.equal(shown(streamed.diagnostics), shown(batch.diagnostics));
    assert.equal(shown(streamed.run.observations), shown(batch.run?.observations));
    assert.ok(streamed.includes.includes('/w/full.smmu.json'), 'the configurations after resets are dependencies');
  }
});

test('the formatter formats reset lines (a reserved word was left as it was)', () => {
  const text = '  reset     # again\nconfig   "x.json"';
  const lines = text.split('\n');
  for (const e of formatScript(text)) lines[e.line] = e.newText;
  assert.deepEqual(lines, ['reset  # again', 'config "x.json"']);
});
