/**
 * The default configuration of files without a `config` line (core/config/default.ts, chosen by
 * the editor setting `smmu.configuration`, server/lsp/settings.ts): what wins over what, and
 * the one diagnostic a choice that cannot be used gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'os';
import * as path from 'path';
import { applyDefaultConfig, type DefaultConfig } from '../../../core/config/default';
import { checkQueueFile } from '../../../core/queue-file/check';
import { checkScript } from '../../../core/script/check';
import type { ScriptDiagnostic } from '../../../core/base/diagnostics';
import {
  changedSettings,
  CONFIGURATION_ORIGIN,
  DEFAULT_SETTINGS,
  defaultConfigOf,
  mergeSettings,
  qemuBinaryOf,
} from '../../../server/lsp/settings';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';

const preset = (name: string) => path.join(root, 'presets', `${name}.smmu.json`);
const host = fileHost;
const script = path.join(root, 'x.smmu');
const choice = (value: string): DefaultConfig => defaultConfigOf(value, [root]) as DefaultConfig;

test('a preset name or a file for scripts without a config line; none: the built-in default', () => {
  assert.match(checkScript('read32 IDR0\n', script, host, 'syntax').config.name, /^QEMU/);
  const byName = checkScript('read32 IDR0\n', script, host, 'syntax', { defaultConfig: choice('xen-vsmmu') });
  assert.match(byName.config.name, /^Xen/);
  assert.equal(byName.configPath, undefined);
  assert.equal(byName.configOrigin, CONFIGURATION_ORIGIN);
  const byFile = checkScript('read32 IDR0\n', script, host, 'full', {
    defaultConfig: choice('presets/smmuv3.2-full.smmu.json'),
  });
  assert.equal(byFile.config.name, 'SMMUv3.2 full-featured');
  assert.equal(byFile.configPath, preset('smmuv3.2-full'));
  assert.equal(byFile.configOrigin, CONFIGURATION_ORIGIN, 'kept by a full check too');
});

test("the script's config line wins over the default; the CLI's --config over both", () => {
  const text = `config "presets/xen-vsmmu.smmu.json"\nread32 IDR0\n`;
  const own = checkScript(text, script, host, 'syntax', { defaultConfig: choice('smmuv3.2-full') });
  assert.match(own.config.name, /^Xen/);
  assert.equal(own.configOrigin, undefined);
  const cli = checkScript(text, script, host, 'syntax', {
    configPath: preset('qemu'),
    defaultConfig: choice('smmuv3.2-full'),
  });
  assert.match(cli.config.name, /^QEMU/);
});

test("a queue descriptor's config line wins over the default; without one the default decodes it", () => {
  const body = ['queue cmdq', 'log2size 1', 'prod 1', 'cons 0', '0: 0x3 0x1'].join('\n');
  const q = path.join(root, 'x.smmuq');
  const withLine = checkQueueFile(`config "presets/qemu.smmu.json"\n${body}`, q, host, {
    defaultConfig: choice('smmuv3.2-full'),
  });
  assert.match(withLine.config.name, /^QEMU/);
  assert.equal(withLine.configOrigin, undefined);
  const without = checkQueueFile(body, q, host, { defaultConfig: choice('smmuv3.2-full') });
  assert.equal(without.config.name, 'SMMUv3.2 full-featured');
  assert.equal(without.configOrigin, CONFIGURATION_ORIGIN);
  assert.equal(without.diagnostics.length, 0);
});

test('a missing or invalid file: one error on line 0 naming the setting; the built-in default is used', () => {
  const missing: ScriptDiagnostic[] = [];
  const m = applyDefaultConfig(choice('nope.smmu.json'), host.readFile, missing);
  assert.match(m.config.name, /^QEMU/);
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.code, 'config.missing');
  assert.deepEqual(missing[0]!.range.start, { line: 0, character: 0 });
  assert.match(
    missing[0]!.message,
    /^setting smmu\.configuration: 'nope\.smmu\.json' is neither a preset \(qemu, qemu-7\.2, qemu-11\.1, xen-vsmmu, smmuv3\.2-full, smmuv3\.4-lpa2, smmuv3\.3-secure-ats\) nor a configuration file that can be read/,
  );
  const invalid: ScriptDiagnostic[] = [];
  const bad = {
    readFile: (p: string) => (p.endsWith('bad.smmu.json') ? '{ "features": { "pri": "yes" } }' : undefined),
  };
  applyDefaultConfig(choice('bad.smmu.json'), bad.readFile, invalid);
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0]!.code, 'config.invalid');
  assert.match(
    invalid[0]!.message,
    /^setting smmu\.configuration: configuration .*bad\.smmu\.json has 1 error; first at line 1: /,
  );
  // In a script the error stops the model, as a broken `config` line does.
  const s = checkScript('write32 CR0 PRIQEN\n', script, host, 'full', { defaultConfig: choice('nope.smmu.json') });
  assert.deepEqual(
    s.diagnostics.map((d) => d.code),
    ['config.missing', 'run.stopped'],
  );
  assert.equal(s.diagnostics[1]?.message, 'the model did not run: the error is on line 1');
  // Also when a later line has an error of its own: nothing runs on a configuration nobody chose.
  const later = checkScript('write32 CR0 PRIQEN\nread32 CR0ACK\nwrte32 CR0 0\n', script, host, 'full', {
    defaultConfig: choice('nope.smmu.json'),
  });
  assert.deepEqual(
    later.diagnostics.map((d) => d.code),
    ['config.missing', 'run.stopped', 'syntax.unknown-statement'],
  );
  assert.deepEqual(later.run?.observations, []);
});

test('defaultConfigOf: presets by name, paths relative to the first workspace folder, ${workspaceFolder}', () => {
  assert.equal(defaultConfigOf('', [root]), undefined);
  assert.deepEqual(defaultConfigOf('qemu', [root]), { origin: CONFIGURATION_ORIGIN, value: 'qemu' });
  assert.equal(defaultConfigOf('cfg/a.smmu.json', ['/w', '/v'])?.path, path.resolve('/w', 'cfg/a.smmu.json'));
  assert.equal(defaultConfigOf('${workspaceFolder}/cfg/a.smmu.json', ['/w'])?.path, path.resolve('/w/cfg/a.smmu.json'));
  assert.equal(defaultConfigOf('/abs/a.smmu.json', ['/w'])?.path, path.resolve('/abs/a.smmu.json'));
});

test('smmu.qemu.path: a bare name is looked up on PATH; a path is absolute, or relative to the first workspace folder, or under ~', () => {
  assert.equal(qemuBinaryOf('', ['/w']), 'qemu-system-aarch64');
  assert.equal(qemuBinaryOf('qemu-system-aarch64-9.2', ['/w']), 'qemu-system-aarch64-9.2');
  assert.equal(qemuBinaryOf('build/qemu-system-aarch64', ['/w', '/v']), path.resolve('/w/build/qemu-system-aarch64'));
  assert.equal(
    qemuBinaryOf('${workspaceFolder}/build/qemu-system-aarch64', ['/w']),
    path.resolve('/w/build/qemu-system-aarch64'),
  );
  assert.equal(qemuBinaryOf('/opt/qemu/bin/qemu-system-aarch64', ['/w']), '/opt/qemu/bin/qemu-system-aarch64');
  assert.equal(
    qemuBinaryOf('~/qemu/build/qemu-system-aarch64', ['/w']),
    path.join(os.homedir(), 'qemu/build/qemu-system-aarch64'),
  );
});

test('settings: merged over the previous ones, wrong types ignored; the notification forms', () => {
  const s = mergeSettings({ configuration: ' xen-vsmmu ', inlayHints: false }, DEFAULT_SETTINGS);
  assert.deepEqual(s, {
    executeOn: 'save',
    configuration: 'xen-vsmmu',
    inlayHints: false,
    trusted: true,
    maxGuestMemory: 256,
    qemuPath: '',
    qemuMachine: '',
    qemuMemory: 1024,
    qemuTimeout: 30,
    warmUp: true,
    resultCache: true,
  });
  assert.deepEqual(
    mergeSettings(
      { configuration: 1, inlayHints: 'no', executeOn: 'x', trusted: 'yes', maxGuestMemory: 0.5, warmUp: 'off' },
      s,
    ),
    s,
  );
  assert.deepEqual(mergeSettings({ warmUp: false }, s), { ...s, warmUp: false });
  assert.deepEqual(mergeSettings({ resultCache: false }, s), { ...s, resultCache: false });
  assert.deepEqual(mergeSettings({ resultCache: 'no' }, s), s);
  assert.deepEqual(mergeSettings({ maxGuestMemory: 5000 }, s), s, 'over 4096 MiB is out of range');
  assert.deepEqual(mergeSettings({ trusted: false, maxGuestMemory: 64 }, s), {
    ...s,
    trusted: false,
    maxGuestMemory: 64,
  });
  assert.deepEqual(mergeSettings(undefined, s), s);
  // Run on QEMU's settings: the same ranges as the command line's --memory (16M up) and --timeout (up to 3600 s).
  const q = mergeSettings(
    { qemuPath: ' /opt/qemu/bin/qemu-system-aarch64 ', qemuMachine: 'gic-version=3', qemuMemory: 2048, qemuTimeout: 5 },
    s,
  );
  assert.deepEqual(q, {
    ...s,
    qemuPath: '/opt/qemu/bin/qemu-system-aarch64',
    qemuMachine: 'gic-version=3',
    qemuMemory: 2048,
    qemuTimeout: 5,
  });
  assert.deepEqual(mergeSettings({ qemuPath: 1, qemuMachine: null, qemuMemory: 8, qemuTimeout: 3601 }, q), q);
  assert.deepEqual(mergeSettings({ qemuMemory: 1.5, qemuTimeout: 0 }, q), q);
  const inner = { configuration: 'qemu' };
  assert.equal(changedSettings(inner), inner);
  assert.equal(changedSettings({ settings: inner }), inner);
  assert.equal(changedSettings({ smmu: inner }), inner);
  assert.equal(changedSettings(null), undefined);
});

test('a default configuration or a queue descriptor config line that advertises what the model does not implement: one error each on its line; accepted ones stay quiet', () => {
  const files = new Map([
    [
      '/w/dpt.smmu.json',
      JSON.stringify({
        base: 'smmuv3.2-full',
        version: '3.3',
        features: { dpt: true, ttf: 'aarch64', e0pd: true, ptwnnc: true },
      }),
    ],
  ]);
  const memHost = { readFile: (p: string) => files.get(p), resolvePath: (_from: string, rel: string) => `/w/${rel}` };
  const got: ScriptDiagnostic[] = [];
  applyDefaultConfig(
    { origin: CONFIGURATION_ORIGIN, value: '/w/dpt.smmu.json', path: '/w/dpt.smmu.json' },
    memHost.readFile,
    got,
  );
  assert.deepEqual(
    got.map((d) => [d.severity, d.code, d.range.start.line]),
    [['error', 'config.not-modelled-dpt', 0]],
  );
  assert.match(
    got[0]!.message,
    /: configuration \/w\/dpt\.smmu\.json: dpt \(SMMU_IDR3\.DPT\) is advertised, but Level 0 Block entries of the DPT/,
  );
  const byName: ScriptDiagnostic[] = [];
  applyDefaultConfig(choice('smmuv3.2-full'), host.readFile, byName);
  assert.deepEqual(byName, [], 'the preset accepts its own');
  const q = checkQueueFile('config "dpt.smmu.json"\nqueue cmdq\nlog2size 1\nprod 0\ncons 0\n', '/w/x.smmuq', memHost);
  assert.deepEqual(
    q.diagnostics
      .filter((d) => d.code.startsWith('config.not-modelled-'))
      .map((d) => [d.severity, d.code, d.range.start.line]),
    [['error', 'config.not-modelled-dpt', 0]],
  );
});
