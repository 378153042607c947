/**
 * `smmu/runOnQemu` (Run on QEMU in VS Code): the script as the editor holds it runs as a guest
 * program on QEMU's SMMUv3 through the same pipeline as `smmu qemu` (server/qemu/check-on-qemu.ts),
 * and the judgement comes back as LSP diagnostics at the script's lines with QEMU's value and the
 * model's for every operation (docs/vscode.md#run-on-qemu). Cancelling the request kills QEMU.
 *
 * Refused in an untrusted workspace: it starts a program, and `smmu.qemu.path` may name any
 * program (docs/security.md).
 */
import type { CancellationToken, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import { textOf } from '../../core/base/files';
import { kindOf } from '../../core/files/kind';
import { traceOffset, type GuestOp } from '../../core/guest/ops';
import type { OpOutcome } from '../../core/qemu/judge';
import { registerAt, registerContaining } from '../../core/registers/table';
import { counted, severityCounts } from '../../core/text/plural';
import { checkOnQemu, type QemuCheckResult } from '../qemu/check-on-qemu';
import { notInstalled } from '../qemu/process';
import { toLspDiagnostic } from './diagnostics';
import type { QemuLineValue, RunOnQemuParams, RunOnQemuResult } from './lsp-ext';
import { qemuBinaryOf, type ServerSettings } from './settings';
import { uriToPath } from './uri';
import { MAX_EXECUTED_LINES, type Workspace } from './workspace';

/** The source of the run's diagnostics: beside the checks' own (`smmu`), never in their place. */
export const QEMU_SOURCE = 'SMMU on QEMU';

export const UNTRUSTED_MESSAGE =
  'Run on QEMU is off in an untrusted workspace: it starts a program (the emulator, which the setting smmu.qemu.path names), so it runs only once you trust the workspace.';

const nothing = { diagnostics: [], values: [] } as const;

/**
 * The pipeline's messages name the command line's options; in the editor the settings stand for
 * them (`--memory` is smmu.qemu.memory, and so on).
 */
export function inEditorTerms(message: string): string {
  return message
    .replace(/ with --qemu \(setting smmu\.qemu\.path\)/g, ' with the setting smmu.qemu.path')
    .replace(/--max-guest-memory/g, 'the setting smmu.model.maxGuestMemory')
    .replace(/\(--memory ([^()]*)\)/g, '(setting smmu.qemu.memory: $1)')
    .replace(/a larger --memory/g, 'a larger smmu.qemu.memory');
}

/** A value as the access's width shows it (`0x000003DF` for 32 bits). */
function valueText(v: bigint | 'abort' | 'any' | undefined, bytes: number): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return `0x${v
    .toString(16)
    .toUpperCase()
    .padStart(bytes * 2, '0')}`;
}

/** What an operation did, as the hover names it: `read32 SMMU_CR0ACK`, `read64 memory 0x48000000`. */
function accessText(op: GuestOp): { text: string; bytes: number } {
  if (op.kind === 'store')
    return {
      text: `store of ${counted(op.bytes.length, 'byte')} at 0x${op.address.toString(16).toUpperCase()}`,
      bytes: 8,
    };
  if (op.kind === 'zero') return { text: `zero 0x${op.address.toString(16).toUpperCase()}`, bytes: 8 };
  const verb = `${op.kind}${op.size * 8}`;
  if (op.space === 'phys')
    return { text: `${verb} memory 0x${op.address.toString(16).toUpperCase().padStart(8, '0')}`, bytes: op.size };
  const offset = Number(op.address);
  const at = registerAt(offset);
  if (at) return { text: `${verb} SMMU_${at.name}`, bytes: op.size };
  const inside = registerContaining(offset);
  return {
    text: `${verb} ${inside ? `SMMU_${inside.reg.name} + ${inside.byte}` : `offset ${traceOffset(op.address)}`}`,
    bytes: op.size,
  };
}

