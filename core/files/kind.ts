/**
 * What kind of SMMU Workbench file a path holds: a script (`.smmu`), a queue descriptor (`.smmuq`),
 * a trace (`.smmutrace`, a QEMU `-trace smmuv3_*` log) or a configuration (`*.smmu.json`). The
 * extension decides; a file with another name is recognised by its first statement, so a command
 * given the wrong kind of file can say which command takes it instead of reporting every line.
 */
import { STATEMENT_KEYWORDS } from '../script/parser';
import { looksLikeQemu } from '../trace/parse-qemu';

export type FileKind = 'script' | 'queue' | 'trace' | 'config';

/** The first word of each statement line; `config` starts scripts and traces alike. */
const SCRIPT_WORDS: ReadonlySet<string> = new Set(STATEMENT_KEYWORDS.filter((k) => k !== 'config'));
const TRACE_WORDS: ReadonlySet<string> = new Set(['R', 'W', 'M', 'C', 'E', 'base']);

/** The kind by extension, then by content; undefined when neither tells. */
export function fileKind(path: string, text: string | undefined): FileKind | undefined {
  if (/\.json$/i.test(path)) return 'config';
  if (/\.smmutrace$/i.test(path)) return 'trace';
  if (/\.smmuq$/i.test(path)) return 'queue';
  if (/\.smmu$/i.test(path)) return 'script';
  if (text === undefined) return undefined;
  if (looksLikeQemu(text)) return 'trace';
  // The first line that is neither blank, a comment nor a `config` line.
  for (const line of text.split('\n', 200)) {
    const word = /^\s*([^\s#]+)/.exec(line)?.[1];
    if (word === undefined || word === 'config') continue;
    if (SCRIPT_WORDS.has(word)) return 'script';
    if (TRACE_WORDS.has(word)) return 'trace';
    if (word === 'queue') return 'queue';
    return undefined;
  }
  return undefined;
}
