/**
 * In-process properties over mutated files of every type, one per entry point of core/: the
 * checkers the CLI and the language server call (checkScript, checkQueueFile, checkTrace with its
 * replay, loadConfig, formatScript) and the debugger's runtime. Each never throws, reports no
 * internal error, and puts every diagnostic inside the text. They run in a worker (guard.ts), so a
 * loop that never ends or a heap that runs out is a failure, not a hung test.
 */
import assert from 'node:assert/strict';
import * as path from 'path';
import fc from 'fast-check';
import { loadConfig } from '../../core/config/load';
import { DebugRuntime } from '../../core/debug/runtime';
import { checkQueueFile } from '../../core/queue-file/check';
import { checkScript, type ScriptHost } from '../../core/script/check';
import { formatScript } from '../../core/script/format';
import { checkTrace } from '../../core/trace/check';
import { decodeStructure, STRUCTURE_KINDS, type StructureKind } from '../../core/structures/decode-words';
import { fileHost } from '../../server/file-host';
import { engineScript, tokenSoup, wellFormedScript } from '../harness/script-helpers';
import { corpus, describeCase, KIND_SUFFIX, mutatedFile, type MutatedFile } from './mutate';
import { root } from '../harness/root';
import { assertDiagnostics, assertNoInternal, lineLengths } from './oracle';
import * as fs from 'fs';
import { compileScript } from '../../core/qemu/compile';
import { judgeReport } from '../../core/qemu/judge';
import { LiveJudge } from '../../core/qemu/live-judge';
import { parseGuestReport } from '../../core/guest/report';
import { buildGuestProgram, GuestProgramError } from '../../core/guest/program';
import { exportC, ExportCError } from '../../core/guest/export-c';
import { VIRT_SMMU_BASE, VIRT_UART_BASE } from '../../core/guest/ops';
import { applyMutations, mutation } from './mutate';
import { GdbProtocolError, PacketReader } from '../../core/gdb/packet';
import { ramFromMemoryMap } from '../../core/inspect/memory-map';
import * as os from 'os';
import { createHash } from 'crypto';
import { decodeEntry, encodeEntry, ResultCache, type ResultEntry } from '../../server/lsp/result-cache';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

/** A result cache entry as a check of a script with an include writes it (server/lsp/result-cache.ts). */
const RESULT_KEY = 'ab'.repeat(32);
const RESULT_ENTRY: ResultEntry = {
  reads: [
    { path: '/w/inc.smmu', kind: 'script', sha256: sha256(Buffer.from('write32 CR2 0x80000000\n')).toString('hex') },
  ],
  diagnostics: [
    {
      severity: 2,
      code: 'value.res0',
      codeDescription: { href: 'file:///docs/script-language.md' },
      source: 'smmu',
      message: 'CR2 bit 31 is RES0 (§6.3.12)',
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 22 } },
      relatedInformation: [
        {
          message: 'included here',
          location: {
            uri: 'file:///w/a.smmu',
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 18 } },
          },
        },
      ],
    },
    {
      severity: 1,
      code: 'expect',
      source: 'smmu',
      message: 'CR0ACK is 0x1, expected 0x0',
      range: { start: { line: 3, character: 0 }, end: { line: 3, character: 18 } },
    },
  ],
};
const RESULT_ENTRY_BODY = JSON.stringify({ key: RESULT_KEY, ...RESULT_ENTRY });

/**
 * What QEMU 7.2's gdbstub sent `smmu inspect` (captured on this machine): the stop it sends a new
 * client, acknowledgements, replies to qSupported, `m`, qRcmd, an error; and run-length encoding
 * and a notification as other stubs send them.
 */
const GDB_STREAM = [
  '+$T02thread:01;#04',
  '+$PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+#92',
  '+$T05thread:p01.01;#06',
  '+$1a10400d#eb',
  '+$O564d207374617475733a207061757365640d0a#c5$OK#9a',
  '+$E22#a9',
  '$0*"#b4',
  '%Stop:T05#ba',
  '-',
];

