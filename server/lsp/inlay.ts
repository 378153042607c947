/**
 * Inlay hints: values decoded where they stand. In a script, a numeric value written to a
 * register shows its fields (`write32 CR0 0xd` → `SMMUEN|CMDQEN|EVENTQEN`) and a symbolic one its
 * number; a read the model executed shows what it returned, and an access that aborted `→ abort`;
 * an engine statement shows what it did (the command encoded, the DMA's outcome, the commands a
 * doorbell consumed). In a queue descriptor, every entry shows its decoding and whether it is
 * pending.
 */
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { hex, symbolic } from '../../core/registers/codec';
import { firstFromLine, startLine } from '../../core/base/diagnostics';
import type { Observation } from '../../core/script/interpreter';
import type { ResolvedStatement } from '../../core/script/resolve';
import { headLines, RESOLVE_AHEAD_MAX_LINES, Workspace } from './workspace';

const MAX = 100;

/** A hint at `position`; a label over MAX characters is cut, and its whole text is the tooltip. */
function hint(position: InlayHint['position'], text: string): InlayHint {
  const cut = text.length > MAX;
  return {
    position,
    label: cut ? text.slice(0, MAX - 1) + '…' : text,
    paddingLeft: true,
    kind: InlayHintKind.Type,
    ...(cut ? { tooltip: text } : {}),
  };
}

function inside(line: number, r: Range): boolean {
  return line >= r.start.line && line <= r.end.line;
}

export function inlayHints(workspace: Workspace, doc: TextDocument, range: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  if (Workspace.isConfig(doc.uri)) return hints;
  if (Workspace.isQueueFile(doc.uri)) {
    for (const e of workspace.queueFileCheck(doc).entries) {
      if (!inside(e.line, range)) continue;
      hints.push(hint(e.range.end, `${e.text}${e.pending ? '  · pending' : ''}`));
    }
    return hints;
  }
  const check = workspace.scriptCheck(doc);
  return scriptHints(doc, check.resolved.statements, check.run?.observations ?? [], range);
}

/**
 * The hints of the lines in `range` while the script's first check runs, once the check has run
 * past them (its observations there are final, core StreamedProgress): VS Code asks for the
 * screen's hints as it opens a file, and this answers them after the first slices instead of
 * after the whole check and a parse of the tree. The statements come from resolving the lines
 * above the range's end (resolveUpTo); undefined while the check has not got that far, or when
 * the range ends too far down to resolve the lines above it on their own.
 */
export function inlayHintsSoFar(workspace: Workspace, doc: TextDocument, range: Range): InlayHint[] | undefined {
  if (Workspace.isConfig(doc.uri) || Workspace.isQueueFile(doc.uri)) return undefined;
  const sofar = workspace.streamedSoFar(doc);
  if (!sofar) return undefined;
  // The range's lines from the head of the text: `doc.lineCount` and `doc.getText(range)` would
  // build the whole document's line offsets in the middle of its first check (headText). Bounded:
  // resolveUpTo answers nothing at RESOLVE_AHEAD_MAX_LINES or below.
  const head = headLines(doc, Math.min(range.end.line, RESOLVE_AHEAD_MAX_LINES));
  const last = Math.min(range.end.line, head.length - 1);
  if (sofar.lines <= last) return undefined;
  const resolved = workspace.resolveUpTo(doc, last);
  return resolved && scriptHints(doc, resolved.statements, sofar.observations, range, head);
}

/** The text in `r`, from `lines` when given (a head of the document, see headLines) and it holds the range's line. */
function textIn(doc: TextDocument, r: Range, lines: readonly string[] | undefined): string {
  if (lines && r.start.line === r.end.line && r.start.line < lines.length)
    return (lines[r.start.line] as string).slice(r.start.character, r.end.character);
  return doc.getText(r);
}

function scriptHints(
  doc: TextDocument,
  statements: readonly ResolvedStatement[],
  observations: readonly Observation[],
  range: Range,
  lines?: readonly string[],
): InlayHint[] {
  const hints: InlayHint[] = [];
  // Statements and observations are in line order: find the screen's by binary search rather
  // than walking (or indexing) a long script on every request.
  for (let i = firstFromLine(statements, range.start.line, (x) => startLine(x.range)); i < statements.length; i++) {
    const s = statements[i] as (typeof statements)[number];
    const line = startLine(s.range);
    if (line > range.end.line) break;
    if (!inside(line, range)) continue;
    if (s.kind === 'access' && s.register && s.op === 'write' && s.value !== undefined && s.valueRange) {
      const text = textIn(doc, s.valueRange, lines).trim();
      const whole = s.byte === 4 ? s.value << 32n : s.value;
      const numeric = /^(0[xXbB][0-9A-Fa-f_]+|[0-9_]+)$/.test(text);
      const label = numeric ? symbolic(s.register, whole) || '0' : hex(s.value, s.size === 8 ? 64 : 32);
      if (label !== text) hints.push(hint(s.valueRange.end, label));
    }
    const o = observations[firstFromLine(observations, line, (x) => x.line)];
    if (!o || o.line !== line) continue;
    // An access that took an external abort returned nothing: say so, not a value (§6.2).
    if ((o.kind === 'read' || o.kind === 'write') && !o.ok) {
      hints.push(hint(s.range.end, '→ abort'));
    } else if (o.kind === 'read') {
      const reg = s.kind === 'access' ? s.register : undefined;
      const full = s.kind === 'access' && s.byte === 4 ? o.value << 32n : o.value;
      const label = `→ ${hex(o.value, s.kind === 'access' && s.size !== 8 ? 32 : 64)}${reg ? ` ${symbolic(reg, full)}` : ''}`;
      hints.push(hint(s.range.end, label.trimEnd()));
    } else if (o.kind === 'action' && o.summary) {
      hints.push(hint(s.range.end, `→ ${o.summary}`));
    }
  }
  return hints;
}
