/**
 * The fuzzers' input: the repository's real files of every type (examples/, presets/,
 * test/fixtures/, the VS Code suite's workspace), mutated the ways that broke us or could
 * (issue 14): control characters, U+2028, lone surrogates, a BOM, random code units, truncation,
 * 20,000-character lines, 40-digit hex literals, inserted, deleted and duplicated lines.
 *
 * A mutation is plain data (JSON), so a failing case prints as the file it started from and the
 * mutations applied to it, and replays exactly.
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { root } from '../harness/root';

/** The file types the tools read; `qemu` is a QEMU `-trace smmuv3_*` log. */
export type FileKind = 'script' | 'queue' | 'trace' | 'qemu' | 'config';
export const FILE_KINDS: readonly FileKind[] = ['script', 'queue', 'trace', 'qemu', 'config'];

/** The name a mutated file of each kind gets, so every tool takes it for that kind. */
export const KIND_SUFFIX: Record<FileKind, string> = {
  script: '.smmu',
  queue: '.smmuq',
  trace: '.smmutrace',
  qemu: '.qemu-7.2.log',
  config: '.smmu.json',
};

export interface SeedFile {
  readonly kind: FileKind;
  /** Path relative to the repository root, e.g. `examples/linux-bringup.smmu`. */
  readonly name: string;
  readonly text: string;
}

const FOLDERS = ['examples', 'presets', 'test/fixtures', 'test/vscode/workspace'];

function kindOf(file: string): FileKind | undefined {
  if (file.endsWith('.smmu.json')) return 'config';
  if (file.endsWith('.smmu')) return 'script';
  if (file.endsWith('.smmuq')) return 'queue';
  if (file.endsWith('.smmutrace')) return 'trace';
  if (file.endsWith('.log')) return 'qemu';
  return undefined;
}

let cached: SeedFile[] | undefined;

/** Every file of a known kind below the corpus folders, sorted by name (the order seeds rely on). */
export function corpus(): readonly SeedFile[] {
  if (cached) return cached;
  const out: SeedFile[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else {
        const kind = kindOf(e.name);
        if (kind) out.push({ kind, name: r, text: fs.readFileSync(path.join(root, r), 'utf8') });
      }
    }
  };
  for (const f of FOLDERS) walk(f);
  cached = out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const k of FILE_KINDS)
    if (!cached.some((s) => s.kind === k)) throw new Error(`no ${k} file in ${FOLDERS.join(', ')}`);
  return cached;
}

/**
 * One edit. Positions are taken modulo the text's length (or line count) when applied, so any
 * mutation applies to any file.
 */
export type Mutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'deleteLine'; readonly line: number }
  | { readonly op: 'duplicateLine'; readonly line: number }
  | { readonly op: 'insertLine'; readonly line: number; readonly text: string }
  /** Replace the n-th number (`0x…` or decimal) with `text`: a 40-digit literal where one is expected. */
  | { readonly op: 'replaceNumber'; readonly n: number; readonly text: string }
  /**
   * Replace the n-th word (a name, a keyword, a JSON key or string) with `text`: the names every
   * object inherits (`constructor`, `__proto__`), which a lookup in a plain object finds although
   * no table holds them (`cmd SYNC constructor=1` once stopped the model with an internal error).
   */
  | { readonly op: 'replaceWord'; readonly n: number; readonly text: string }
  /**
   * The whole text `times` times, one after the other: a file long enough that its checks run in
   * several slices of lines (the language server's first check publishes what it found so far).
   */
  | { readonly op: 'repeat'; readonly times: number };

/** Characters that broke, or could break, a tokenizer or a position computation. */
export const NASTY = [
  '\f',
  '\v',
  '\0',
  '\x1b',
  '\u2028',
  '\u2029',
  '\uD800',
  '\uDC00',
  '\uFEFF',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u0085',
  '\u00A0',
  '\x7f',
  '"',
  '#',
  '\\',
  '0x',
  '_',
  '=',
  '(',
  '~',
];

const hexDigits = (n: number) =>
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: n, maxLength: n }).map((d) => d.join(''));

/** Literals where a number is expected: 40 hex digits, too wide, no digits, huge decimals. */
const badNumber = fc.oneof(
  hexDigits(40).map((d) => '0x' + d),
  hexDigits(17).map((d) => '0x' + d),
  fc.constantFrom(
    '0x',
    '0x_',
    '0b',
    '_',
    '0xFFFF_FFFF_FFFF_FFFF',
    '0x1_0000_0000_0000_0000',
    '99999999999999999999999',
    '-1',
    '1e400',
    'NaN',
    '0x-1',
    '0x1g',
  ),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => '0x' + v.toString(16)),
);

/** Names an object literal answers to without holding them (Object.prototype's), in the cases scripts and logs use. */
export const INHERITED_NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  'CONSTRUCTOR',
  'Constructor',
  '__PROTO__',
  'prototype',
];