/** QEMU's value and the model's for every operation that has one, line by line. */
function lineValues(lines: ReadonlyMap<number, readonly OpOutcome[]>, ops: readonly GuestOp[]): QemuLineValue[] {
  const out: QemuLineValue[] = [];
  for (const [line, outcomes] of [...lines].sort((a, b) => a[0] - b[0])) {
    for (const o of outcomes) {
      const op = ops[o.index];
      if (o.emulation === undefined || !op) continue;
      const { text, bytes } = accessText(op);
      // A write QEMU aborted that the model took (or ignored, RAZ/WI) has no value of the model's to show.
      const model =
        op.kind === 'write' && o.emulation === 'abort' && o.model !== 'abort' ? 'no abort' : valueText(o.model, bytes);
      out.push({
        line,
        access: text,
        qemu: valueText(o.emulation, bytes),
        model,
        differs: o.model !== undefined && o.model !== 'any' && o.model !== o.emulation,
      });
    }
  }
  return out;
}

function lspDiagnostics(list: readonly ScriptDiagnostic[], uri: string, roots: readonly string[]) {
  return list.map((d) => ({
    ...toLspDiagnostic({ ...d, message: inEditorTerms(d.message) }, uri, roots),
    source: QEMU_SOURCE,
  }));
}

/** Codes only a QEMU run gives (the script's own errors come from the checks, which publish them). */
const runOwn = (d: ScriptDiagnostic) => d.code.startsWith('qemu.') || d.code === 'run.memory-limit';

function notRun(message: string): RunOnQemuResult {
  return { ran: false, outcome: 'not-run', message, summary: 'Not run on QEMU', ...nothing };
}

/** The request's answer for `r`, the pipeline's result. */
function resultOf(
  r: QemuCheckResult,
  uri: string,
  roots: readonly string[],
  binary: string,
  version: number | undefined,
): RunOnQemuResult {
  const v = version === undefined ? {} : { version };
  switch (r.kind) {
    case 'cancelled':
      return {
        ran: false,
        outcome: 'cancelled',
        message: 'Run on QEMU was cancelled: QEMU was stopped.',
        summary: 'Cancelled',
        ...nothing,
        ...v,
      };
    case 'not-run': {
      const own = r.diagnostics.filter((d) => !runOwn(d));
      if (own.length) {
        const first = own[0] as ScriptDiagnostic;
        const errors = own.length === 1 ? 'an error' : `${own.length} errors`;
        return {
          ...notRun(
            `Not run on QEMU: the script has ${errors} of its own (line ${first.range.start.line + 1}: ${first.message}); fix ${own.length === 1 ? 'it' : 'them'} first.`,
          ),
          ...v,
        };
      }
      return {
        ...notRun(`Not run on QEMU: ${inEditorTerms(r.why)}.`),
        diagnostics: lspDiagnostics(r.diagnostics, uri, roots),
        ...v,
      };
    }
    case 'failed': {
      const installed = r.message !== notInstalled(binary);
      return {
        ran: false,
        outcome: installed ? 'failed' : 'not-installed',
        message: inEditorTerms(r.message),
        summary: installed ? 'QEMU failed' : 'QEMU not found',
        diagnostics: lspDiagnostics(r.diagnostics, uri, roots),
        values: [],
        ...v,
      };
    }
    case 'judged': {
      const j = r.judgement;
      const errors = j.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = j.diagnostics.filter((d) => d.severity === 'warning').length;
      const notes = j.diagnostics.length - errors - warnings;
      const notRunHere = j.diagnostics.filter((d) => d.code === 'qemu.not-run').length;
      const summary = `QEMU ran ${j.opsReported} of ${counted(j.opsTotal, 'operation')}: ${severityCounts(errors, warnings, notes)}${notRunHere ? ` (${notRunHere} not run on QEMU)` : ''}`;
      return {
        ran: true,
        outcome: 'judged',
        // The configuration's name, not the command line's configSource (a path relative to the
        // server's working folder, which in an editor is nothing the user chose).
        message: `${summary}; judged against ${j.config.name}.`,
        summary,
        diagnostics: lspDiagnostics(j.diagnostics, uri, roots),
        values: lineValues(j.lines, r.guestOps),
        operations: { reported: j.opsReported, total: j.opsTotal },
        configuration: j.config.name,
        qemuMs: r.run.ms,
        ...v,
      };
    }
  }
}

