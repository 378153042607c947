/**
 * `.smmutrace` files and QEMU `-trace smmuv3_*` logs in the editor: the replay's divergences as
 * diagnostics, and a hover on an access that decodes the emulation's value and the model's side by
 * side. The replay itself is core/trace; this module only maps it to LSP.
 */
import type { Diagnostic, Hover, Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { idViewOf } from '../../core/model/ids';
import type { ScriptHost } from '../../core/script/check';
import { checkTrace, type TraceCheck } from '../../core/trace/check';
import { sideBySideMarkdown } from '../../core/trace/side-by-side';
import { toLspDiagnostic } from './diagnostics';
import { pathToUri, uriToPath } from './uri';

/** A trace document: `.smmutrace`, or a QEMU log named as the language contribution's patterns. */
export function isTraceDocument(doc: { uri: string; languageId?: string }): boolean {
  return doc.languageId === 'smmutrace' || doc.uri.endsWith('.smmutrace') || /(\.qemu-[^/]*|smmuv3[^/]*)\.log$/.test(doc.uri);
}

const checks = new Map<string, { version: number; check: TraceCheck }>();

export function traceCheck(doc: TextDocument, host: ScriptHost): TraceCheck {
  const last = checks.get(doc.uri);
  if (last && last.version === doc.version) return last.check;
  const check = checkTrace(doc.getText(), uriToPath(doc.uri), host);
  checks.set(doc.uri, { version: doc.version, check });
  return check;
}

export function traceDiagnostics(doc: TextDocument, host: ScriptHost): Diagnostic[] {
  return traceCheck(doc, host).diagnostics.map((d) => toLspDiagnostic(d, doc.uri));
}

export function traceHover(doc: TextDocument, pos: Position, host: ScriptHost): Hover | null {
  const c = traceCheck(doc, host);
  const l = c.lines.get(pos.line);
  if (!l) return null;
  return { contents: { kind: 'markdown', value: sideBySideMarkdown(l, idViewOf(c.config)) }, range: l.record.range };
}

export function forgetTrace(uri: string): void {
  checks.delete(uri);
}

/**
 * Whether the open trace `uri` was replayed against the configuration file `configUri`; if so its
 * cached replay is dropped, so the re-check the caller schedules sees the new configuration.
 */
export function traceDependsOn(uri: string, configUri: string): boolean {
  const p = checks.get(uri)?.check.configPath;
  if (p === undefined || pathToUri(p) !== configUri) return false;
  checks.delete(uri);
  return true;
}