/** Random UTF-16 code units (lone surrogates included) and random bytes read as Latin-1. */
const randomUnits = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 12 }).map((a) => String.fromCharCode(...a)),
  fc.array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 12 }).map((a) => String.fromCharCode(...a)),
);

/** A 20,000-character line of one repeated piece: plain, deeply nested, or one endless token. */
const longLine = fc
  .constantFrom(
    'A',
    '0',
    'f',
    ' ',
    '\t',
    '(',
    '~',
    '-',
    'SMMUEN|',
    '0x1 ',
    '"',
    '#',
    '[',
    '{',
    '{"a":',
    'R 0x0 4 0x0 ',
    'smmuv3_',
    '\f',
  )
  .map((piece) => piece.repeat(Math.ceil(20000 / piece.length)).slice(0, 20000));

/** Single characters most often: one of them is enough to break a tokenizer (issue 14's form feed). */
export const insertText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: randomUnits },
  { weight: 1, arbitrary: badNumber },
  { weight: 1, arbitrary: longLine },
);

/** Mutations; `lines` are whole lines from any corpus file (a trace line in a script, JSON in a trace…). */
export function mutation(lines: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: insertText }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('insert' as const),
        at: fc.constant(0),
        text: fc.constantFrom('\uFEFF', '\uFEFF\uFEFF', '\uD800', '\r', '\n'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteLine' as const), line: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicateLine' as const), line: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('insertLine' as const),
        line: fc.nat(),
        text: fc.oneof(fc.constantFrom(...lines), longLine),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('replaceNumber' as const), n: fc.nat(), text: badNumber }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('replaceWord' as const),
        n: fc.nat(),
        text: fc.constantFrom(...INHERITED_NAMES),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 8 }) }),
    },
  );
}

/** Line breaks as LSP counts them; kept with their line so joining gives the text back. */
function splitKeepingBreaks(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

const NUMBER = /0x[0-9a-f_]*|\b[0-9][0-9_]*/gi;
/** Words: what a name, keyword, field, enum value, JSON key or trace event is spelled with. */
const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;

export function applyMutation(text: string, m: Mutation): string {
  switch (m.op) {
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'deleteLine':
    case 'duplicateLine':
    case 'insertLine': {
      const lines = splitKeepingBreaks(text);
      const i = m.line % (lines.length + (m.op === 'insertLine' ? 1 : 0) || 1);
      if (m.op === 'deleteLine') lines.splice(i, 1);
      else if (m.op === 'duplicateLine') {
        const l = lines[i] ?? '';
        lines.splice(i, 0, /[\r\n]$/.test(l) ? l : l + '\n');
      } else lines.splice(i, 0, m.text + '\n');
      return lines.join('');
    }
    case 'replaceNumber': {
      const found = [...text.matchAll(NUMBER)];
      const hit = found[m.n % (found.length || 1)];
      if (!hit || hit.index === undefined) return text + m.text;
      return text.slice(0, hit.index) + m.text + text.slice(hit.index + hit[0].length);
    }
    case 'replaceWord': {
      const found = [...text.matchAll(WORD)];
      const hit = found[m.n % (found.length || 1)];
      if (!hit || hit.index === undefined) return text + m.text;
      return text.slice(0, hit.index) + m.text + text.slice(hit.index + hit[0].length);
    }
    case 'repeat':
      // At most 2 MB, so that several repeats of a long line stay a case of seconds.
      return Array.from({ length: m.times }, () => text)
        .join(/[\r\n]$/.test(text) ? '' : '\n')
        .slice(0, 2_000_000);
  }
}

export function applyMutations(text: string, ms: readonly Mutation[]): string {
  return ms.reduce(applyMutation, text);
}

/** A corpus file, its mutations, and the resulting text. */
export interface MutatedFile {
  readonly seed: SeedFile;
  readonly mutations: readonly Mutation[];
  readonly text: string;
}

/** Mutated files of the given kinds: one to four mutations of one corpus file. */
export function mutatedFile(kinds: readonly FileKind[] = FILE_KINDS): fc.Arbitrary<MutatedFile> {
  const files = corpus();
  const seeds = files.filter((s) => kinds.includes(s.kind));
  const lines = [...new Set(files.flatMap((s) => s.text.split(/\r\n|\r|\n/)).filter((l) => l.trim()))];
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation(lines), { minLength: 1, maxLength: 4 }))
    .map(([seed, mutations]) => ({ seed, mutations, text: applyMutations(seed.text, mutations) }));
}

/** How a failing case prints: where it came from and what was done to it (the text is derived). */
export function describeCase(c: MutatedFile): string {
  const cut = (s: string) =>
    s.length > 80 ? `${JSON.stringify(s.slice(0, 40))}…(${s.length} chars)` : JSON.stringify(s);
  return `${c.seed.name} with ${c.mutations
    .map(
      (m) =>
        `${m.op}(${Object.entries(m)
          .filter(([k]) => k !== 'op')
          .map(([k, v]) => `${k}=${typeof v === 'string' ? cut(v) : String(v)}`)
          .join(', ')})`,
    )
    .join(', ')}`;
}
