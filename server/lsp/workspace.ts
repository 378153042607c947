/**
 * The server's view of the workspace: the last check of every open document, which configuration
 * each script uses (to re-check dependents when a configuration changes), and file access that
 * prefers the editor's unsaved text over the disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { loadConfig } from '../../core/config/load';
import { DEFAULT_CONFIG } from '../../core/config/presets';
import type { ResolvedConfig } from '../../core/config/types';
import { checkQueueFile, type QueueFileCheck } from '../../core/queue-file/check';
import { checkScript, type CheckMode, type ScriptCheck, type ScriptHost } from '../../core/script/check';
import type { ResolvedStatement } from '../../core/script/resolve';
import { toLspDiagnostic } from './diagnostics';
import { forgetTrace, isTraceDocument, traceDependsOn, traceDiagnostics } from './trace';
import { pathToUri, uriToPath } from './uri';

export type { CheckMode };

/** Scripts longer than this are not executed on every open/save in the editor. */
export const MAX_EXECUTED_LINES = 50_000;

/**
 * What the server keeps of a check: not the token list (a token and a range object each; the
 * handlers re-lex the lines they need) nor the model (the observations carry what hovers and
 * inlay hints show).
 */
function slim(c: ScriptCheck): ScriptCheck {
  const { engine: _engine, smmu: _smmu, ...rest } = c;
  void _engine;
  void _smmu;
  return { ...rest, resolved: { ...c.resolved, parsed: { ...c.resolved.parsed, tokens: [] } } };
}

export class Workspace {
  /** Last check of each script, with the document version it was made for. */
  private readonly scripts = new Map<string, { check: ScriptCheck; version: number }>();
  private readonly configs = new Map<string, ResolvedConfig | undefined>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  static isConfig(uri: string): boolean {
    return uri.endsWith('.smmu.json');
  }

  static isQueueFile(uri: string): boolean {
    return uri.endsWith('.smmuq');
  }

  /** Last check of each queue descriptor (hovers decode its entries). */
  private readonly queueFiles = new Map<string, { check: QueueFileCheck; version: number }>();

  queueFileCheck(doc: TextDocument): QueueFileCheck {
    const last = this.queueFiles.get(doc.uri);
    if (last && last.version === doc.version) return last.check;
    const check = checkQueueFile(doc.getText(), uriToPath(doc.uri), this.host);
    this.queueFiles.set(doc.uri, { check, version: doc.version });
    return check;
  }

  readonly host: ScriptHost = {
    readFile: (p: string) => {
      const open = this.documents.get(pathToUri(p));
      if (open) return open.getText();
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolvePath: (from: string, relative: string) => path.resolve(path.dirname(from), relative),
  };

  /** Check a document and return its diagnostics. */
  check(doc: TextDocument, mode: CheckMode): Diagnostic[] {
    if (isTraceDocument(doc)) return traceDiagnostics(doc, this.host);
    if (Workspace.isConfig(doc.uri)) {
      const loaded = loadConfig(doc.getText());
      this.configs.set(doc.uri, loaded.config);
      return loaded.diagnostics.map((d) => toLspDiagnostic(d, doc.uri));
    }
    if (Workspace.isQueueFile(doc.uri)) return this.queueFileCheck(doc).diagnostics.map((d) => toLspDiagnostic(d, doc.uri));
    // Very large scripts get syntax and name checks only: running the model on them would make
    // every save wait (the CLI still runs them whole).
    const large = doc.lineCount > MAX_EXECUTED_LINES;
    const result = slim(checkScript(doc.getText(), uriToPath(doc.uri), this.host, large ? 'syntax' : mode));
    this.scripts.set(doc.uri, { check: result, version: doc.version });
    const diagnostics = result.diagnostics.map((d) => toLspDiagnostic(d, doc.uri));
    if (large && mode === 'full') {
      diagnostics.unshift({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 3, code: 'check.large-file', source: 'smmu', message: `this script has ${doc.lineCount} lines, more than ${MAX_EXECUTED_LINES}: the editor checks syntax and names only; run it with \`smmu run\` to execute it on the model` });
    }
    return diagnostics;
  }

  /** The last check of a script if it is of this version, else a fresh syntax-level one. */
  scriptCheck(doc: TextDocument): ScriptCheck {
    const last = this.scripts.get(doc.uri);
    if (last && last.version === doc.version) return last.check;
    const check = slim(checkScript(doc.getText(), uriToPath(doc.uri), this.host, 'syntax'));
    this.scripts.set(doc.uri, { check, version: doc.version });
    return check;
  }

  /** The configuration a document's checks use. */
  configFor(uri: string | undefined): ResolvedConfig {
    if (!uri) return DEFAULT_CONFIG;
    if (Workspace.isConfig(uri)) return this.configs.get(uri) ?? DEFAULT_CONFIG;
    return this.scripts.get(uri)?.check.config ?? DEFAULT_CONFIG;
  }

  /** Whether the script `uri` uses the configuration file `configUri`. */
  dependsOn(uri: string, configUri: string): boolean {
    if (traceDependsOn(uri, configUri)) return true;
    const p = this.scripts.get(uri)?.check.configPath ?? this.queueFiles.get(uri)?.check.configPath;
    if (p !== undefined && pathToUri(p) === configUri) return true;
    // A script also depends on the scripts it includes, at any depth.
    const included = (statements: readonly ResolvedStatement[]): boolean => statements.some((s) => s.kind === 'include' && (pathToUri(s.path) === configUri || included(s.statements)));
    const check = this.scripts.get(uri)?.check;
    return check !== undefined && included(check.resolved.statements);
  }

  forget(uri: string): void {
    forgetTrace(uri);
    this.queueFiles.delete(uri);
    this.scripts.delete(uri);
    this.configs.delete(uri);
  }
}
