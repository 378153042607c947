/**
 * `smmu run` with the interrupt expectations and `reset`: what a user sees on the command line
 * (the configurations the script ran against, the trace, failed expectations and exit codes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { smmu } from '../harness/cli-harness';
import { root } from '../harness/root';

/** A folder with the two presets, and `text` as s.smmu in it. */
function scriptWithPresets(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-cli-reset-'));
  for (const p of ['qemu.smmu.json', 'smmuv3.2-full.smmu.json'])
    fs.copyFileSync(path.join(root, 'presets', p), path.join(dir, p));
  const file = path.join(dir, 's.smmu');
  fs.writeFileSync(file, text);
  return file;
}

test('smmu run names every configuration the script ran against; --trace shows the resets; --json too', () => {
  const file = scriptWithPresets(
    [
      'config "qemu.smmu.json"',
      'read32 IDR0.MSI == 0',
      'reset',
      'config "smmuv3.2-full.smmu.json"',
      'read32 IDR0.MSI == 1',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file, '--trace');
  assert.equal(r.code, 0, r.out + r.err);
  const first = r.out.split('\n')[0] ?? '';
  assert.match(
    first,
    /^configuration: QEMU 11\.1 virt SMMUv3 \(-M virt,iommu=smmuv3\) \(.*qemu\.smmu\.json\); from line 4, SMMUv3\.2 full-featured \(.*smmuv3\.2-full\.smmu\.json\)$/,
  );
  assert.match(r.out, /s\.smmu:3: reset → SMMU reset: registers at their reset values, caches empty\n/);
  assert.match(
    r.out,
    /s\.smmu:4: config "smmuv3\.2-full\.smmu\.json" → SMMU out of reset as SMMUv3\.2 full-featured \(smmuv3\.2-full\.smmu\.json\)\n/,
  );
  assert.match(r.out, /^2 reads, 0 writes, 2\/2 expectations met, 0 errors, 0 warnings$/m);
  const j = JSON.parse(smmu('run', file, '--json').out) as {
    config: string;
    observations: { line: number; summary?: string }[];
  };
  assert.match(j.config, /; from line 4, SMMUv3\.2 full-featured/);
  assert.equal(
    j.observations.find((o) => o.line === 4)?.summary,
    'SMMU out of reset as SMMUv3.2 full-featured (smmuv3.2-full.smmu.json)',
  );
});

test('a reset and its configuration in an included file: the path is the included file\u2019s, and the summary names it from the include line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-cli-reset-inc-'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.copyFileSync(path.join(root, 'presets', 'smmuv3.2-full.smmu.json'), path.join(dir, 'sub', 'full.smmu.json'));
  fs.writeFileSync(path.join(dir, 'sub', 'part.smmu'), 'reset\nconfig "full.smmu.json"\nread32 IDR0.MSI == 1\n');
  const main = path.join(dir, 'main.smmu');
  fs.writeFileSync(main, 'read32 IDR0.MSI == 0\ninclude "sub/part.smmu"\nread32 IDR0.MSI == 1\n');
  const r = smmu('run', main);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(
    r.out,
    /^configuration: QEMU 11\.1 virt SMMUv3 \(-M virt,iommu=smmuv3\) \(built-in default\); from line 2, SMMUv3\.2 full-featured \(.*full\.smmu\.json\)$/m,
  );
  assert.match(r.out, /^3 reads, 0 writes, 3\/3 expectations met, 0 errors, 0 warnings$/m);
});

test('a configuration after reset that cannot be read is an error on its line; the script\u2019s own configuration is still the one named', () => {
  const file = scriptWithPresets(
    ['config "qemu.smmu.json"', 'read32 CR0 == 0', 'reset', 'config "nope.smmu.json"', 'read32 CR0 == 0', ''].join(
      '\n',
    ),
  );
  const r = smmu('run', file);
  assert.equal(r.code, 1);
  assert.match(r.out, /^configuration: QEMU 11\.1 virt SMMUv3 \(-M virt,iommu=smmuv3\) \(.*qemu\.smmu\.json\)$/m);
  assert.match(r.out, /s\.smmu:4:1: error: cannot read configuration .*nope\.smmu\.json.* \[reset\.config-missing\]/);
  assert.match(r.out, /^1 read, 0 writes, 1\/2 expectations met, 1 not run, 1 error, 0 warnings$/m);
});

test('interrupt expectations: met ones count, a failed one says what was signalled instead and exits 1', () => {
  const file = scriptWithPresets(
    [
      'config "smmuv3.2-full.smmu.json"',
      'write64 STRTAB_BASE 0x40000000',
      'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
      'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4',
      'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=3',
      'write32 IRQ_CTRL EVENTQ_IRQEN',
      'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
      'dma read sid=3 iova=0 == C_BAD_STE',
      'expect irq EVENTQ',
      'expect irq GERROR',
      'expect no irq',
      '',
    ].join('\n'),
  );
  const r = smmu('run', file);
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /s\.smmu:10:1: error: no GERROR wired interrupt was asserted \(IRQ_CTRLACK\.GERROR_IRQEN is 0\); none was signalled that an expectation has not checked off \(§3\.18\) \[expect\.failed\]/,
  );
  assert.match(r.out, /^0 reads, 6 writes, 3\/4 expectations met, 1 error, 0 warnings$/m);
});