/** The mutated file at its seed's path, and, when given, a mutated configuration in place of every configuration read. */
function hostWith(file: MutatedFile, config?: MutatedFile): ScriptHost {
  const own = path.join(root, file.seed.name);
  return {
    readFile: (p) => (p === own ? file.text : config && p.endsWith('.smmu.json') ? config.text : fileHost.readFile(p)),
    resolvePath: fileHost.resolvePath,
  };
}

const at = (f: MutatedFile) => path.join(root, f.seed.name);

/** A case: a mutated file, and sometimes a mutated configuration it reads instead of its own. */
export interface CoreCase {
  readonly file: MutatedFile;
  readonly config?: MutatedFile;
}

const withConfig = (file: fc.Arbitrary<MutatedFile>) =>
  fc.record(
    { file, config: fc.option(mutatedFile(['config']), { nil: undefined, freq: 4 }) },
    { requiredKeys: ['file'] },
  );

/** A property the guard can run in a worker, and say what a failing case was. */
export interface CoreProperty<T = CoreCase> {
  readonly arbitrary: fc.Arbitrary<T>;
  readonly check: (value: T) => void;
  /** One line for a case (the corpus file and its mutations, or the value). */
  readonly describe: (value: T) => string;
  /** The files a person needs to reproduce a case with `smmu check`, by name. */
  readonly files: (value: T) => { readonly name: string; readonly text: string }[];
}

/** A property over values of any type, for the table (the guard only passes values through). */
const generic = <T>(p: CoreProperty<T>): CoreProperty<unknown> => p as unknown as CoreProperty<unknown>;

const mutated = (check: (c: CoreCase) => void, arbitrary: fc.Arbitrary<CoreCase>): CoreProperty<unknown> =>
  generic({
    arbitrary,
    check,
    describe: describeCoreCase,
    files: (c) =>
      [c.file, ...(c.config ? [c.config] : [])].map((f, i) => ({
        name: `${i ? 'config' : 'case'}-${path.basename(f.seed.name).replace(/\..*$/, '')}${KIND_SUFFIX[f.seed.kind]}`,
        text: f.text,
      })),
  });

const scriptHost: ScriptHost = { readFile: () => undefined, resolvePath: (_a: string, b: string) => b };

function runDebugger(c: CoreCase, options: { config?: string; trace?: boolean } = {}): void {
  const launched = DebugRuntime.launch(at(c.file), hostWith(c.file, c.config), options);
  if (!launched.runtime) {
    assertNoInternal(launched.error ?? '', 'debugger launch');
    assert.match(launched.error ?? '', /:\d+:\d+: |^cannot read/, 'a refused launch says where');
    return;
  }
  const rt = launched.runtime;
  rt.setExceptionFilters(['gerror', 'event', 'expectation', 'unpredictable']);
  const lengths = lineLengths(c.file.text);
  for (let n = 0; n < 200 && !rt.ended; n++) {
    rt.continue(5000);
    for (const f of rt.frames())
      assert.ok(f.line >= 0 && f.line <= lengths.length, `frame ${f.name} at line ${f.line} of ${lengths.length}`);
  }
  for (let n = 0; n < 3 && rt.canStepBack; n++) rt.stepBack();
}

/** A guest's report as QEMU 7.2 printed it for examples/xen-vsmmu-review.smmu, and that script compiled. */
const REPORT_SCRIPT = path.join(root, 'examples', 'xen-vsmmu-review.smmu');
let reportCase:
  | { report: string; compiled: ReturnType<typeof compileScript>; config: ReturnType<typeof checkScript>['config'] }
  | undefined;
function guestReport() {
  if (!reportCase) {
    const check = checkScript(fs.readFileSync(REPORT_SCRIPT, 'utf8'), REPORT_SCRIPT, fileHost, 'syntax');
    reportCase = {
      report: fs.readFileSync(path.join(root, 'test', 'fixtures', 'qemu', 'xen-vsmmu-review.qemu-7.2.report'), 'utf8'),
      compiled: compileScript(check),
      config: check.config,
    };
  }
  return reportCase;
}

