/** Core diagnostics → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Severity } from '../../core/model/access';
import type { ScriptDiagnostic } from '../../core/script/diagnostics';
import { pathToUri } from './uri';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Anything with a severity, code, message and range (script, model and configuration diagnostics). */
export type CoreDiagnostic = Pick<ScriptDiagnostic, 'severity' | 'code' | 'message' | 'range'> & Partial<Pick<ScriptDiagnostic, 'related'>>;

export function toLspDiagnostic(d: CoreDiagnostic, uri: string): Diagnostic {
  return {
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'smmu',
    message: d.message,
    range: d.range,
    relatedInformation: d.related?.map((r) => ({ message: r.message, location: { uri: r.path ? pathToUri(r.path) : uri, range: r.range } })),
  };
}