/**
 * Runs in progress. QEMU runs in a process group of its own (so the whole group can be killed), and
 * would outlive a server that exits in the middle of a run: the server stops them all on shutdown
 * and on exit (server.ts).
 */
const running = new Set<AbortController>();

export function stopQemuRuns(): void {
  for (const a of running) a.abort();
}

/** Answer `smmu/runOnQemu`; never throws (a failure is a message). */
export async function runOnQemu(
  workspace: Workspace,
  documents: TextDocuments<TextDocument>,
  params: RunOnQemuParams,
  settings: ServerSettings,
  roots: readonly string[],
  token: CancellationToken,
): Promise<RunOnQemuResult> {
  if (!settings.trusted)
    return {
      ran: false,
      outcome: 'refused',
      message: UNTRUSTED_MESSAGE,
      summary: 'Not run: untrusted workspace',
      ...nothing,
    };
  const uri = typeof params?.uri === 'string' ? params.uri : '';
  if (!uri) return notRun('Run on QEMU needs the uri of a .smmu script.');
  const doc = documents.get(uri);
  const scriptPath = uriToPath(uri);
  const text = doc
    ? doc.getText()
    : uri.startsWith('file:')
      ? workspace.host.readFile(scriptPath, 'script')
      : undefined;
  const source = textOf(text);
  if (source === undefined)
    return notRun(
      `Not run on QEMU: ${scriptPath} ${typeof text === 'object' ? `cannot be read: ${text.unreadable}` : 'is not open in the editor'}.`,
    );
  if (kindOf(scriptPath, source, doc?.languageId) !== 'script')
    return notRun(`Run on QEMU runs .smmu scripts; ${scriptPath.split(/[\\/]/).pop()} is not one.`);
  const lines = doc ? doc.lineCount : source.split('\n').length;
  if (lines > MAX_EXECUTED_LINES)
    return notRun(
      `Not run on QEMU: this script has ${lines} lines, more than the editor runs (${MAX_EXECUTED_LINES}); run \`smmu qemu\` on it instead.`,
    );

  const binary = qemuBinaryOf(settings.qemuPath, roots);
  const abort = new AbortController();
  running.add(abort);
  const cancelled = token.onCancellationRequested(() => abort.abort());
  try {
    if (token.isCancellationRequested) abort.abort();
    const defaultConfig = workspace.defaultConfiguration;
    const r = await checkOnQemu({
      scriptPath,
      text: source,
      host: workspace.host,
      ...(defaultConfig ? { defaultConfig } : {}),
      qemu: binary,
      ...(settings.qemuMachine ? { machineOptions: settings.qemuMachine } : {}),
      memoryBytes: settings.qemuMemory * 2 ** 20,
      memoryText: `${settings.qemuMemory} MiB`,
      timeoutMs: settings.qemuTimeout * 1000,
      maxGuestMemory: workspace.maxGuestMemory,
      signal: abort.signal,
    });
    return resultOf(r, uri, roots, binary, doc?.version);
  } catch (e) {
    // checkOnQemu turns every expected failure into a result; anything else is a bug, said plainly.
    return {
      ran: false,
      outcome: 'failed',
      message: `Run on QEMU failed: ${e instanceof Error ? e.message : String(e)}`,
      summary: 'QEMU failed',
      ...nothing,
    };
  } finally {
    cancelled.dispose();
    running.delete(abort);
  }
}