/** Line prefixes of QEMU's trace backends (qemu-prefix.ts), `%T` the thread id. */
const QEMU_PREFIXES = [
  '',
  '%T@1733400000.123456:',
  ' qemu-system-aar-%T    [001] ..... 5678.123456: tracing_mark_write: ',
  'Dec  5 10:37:19 host qemu-system-aarch64[2300]: ',
  '2026-12-05T10:37:19.123456Z qemu-system-aarch64(2300:CPU 0/TCG): ',
];
let prefixedSeed: string | undefined;
/** The translations log with every smmu line given prefix number `k` (two threads alternating). */
function prefixedLog(k: number): string {
  prefixedSeed ??= fs.readFileSync(
    path.join(root, 'test', 'fixtures', 'qemu', 'translations-memory.qemu-7.2.log'),
    'utf8',
  );
  const prefix = QEMU_PREFIXES[k] ?? '';
  return prefixedSeed
    .split('\n')
    .map((l, i) => (l.startsWith('smmu') ? prefix.replace('%T', String(2300 + (i % 2))) + l : l))
    .join('\n');
}

/** The same for examples/qemu-dma.smmu, with QEMU's own trace (its DMAs are judged from it). */
const DMA_SCRIPT = path.join(root, 'examples', 'qemu-dma.smmu');
let dmaCase:
  | {
      report: string;
      trace: string;
      compiled: ReturnType<typeof compileScript>;
      config: ReturnType<typeof checkScript>['config'];
    }
  | undefined;
function dmaReport() {
  if (!dmaCase) {
    const check = checkScript(fs.readFileSync(DMA_SCRIPT, 'utf8'), DMA_SCRIPT, fileHost, 'syntax');
    const fixture = (ext: string) =>
      fs.readFileSync(path.join(root, 'test', 'fixtures', 'qemu', `qemu-dma.qemu-7.2.${ext}`), 'utf8');
    dmaCase = {
      report: fixture('report'),
      trace: fixture('trace'),
      compiled: compileScript(check, { ram: { start: 0x4000_0000n, end: 0x8000_0000n }, dmaDevices: true }),
      config: check.config,
    };
  }
  return dmaCase;
}

/** A script that checks clean compiles to a program and a C kit, or is refused with the typed error. */
function compileRoutes(c: CoreCase): void {
  const check = checkScript(c.file.text, at(c.file), hostWith(c.file, c.config), 'syntax');
  if (check.diagnostics.some((d) => d.severity === 'error')) return;
  const compiled = compileScript(check);
  for (const d of compiled.notRun)
    assert.ok(d.range.start.line < lineLengths(c.file.text).length, 'a not-run note inside the script');
  try {
    buildGuestProgram(compiled.ops, { loadAddress: 1n << 48n, smmuBase: VIRT_SMMU_BASE, uartBase: VIRT_UART_BASE });
  } catch (e) {
    if (!(e instanceof GuestProgramError)) throw e;
  }
  try {
    exportC(compiled.ops);
  } catch (e) {
    if (!(e instanceof ExportCError)) throw e;
  }
}

