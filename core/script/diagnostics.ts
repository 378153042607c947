/** Positions and diagnostics shared by the script language, configurations and the model's findings (LSP-style, 0-based). */
import type { Severity } from '../model/access';

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface RelatedInfo {
  readonly message: string;
  readonly range: Range;
  /** Another file, when the related place is not in this document. */
  readonly path?: string;
}

export interface ScriptDiagnostic {
  readonly severity: Severity;
  /** Stable code (docs/rules.md). */
  readonly code: string;
  readonly message: string;
  readonly range: Range;
  /** Architecture section of the rule, when it comes from one. */
  readonly section?: string;
  readonly related?: readonly RelatedInfo[];
}
