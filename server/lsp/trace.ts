/**
 * `.smmutrace` files and QEMU `-trace smmuv3_*` logs in the editor: the replay's divergences as
 * diagnostics, and a hover on an access that decodes the emulation's value and the model's side by
 * side. The replay itself is core/trace; this module only maps it to LSP.
 */
import type { Diagnostic, Hover, Position } from 'vscode-languageserver/node';
import type { ResolvedConfig } from '../../core/config/types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { idViewOf } from '../../core/model/ids';
import { kindOf } from '../../core/files/kind';
import type { ScriptHost } from '../../core/script/check';
import { checkTrace, streamTrace, type TraceCheck } from '../../core/trace/check';
import { LineSplitter } from '../../core/trace/lines';
import type { LineReplay } from '../../core/trace/replay';
import { capPerCode, DEFAULT_MAX_DIAGNOSTICS } from '../../core/trace/report';
import type { TraceDiagnostic } from '../../core/trace/types';
import { sideBySideMarkdown } from '../../core/trace/side-by-side';
import { toLspDiagnostic } from './diagnostics';
import { pathToUri, uriToPath } from './uri';

/** A trace document: `.smmutrace`, or a QEMU log named as the language contribution's patterns. */
export function isTraceDocument(doc: { uri: string; languageId?: string }): boolean {
  return kindOf(doc.uri, undefined, doc.languageId) === 'trace';
}

/**
 * Traces longer than this are replayed in the background (checkInBackground): in slices, with
 * progress, stopped by a newer version. The whole-file replay holds the server for its whole run,
 * at 150–180 k records a second (docs/performance.md): about a tenth of a second at this size,
 * which a hover asked meanwhile can wait, but seconds at a few hundred thousand lines. Below this
 * the one-shot check is over sooner and keeps the whole-file replay's decisions (core/trace/stream.ts says
 * where the streamed one decides from a look ahead). `SMMU_TRACE_BACKGROUND_LINES` overrides it.
 */
export const BACKGROUND_TRACE_LINES = 20_000;

/** Lines replayed between two pauses of a background check (each pause lets waiting requests in). */
const SLICE_LINES = 2_000;

const backgroundLines = (): number => {
  const given = process.env.SMMU_TRACE_BACKGROUND_LINES?.trim();
  const v = given ? Number(given) : NaN;
  return Number.isInteger(v) && v >= 0 ? v : BACKGROUND_TRACE_LINES;
};

/** Whether a trace document is checked in the background (checkInBackground), not at once. */
export function runsInBackground(doc: TextDocument): boolean {
  return doc.lineCount > backgroundLines();
}

/** Where a background check tells how far it is (LSP work-done progress, server.ts). */
export interface TraceProgress {
  begin(title: string, percentage: number, message: string): void;
  report(percentage: number, message: string): void;
  done(): void;
  /** Whether the user cancelled the progress (its cancel button in VS Code). */
  cancelled(): boolean;
}

/** What a background replay the user cancelled says, at the first line it did not read. */
function cancelledNote(line: number, total: number): TraceDiagnostic {
  return {
    severity: 'info',
    code: 'trace.cancelled',
    message: `the check was cancelled at line ${(line + 1).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}: the diagnostics shown are those found before it, and the lines from here on were not checked; edit the file to check it again, or run \`smmu replay\` on it`,
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    line,
  };
}

/** A background replay of one version of a trace: what hovers may use while it runs, and its result. */
interface Background {
  readonly version: number;
  readonly total: number;
  /** Lines handed to the replay so far. */
  read: number;
  /** The last line whose access was replayed (the look ahead holds lines back before replaying them). */
  replayed: number;
  readonly lines: Map<number, LineReplay>;
  config?: ResolvedConfig;
  configPath?: string;
  /** The capped diagnostics, once the replay ended. */
  diagnostics?: readonly TraceDiagnostic[];
  /** The line (0-based) the user's cancel stopped the replay at: the lines from there on were not read. */
  cancelledAt?: number;
}

/**
 * The replays of the open trace documents, by document version. The workspace owns one (it owns
 * every cache the server keeps), so forgetting a document or a configuration is one place.
 */
export class TraceDocuments {
  private readonly checks = new Map<string, { version: number; check: TraceCheck }>();
  private readonly background = new Map<string, Background>();

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