export const CORE_PROPERTIES: Record<string, CoreProperty<unknown>> = {
  /** `smmu qemu`'s reader of what the guest printed: any text (a crash, QEMU's own noise, a cut line). */
  "mutated guest reports: judgeReport, LiveJudge and parseGuestReport never throw, findings at the script's lines":
    generic({
      arbitrary: fc.array(
        mutation([
          'R 0x00024 4 0xFFFFFFFF # @11',
          '# @3 abort store 0x40000000',
          '# @8 zero 0x40000000 0x1000',
          '#= R 0x40000000 8 0x0000000000000000 # @20',
          '# fatal exception: vector 0x200',
        ]),
        { minLength: 1, maxLength: 6 },
      ),
      check: (ms: Parameters<typeof applyMutations>[1]) => {
        const { report, compiled, config } = guestReport();
        const text = applyMutations(report, ms);
        const j = judgeReport(compiled, text, { config, configSource: 'fuzz' });
        const lines = lineLengths(fs.readFileSync(REPORT_SCRIPT, 'utf8')).length;
        for (const d of j.diagnostics) {
          assertNoInternal(d.message, 'judgeReport');
          assert.ok(
            d.range.start.line >= 0 && d.range.start.line < lines,
            `${d.code} at line ${d.range.start.line} of ${lines}`,
          );
        }
        assert.ok(j.opsReported <= j.opsTotal);
        void parseGuestReport(text, compiled.ops);
        // The same text as QEMU writes it while it runs, in pieces: judged live without throwing.
        const live = new LiveJudge(
          compiled,
          { config, configSource: 'fuzz' },
          {
            configuration: () => undefined,
            diagnostic: (d) => {
              assertNoInternal(d.message, 'LiveJudge');
              assert.ok(
                d.range.start.line >= 0 && d.range.start.line < lines,
                `live ${d.code} at line ${d.range.start.line}`,
              );
            },
          },
        );
        for (let i = 0; i < text.length; i += 97) live.push(text.slice(i, i + 97));
        live.end();
      },
      describe: (ms: unknown) => `the QEMU 7.2 report of examples/xen-vsmmu-review.smmu with ${JSON.stringify(ms)}`,
      files: () => [],
    }),
  'mutated .smmu scripts: compileScript, the guest program and the C kit (or their typed refusal)': mutated(
    compileRoutes,
    withConfig(mutatedFile(['script'])),
  ),
  /** The DMA judgement's readers: the guest's report and QEMU's `-trace smmuv3_*` log, both mutated. */
  "mutated DMA reports and QEMU traces: judgeReport never throws, findings at the script's lines": generic({
    arbitrary: fc.tuple(
      fc.array(
        mutation([
          '#= R 0x3F008000 4 0x11E81234 # @9',
          'smmuv3_translate_success smmuv3-iommu-memory-region-8-0 sid=0x8 iova=0x10000010 translated=0x4a000010 perm=0x3',
          'pci_cfg_write edu 01:0 @0x4 <- 0x6',
        ]),
        { maxLength: 5 },
      ),
      fc.array(
        mutation([
          'smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0x8',
          'pci_cfg_write edu 01:0 @0x4 <- 0x6',
          'smmuv3_translate_abort smmuv3-iommu-memory-region-8-0 sid=0x8 abort on iova:0x20000000 is_write=0',
        ]),
        { maxLength: 5 },
      ),
    ),
    check: ([onReport, onTrace]: [Parameters<typeof applyMutations>[1], Parameters<typeof applyMutations>[1]]) => {
      const { report, trace, compiled, config } = dmaReport();
      const j = judgeReport(compiled, applyMutations(report, onReport), {
        config,
        configSource: 'fuzz',
        qemuTrace: applyMutations(trace, onTrace),
      });
      const lines = lineLengths(fs.readFileSync(DMA_SCRIPT, 'utf8')).length;
      for (const d of j.diagnostics) {
        assertNoInternal(d.message, 'judgeReport');
        assert.ok(
          d.range.start.line >= 0 && d.range.start.line < lines,
          `${d.code} at line ${d.range.start.line} of ${lines}`,
        );
      }
    },
    describe: (ms: unknown) => `the QEMU 7.2 report and trace of examples/qemu-dma.smmu with ${JSON.stringify(ms)}`,
    files: () => [],
  }),
  /**
   * QEMU's log in every backend's line prefix (core/trace/qemu-prefix.ts), from a real QEMU 7.2 run
   * whose translations the replay checks (it carries the guest's memory writes), mutated: the
   * per-line reader of every format (qemu-events.ts) and the translation check
   * (translation-check.ts) never throw, and every translation is counted once, checked or not.
   */
  "mutated QEMU logs with each backend's prefix: checkTrace, every translation counted": generic({
    arbitrary: fc.tuple(
      fc.integer({ min: 0, max: QEMU_PREFIXES.length - 1 }),
      fc.array(
        mutation([
          'smmuv3_translate_success mr sid=0x18 iova=0x10000010 translated=0x4a000010 perm=0x3 stage=1',
          'smmuv3_translate_disable mr sid=0x8 bypass (smmu disabled) iova:0x4a000000 is_write=1',
          'smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0x18',
          'smmuv3_cmdq_consume_error Error on SMMU_CMD_SYNC command execution: 3',
          'M 0x44000600 8 0x0000000000000000',
        ]),
        { maxLength: 5 },
      ),
    ),
    check: ([prefix, ms]: [number, Parameters<typeof applyMutations>[1]]) => {
      const text = applyMutations(prefixedLog(prefix), ms);
      const r = checkTrace(text, path.join(root, 'fuzz.qemu-7.2.log'), fileHost, {
        configPath: path.join(root, 'presets', 'qemu-7.2.smmu.json'),
      });
      assertDiagnostics(text, r.diagnostics, 'checkTrace');
      const records = r.parsed.records.filter((x) => x.kind === 'translation').length;
      const t = r.summary.translations ?? { checked: 0, unchecked: 0, diverged: 0 };
      assert.equal(t.checked + t.unchecked, records, 'every translation record is checked or counted as not checked');
      assert.ok(t.diverged <= t.checked);
    },
    describe: ([prefix, ms]: [number, unknown]) =>
      `test/fixtures/qemu/translations-memory.qemu-7.2.log with prefix ${JSON.stringify(QEMU_PREFIXES[prefix])} and ${JSON.stringify(ms)}`,
    files: () => [],
  }),
  /** A script through the full check (parse, resolve, configuration, the model) and the formatter. */
  'mutated .smmu scripts: checkScript (full) and formatScript': mutated(
    (c) => {
      const r = checkScript(c.file.text, at(c.file), hostWith(c.file, c.config), 'full');
      assertDiagnostics(c.file.text, r.diagnostics, 'checkScript');
      const lengths = lineLengths(c.file.text);
      for (const e of formatScript(c.file.text))
        assert.ok(e.line >= 0 && e.line < lengths.length, `format edit at line ${e.line}`);
    },
    withConfig(mutatedFile(['script'])),
  ),
  'mutated .smmuq queue descriptors: checkQueueFile': mutated(
    (c) =>
      assertDiagnostics(
        c.file.text,
        checkQueueFile(c.file.text, at(c.file), hostWith(c.file, c.config)).diagnostics,
        'checkQueueFile',
      ),
    withConfig(mutatedFile(['queue'])),
  ),
  'mutated .smmutrace traces and QEMU logs: checkTrace (parse and replay)': mutated(
    (c) => {
      const host = hostWith(c.file, c.config);
      assertDiagnostics(c.file.text, checkTrace(c.file.text, at(c.file), host).diagnostics, 'checkTrace');
      // Against a configuration given as --config (the mutated one when there is one).
      assertDiagnostics(
        c.file.text,
        checkTrace(c.file.text, at(c.file), host, { configPath: path.join(root, 'presets', 'qemu.smmu.json') })
          .diagnostics,
        'checkTrace --config',
      );
    },
    withConfig(mutatedFile(['trace', 'qemu'])),
  ),
  'mutated *.smmu.json configurations: loadConfig, and as the configuration of every example': mutated(
    (c) => {
      assertDiagnostics(c.file.text, loadConfig(c.file.text).diagnostics, 'loadConfig');
      for (const user of corpus().filter((s) => s.name.startsWith('examples/'))) {
        const file: MutatedFile = { seed: user, mutations: [], text: user.text };
        const host = hostWith(file, c.file);
        const configPath = path.join(root, 'presets', 'mutated.smmu.json');
        // The configuration's errors are reported in the file that uses it, at a place in that file.
        if (user.kind === 'script')
          assertDiagnostics(
            user.text,
            checkScript(user.text, at(file), host, 'full', { configPath }).diagnostics,
            `checkScript of ${user.name}`,
          );
        else if (user.kind === 'queue')
          assertDiagnostics(
            user.text,
            checkQueueFile(user.text, at(file), host).diagnostics,
            `checkQueueFile of ${user.name}`,
          );
        else
          assertDiagnostics(
            user.text,
            checkTrace(user.text, at(file), host, { configPath }).diagnostics,
            `checkTrace of ${user.name}`,
          );
      }
    },
    mutatedFile(['config']).map((file) => ({ file })),
  ),
  'mutated files of every type: the debugger runtime launches (or refuses with a position) and runs to the end':
    mutated(
      (c) => runDebugger(c, c.config ? { config: path.join(root, 'presets', 'mutated.smmu.json') } : {}),
      withConfig(mutatedFile(['script', 'queue', 'trace', 'qemu'])),
    ),
  // Generated rather than mutated input (grammar-aware scripts, token soup, random strings, queue
  // descriptor headers and entries, structure doublewords): the properties `npm run fuzz` had before.
  'generated scripts: checkScript (full) never throws, diagnostics inside the text': generic({
    arbitrary: fc.oneof(
      wellFormedScript,
      engineScript,
      fc.array(tokenSoup, { minLength: 1, maxLength: 8 }).map((l) => l.join('\n')),
      fc.string({ unit: 'binary', maxLength: 400 }),
    ),
    check: (text: string) =>
      assertDiagnostics(text, checkScript(text, '/x.smmu', scriptHost, 'full').diagnostics, 'checkScript'),
    describe: (text: string) => JSON.stringify(text),
    files: (text: string) => [{ name: 'case.smmu', text }],
  }),
  'generated queue descriptors: checkQueueFile never throws, diagnostics inside the text': generic({
    arbitrary: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc
        .tuple(
          fc.constantFrom('cmdq', 'evtq', 'priq', 'nope'),
          fc.nat(25),
          fc.nat(),
          fc.nat(),
          fc.array(
            fc.tuple(
              fc.nat(70),
              fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
              fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
            ),
            { maxLength: 10 },
          ),
        )
        .map(([q, l, p, c, es]) =>
          [
            `queue ${q}`,
            `log2size ${l}`,
            `prod ${p}`,
            `cons ${c}`,
            ...es.map(([i, a, b]) => `${i}: 0x${a.toString(16)} 0x${b.toString(16)}`),
          ].join('\n'),
        ),
    ),
    check: (text: string) =>
      assertDiagnostics(text, checkQueueFile(text, '/x.smmuq', scriptHost).diagnostics, 'checkQueueFile'),
    describe: (text: string) => JSON.stringify(text),
    files: (text: string) => [{ name: 'case.smmuq', text }],
  }),
  "gdbstub byte streams (QEMU 7.2's, mutated, in random chunks): the packet reader refuses only with GdbProtocolError and never yields a packet above its limit":
    generic({
      arbitrary: fc.tuple(
        fc.array(
          fc.oneof(
            fc.constantFrom(...GDB_STREAM),
            fc.string({ unit: fc.constantFrom('$', '#', '*', '}', '+', '-', '%', '0', 'a', 'F', '~', ' ', '\x03') }),
          ),
          {
            maxLength: 12,
          },
        ),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 64 }),
      ),
      check: ([parts, cuts, limit]: [string[], number[], number]) => {
        const wire = Uint8Array.from(parts.join(''), (c) => c.charCodeAt(0) & 0xff);
        const reader = new PacketReader(limit);
        let at = 0;
        for (let k = 0; at < wire.length; k++) {
          const n = cuts[k % cuts.length] as number;
          let events;
          try {
            events = reader.push(wire.subarray(at, at + n));
          } catch (e) {
            assert.ok(e instanceof GdbProtocolError, String(e));
            assertNoInternal(e.message, 'PacketReader');
            return;
          }
          for (const ev of events)
            if (ev.kind === 'packet') assert.ok(ev.data.length <= limit, `${ev.data.length} > ${limit}`);
          at += n;
        }
      },
      describe: ([parts, cuts, limit]: [string[], number[], number]) =>
        `${JSON.stringify(parts.join(''))} in chunks of ${cuts.join(', ')}, limit ${limit}`,
      files: () => [],
    }),
  "QEMU's memory map text, mutated: ramFromMemoryMap never throws and gives ranges that are not empty": generic({
    arbitrary: fc.array(
      mutation([
        'FlatView #0',
        ' AS "memory", root: system',
        '  0000000040000000-000000007fffffff (prio 0, ram): mach-virt.ram',
        '  0000000009050000-000000000906ffff (prio 0, i/o): arm-smmuv3',
      ]),
      { minLength: 1, maxLength: 6 },
    ),
    check: (ms: Parameters<typeof applyMutations>[1]) => {
      const text = applyMutations(
        'FlatView #0\n AS "memory", root: system\n  0000000040000000-000000007fffffff (prio 0, ram): mach-virt.ram\n',
        ms,
      );
      for (const r of ramFromMemoryMap(text)) assert.ok(r.end > r.start);
    },
    describe: (ms: unknown) => `the memory map with ${JSON.stringify(ms)}`,
    files: () => [],
  }),
  'generated doublewords: the structure decoders never throw': generic({
    arbitrary: fc.tuple(
      fc.constantFrom(...STRUCTURE_KINDS),
      fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 9 }),
    ),
    check: ([kind, dwords]: [StructureKind, bigint[]]) => void decodeStructure(kind, dwords),
    describe: ([kind, dwords]: [StructureKind, bigint[]]) =>
      `smmu decode ${kind} ${dwords.map((d) => '0x' + d.toString(16)).join(' ')}`,
    files: () => [],
  }),
  // The language server reads these entries from the user's cache folder at an open
  // (server/lsp/result-cache.ts): anything there, however damaged, is ignored unless whole.
  'result cache entries, mutated (and half of them sealed again with a valid checksum): the reader never throws and serves only a whole entry made for the key, holding diagnostics':
    generic({
      arbitrary: fc.tuple(
        fc.array(mutation([RESULT_ENTRY_BODY]), { maxLength: 4 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
      ),
      check: ([ms, reseal, flips]: [Parameters<typeof applyMutations>[1], boolean, [number, number][]]) => {
        const body = Buffer.from(applyMutations(RESULT_ENTRY_BODY, ms));
        const good = encodeEntry(RESULT_KEY, RESULT_ENTRY);
        const header = good.subarray(0, good.length - Buffer.byteLength(RESULT_ENTRY_BODY));
        const bytes = reseal
          ? Buffer.concat([header.subarray(0, header.length - 32), sha256(body), body])
          : Buffer.concat([header, body]);
        for (const [at, mask] of flips) if (bytes.length) bytes[at % bytes.length]! ^= mask;
        const entry = decodeEntry(bytes, RESULT_KEY);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-fuzz-results-'));
        try {
          fs.writeFileSync(path.join(dir, `${RESULT_KEY}.smmur`), bytes, { mode: 0o600 });
          const served = new ResultCache(dir).lookup(
            { slot: RESULT_KEY, key: RESULT_KEY },
            {
              readFile: () => 'write32 CR2 0x80000000\n',
              resolvePath: (_a, b) => b,
            },
          );
          if (!entry) {
            assert.equal(served, undefined, 'an entry the decoder refuses is never served');
            return;
          }
          // Used only when valid: the checksum holds, the entry names this key, and it holds diagnostics.
          assert.ok(sha256(bytes.subarray(header.length)).equals(bytes.subarray(header.length - 32, header.length)));
          const parsed = JSON.parse(bytes.subarray(header.length).toString('utf8')) as { key: unknown };
          assert.equal(parsed.key, RESULT_KEY);
          for (const d of entry.diagnostics) {
            assert.equal(typeof d.message, 'string');
            for (const p of [d.range.start, d.range.end])
              assert.ok(Number.isInteger(p.line) && p.line >= 0 && Number.isInteger(p.character) && p.character >= 0);
          }
          if (served) assert.deepEqual(served, entry.diagnostics);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      describe: (v: unknown) => `the result cache entry with ${JSON.stringify(v)}`,
      files: () => [],
    }),
};

/** One line for a case: the file, its mutations and the configuration's. */
export function describeCoreCase(c: CoreCase): string {
  return describeCase(c.file) + (c.config ? `; configuration ${describeCase(c.config)}` : '');
}
