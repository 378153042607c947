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

/**
 * The file names each kind is given by, as package.json's `contributes.languages` declares them
 * (extensions and filename patterns; a unit test keeps the two the same). Configurations are
 * `*.smmu.json`; the command line also takes any `.json` given to it as one.
 */
export const KIND_PATTERNS: Readonly<
  Record<
    'script' | 'queue' | 'trace',
    {
      readonly languageId: string;
      readonly extensions: readonly string[];
      readonly filenamePatterns: readonly string[];
    }
  >
> = {
  script: { languageId: 'smmu', extensions: ['.smmu'], filenamePatterns: [] },
  queue: { languageId: 'smmuq', extensions: ['.smmuq'], filenamePatterns: [] },
  trace: { languageId: 'smmutrace', extensions: ['.smmutrace'], filenamePatterns: ['*.qemu-*.log', '*smmuv3*.log'] },
};

/** A filename pattern (`*` any characters but a path separator) as a test of a file's base name. */
function globTest(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/\\\\]*')}$`, 'i');
}

const BY_NAME: readonly { kind: FileKind; test: RegExp }[] = [
  { kind: 'config', test: /\.smmu\.json$/i },
  ...(Object.entries(KIND_PATTERNS) as [FileKind, (typeof KIND_PATTERNS)['script']][]).flatMap(([kind, p]) => [
    ...p.extensions.map((e) => ({ kind, test: globTest(`*${e}`) })),
    ...p.filenamePatterns.map((g) => ({ kind, test: globTest(g) })),
  ]),
];

const BY_LANGUAGE: ReadonlyMap<string, FileKind> = new Map(
  (Object.entries(KIND_PATTERNS) as [FileKind, (typeof KIND_PATTERNS)['script']][]).map(([kind, p]) => [
    p.languageId,
    kind,
  ]),
);

/**
 * The one decision of a file's kind, for the command line, the language server and the debugger:
 * the editor's language of the document when it is one of ours (a user may set "SMMU Trace" on
 * any log), then the name as the manifest's languages match it, then any `.json` (a configuration
 * given to the command line), then the content: a QEMU `smmuv3_*` trace line, or the first
 * statement; a `.log` that tells nothing else is a trace. Undefined when nothing tells.
 */
export function kindOf(path: string, text?: string, languageId?: string): FileKind | undefined {
  const byLanguage = languageId === undefined ? undefined : BY_LANGUAGE.get(languageId);
  if (byLanguage) return byLanguage;
  const base = path.split(/[\\/]/).pop() ?? path;
  for (const { kind, test } of BY_NAME) if (test.test(base)) return kind;
  if (/\.json$/i.test(base)) return 'config';
  if (text === undefined) return undefined;
  if (looksLikeQemu(text)) return 'trace';
  // The first line that is neither blank, a comment nor a `config` line.
  for (const line of text.split('\n', 200)) {
    const word = /^\s*([^\s#]+)/.exec(line)?.[1];
    if (word === undefined || word === 'config') continue;
    if (SCRIPT_WORDS.has(word)) return 'script';
    if (TRACE_WORDS.has(word)) return 'trace';
    if (word === 'queue') return 'queue';
    break;
  }
  // A log whose lines tell nothing is taken as a trace: logs are what emulations write.
  return /\.log$/i.test(base) ? 'trace' : undefined;
}