  /**
   * The streamed replay of a long trace (the one `smmu replay` makes), `SLICE_LINES` lines at a
   * time with a `pause` between slices so that requests are answered while it runs; hovers see
   * the lines replayed so far. Undefined when `stale` (a newer version, the document closed)
   * stopped it; else its diagnostics, capped per code as `diagnostics` caps them. When the user
   * cancels the progress, the replay stops between two slices and its result is what it found so
   * far (the diagnostics released up to there: a multi-vCPU read still in its window, and the look
   * ahead's lines before it closed, are not judged) with a `trace.cancelled` note at the first line
   * not read; the document is checked again at its next edit.
   */
  async checkInBackground(
    doc: TextDocument,
    roots: readonly string[],
    pause: () => Promise<void>,
    stale: () => boolean,
    progress?: TraceProgress,
  ): Promise<Diagnostic[] | undefined> {
    const total = doc.lineCount;
    const b: Background = { version: doc.version, total, read: 0, replayed: -1, lines: new Map() };
    this.background.set(doc.uri, b);
    const all: TraceDiagnostic[] = [];
    const stream = streamTrace(
      uriToPath(doc.uri),
      this.host,
      {
        diagnostic: (d) => all.push(d),
        line: (l) => {
          b.lines.set(l.record.line, l);
          b.replayed = l.record.line;
        },
        started: (s) => {
          b.config = s.config;
          if (s.configPath) b.configPath = s.configPath;
        },
      },
      { maxMessages: DEFAULT_MAX_DIAGNOSTICS },
    );
    const split = new LineSplitter((l) => stream.push(l));
    const text = doc.getText();
    const said = (read: number) => `${read.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} lines`;
    progress?.begin('Replaying trace', 0, said(0));
    let shown = 0;
    try {
      for (let from = 0; from < total; from += SLICE_LINES) {
        await pause();
        if (stale()) return undefined;
        if (progress?.cancelled()) {
          b.cancelledAt = from;
          break;
        }
        const to = Math.min(total, from + SLICE_LINES);
        // Cut at line starts: each piece but the last ends with its line break (LineSplitter joins
        // a \r\n wherever it falls anyway).
        split.push(
          text.slice(
            doc.offsetAt({ line: from, character: 0 }),
            to < total ? doc.offsetAt({ line: to, character: 0 }) : text.length,
          ),
        );
        b.read = to;
        const pct = Math.floor((to / total) * 100);
        if (pct > shown) progress?.report((shown = pct), said(to));
      }
      if (b.cancelledAt === undefined) {
        split.end();
        const result = stream.end();
        b.config = result.config;
        b.read = total;
      }
    } finally {
      progress?.done();
    }
    if (stale()) return undefined;
    b.diagnostics = capPerCode(all);
    if (b.cancelledAt !== undefined) b.diagnostics = [...b.diagnostics, cancelledNote(b.cancelledAt, total)];
    return b.diagnostics.map((d) => toLspDiagnostic(d, doc.uri, roots));
  }

  /** The emulation's value and the model's side by side, on an access. */
  hover(doc: TextDocument, pos: Position): Hover | null {
    // A long trace is never replayed here: the hover shows what its background check has reached.
    if (runsInBackground(doc)) {
      const b = this.background.get(doc.uri);
      const l = b?.version === doc.version ? b.lines.get(pos.line) : undefined;
      if (l && b?.config)
        return {
          contents: { kind: 'markdown', value: sideBySideMarkdown(l, idViewOf(b.config)) },
          range: l.record.range,
        };
      // Replayed, and not an access (a comment, a record of memory): nothing to show.
      if (b?.version === doc.version && pos.line <= b.replayed) return null;
      if (b?.version === doc.version && b.cancelledAt !== undefined)
        return {
          contents: {
            kind: 'markdown',
            value: `Not replayed: the background replay was cancelled at line ${(b.cancelledAt + 1).toLocaleString('en-US')}. Edit the file to check it again, or run \`smmu replay\` on it.`,
          },
          range: { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: 0 } },
        };
      if (b?.version === doc.version && b.diagnostics) return null;
      const range = { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: 0 } };
      return {
        contents: {
          kind: 'markdown',
          value: `The trace is being replayed in the background (${b?.version === doc.version ? b.read.toLocaleString('en-US') : 0} of ${doc.lineCount.toLocaleString('en-US')} lines so far): hover again when it is done.`,
        },
        range,
      };
    }
    const c = this.check(doc);
    const l = c.lines.get(pos.line);
    if (!l) return null;
    return { contents: { kind: 'markdown', value: sideBySideMarkdown(l, idViewOf(c.config)) }, range: l.record.range };
  }

  forget(uri: string): void {
    this.checks.delete(uri);
    this.background.delete(uri);
  }

  /** Every replay (the file access rules or the default configuration changed). */
  clear(): void {
    this.checks.clear();
    this.background.clear();
  }

  /**
   * Whether the open trace `uri` was replayed against the configuration file `configUri`; if so its
   * replay is dropped, so the re-check the caller schedules sees the new configuration.
   */
  dependsOn(uri: string, configUri: string): boolean {
    const p = this.checks.get(uri)?.check.configPath ?? this.background.get(uri)?.configPath;
    if (p === undefined || pathToUri(p) !== configUri) return false;
    this.checks.delete(uri);
    this.background.delete(uri);
    return true;
  }
}
