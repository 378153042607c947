/** Core diagnostics → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Severity } from '../../core/model/access';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import * as path from 'path';
import { pathToUri } from './uri';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Anything with a severity, code, message and range (script, model and configuration diagnostics). */
export type CoreDiagnostic = Pick<ScriptDiagnostic, 'severity' | 'code' | 'message' | 'range'> &
  Partial<Pick<ScriptDiagnostic, 'related'>>;

/**
 * The page of the bundled docs that explains a diagnostic code (docs/ sits beside dist/ in the
 * repository and in the packaged extension), so editors can link the code to its rule.
 */
function docsFor(code: string): string | undefined {
  const page =
    /^(syntax|name|value|target|const|config\.(duplicate|late|empty)|access\.named-size|expect|arg|doorbell|dma|poll|ste|cd|map|tables|pri\.arg|pri\.args|cmd\.(unknown|name|raw|queue-full|illegal))\b/.test(
      code,
    )
      ? 'script-language.md'
      : /^smmuq\./.test(code)
        ? 'queue-descriptor.md'
        : /^(cmdq|gerror|event|pri|stale|cmd|msi)\b/.test(code)
          ? 'engine.md'
          : /^(config|ids|features|iidr|queue-size|linux|xen)\b/.test(code)
            ? 'configuration.md'
            : /^(replay|mvcpu|trace)\./.test(code)
              ? 'trace-replay.md'
              : undefined;
  return page ? pathToUri(path.join(DOCS, page)) : undefined;
}

const DOCS = path.resolve(__dirname, '..', 'docs');

/** Paths inside a workspace folder as the user sees them in the explorer: relative to the folder. */
export function relativeToRoots(message: string, roots: readonly string[]): string {
  let m = message;
  for (const r of roots) if (r) m = m.split(r.endsWith(path.sep) ? r : r + path.sep).join('');
  return m;
}

export function toLspDiagnostic(d: CoreDiagnostic, uri: string, roots: readonly string[] = []): Diagnostic {
  const href = docsFor(d.code);
  return {
    severity: SEVERITY[d.severity],
    code: d.code,
    ...(href ? { codeDescription: { href } } : {}),
    source: 'smmu',
    message: roots.length ? relativeToRoots(d.message, roots) : d.message,
    range: d.range,
    relatedInformation: d.related?.map((r) => ({
      message: roots.length ? relativeToRoots(r.message, roots) : r.message,
      location: { uri: r.path ? pathToUri(r.path) : uri, range: r.range },
    })),
  };
}
