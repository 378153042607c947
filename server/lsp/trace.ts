/**
 * `.smmutrace` files and QEMU `-trace smmuv3_*` logs in the editor: the replay's divergences as
 * diagnostics, and a hover on an access that decodes the emulation's value and the model's side by
 * side. The replay itself is core/trace; this module only maps it to LSP.
 */
import type { Diagnostic, Hover, Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { idViewOf } from '../../core/model/ids';
import { kindOf } from '../../core/files/kind';
import type { ScriptHost } from '../../core/script/check';
import { checkTrace, type TraceCheck } from '../../core/trace/check';
import { capPerCode } from '../../core/trace/report';
import { sideBySideMarkdown } from '../../core/trace/side-by-side';
import { toLspDiagnostic } from './diagnostics';
import { pathToUri, uriToPath } from './uri';

/** A trace document: `.smmutrace`, or a QEMU log named as the language contribution's patterns. */
export function isTraceDocument(doc: { uri: string; languageId?: string }): boolean {
  return kindOf(doc.uri, undefined, doc.languageId) === 'trace';
}

/**
 * The replays of the open trace documents, by document version. The workspace owns one (it owns
 * every cache the server keeps), so forgetting a document or a configuration is one place.
 */
export class TraceDocuments {
  private readonly checks = new Map<string, { version: number; check: TraceCheck }>();

  constructor(private readonly host: ScriptHost) {}

  check(doc: TextDocument): TraceCheck {
    const last = this.checks.get(doc.uri);
    if (last && last.version === doc.version) return last.check;
    const check = checkTrace(doc.getText(), uriToPath(doc.uri), this.host);
    this.checks.set(doc.uri, { version: doc.version, check });
    return check;
  }

  diagnostics(doc: TextDocument, roots: readonly string[] = []): Diagnostic[] {
    // Capped per code as `smmu replay` caps its report: a log with a divergence on every line
    // would otherwise send the client one diagnostic a line.
    return capPerCode(this.check(doc).diagnostics).map((d) => toLspDiagnostic(d, doc.uri, roots));
  }

  /** The emulation's value and the model's side by side, on an access. */
  hover(doc: TextDocument, pos: Position): Hover | null {
    const c = this.check(doc);
    const l = c.lines.get(pos.line);
    if (!l) return null;
    return { contents: { kind: 'markdown', value: sideBySideMarkdown(l, idViewOf(c.config)) }, range: l.record.range };
  }

  forget(uri: string): void {
    this.checks.delete(uri);
  }

  /** Every replay (the file access rules or the default configuration changed). */
  clear(): void {
    this.checks.clear();
  }

  /**
   * Whether the open trace `uri` was replayed against the configuration file `configUri`; if so its
   * replay is dropped, so the re-check the caller schedules sees the new configuration.
   */
  dependsOn(uri: string, configUri: string): boolean {
    const p = this.checks.get(uri)?.check.configPath;
    if (p === undefined || pathToUri(p) !== configUri) return false;
    this.checks.delete(uri);
    return true;
  }
}
