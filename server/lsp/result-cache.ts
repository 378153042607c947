/**
 * A persisted cache of the diagnostics of full script checks, so that a script the editor opens
 * at startup (a tab restored from the last session) shows its diagnostics at once while the real
 * check runs ("stale-while-revalidate", as clangd serves its persisted index while it re-indexes).
 * docs/performance.md ("The first open after the server starts") has the figures.
 *
 * A served set is exactly what the check would publish: an entry holds a SHA-256 of everything
 * a check's result depends on (resultKey: the server's code, the document's URI and text, the
 * workspace folders, the check options), and lists every file the check read through its host
 * (configurations, includes) with the SHA-256 of what it got; a lookup reads them again through
 * the same host and uses the entry only if all match. A document has one entry (its file is named
 * by the same hash without the text), replaced by each full check. Checks whose result depends on
 * anything else (a time limit hit, the low-memory syntax-only check) are not stored (workspace.ts).
 *
 * Where: `$SMMU_RESULT_CACHE` if set (`off` disables it), else `smmu-workbench/results/` in the
 * user's cache folder (cache-files.ts), at most KEEP_RESULTS entries. An entry is read only when
 * this user alone could have written it, and carries a SHA-256 of its contents: a damaged,
 * truncated or foreign entry is ignored.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver/node';
import { READ_LIMITS, type FileKind } from '../../core/base/files';
import type { ScriptHost } from '../../core/script/check';
import { pruneOldest, readOwnFile, sha256, userCacheDir, writeAtomically } from '../cache-files';

/** Changes whenever what an entry holds, or how a key is made, changes. */
const FORMAT = 'smmu-results-2';
const MAGIC = Buffer.from('SMMURC1\n');
const HEADER = MAGIC.length + 32;
const SUFFIX = '.smmur';

/** Entries kept in the folder, most recently written first. */
export const KEEP_RESULTS = 64;
/** Larger entries are not written (a script with that many diagnostics is checked again anyway). */
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/** A file a check read through its host, and the SHA-256 of what it got (`unreadable:` and the reason's). */
export interface FileRead {
  readonly path: string;
  readonly kind: FileKind | null;
  readonly sha256: string;
}

/** What an entry holds: the files the check read and the diagnostics it published. */
export interface ResultEntry {
  readonly reads: readonly FileRead[];
  readonly diagnostics: readonly Diagnostic[];
}

function digestOf(text: ReturnType<ScriptHost['readFile']>): string {
  if (typeof text === 'string') return sha256(text).toString('hex');
  return `unreadable:${sha256(text?.unreadable ?? '').toString('hex')}`;
}

/** `host`, recording every file read through it (`reads`). */
export function recordingHost(host: ScriptHost): { host: ScriptHost; reads: FileRead[] } {
  const reads: FileRead[] = [];
  return {
    reads,
    host: {
      ...host,
      readFile: (p, kind) => {
        const text = host.readFile(p, kind);
        reads.push({ path: p, kind: kind ?? null, sha256: digestOf(text) });
        return text;
      },
    },
  };
}

/**
 * Where a check's result is kept and what it is for. `key` is a SHA-256 of everything the result
 * depends on: the server's code (code-cache.ts serverIdentity), the document's URI and text, and
 * `context` (workspace folders and every check option that changes results). `slot`, the entry's
 * file name, leaves the text out: a document has one entry, its latest check's, so editing one
 * script for an hour does not push the other scripts' entries out of the folder.
 */
export interface ResultKey {
  readonly slot: string;
  readonly key: string;
}

export function resultKey(identity: string, uri: string, text: string, context: unknown): ResultKey {
  return {
    slot: sha256(JSON.stringify([FORMAT, identity, uri, context])).toString('hex'),
    key: sha256(JSON.stringify([FORMAT, identity, uri, context, text])).toString('hex'),
  };
}

/** An entry's bytes: MAGIC, the SHA-256 of the rest, then JSON with the key it was made for. */
export function encodeEntry(key: string, entry: ResultEntry): Buffer {
  const body = Buffer.from(JSON.stringify({ key, reads: entry.reads, diagnostics: entry.diagnostics }));
  return Buffer.concat([MAGIC, sha256(body), body]);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPosition = (v: unknown) => isObject(v) && isCount(v.line) && isCount(v.character);
const isRange = (v: unknown) => isObject(v) && isPosition(v.start) && isPosition(v.end);
const isOptional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);

/** The shape toLspDiagnostic gives (diagnostics.ts), so nothing else reaches the client. */
function isDiagnostic(d: unknown): d is Diagnostic {
  return (
    isObject(d) &&
    isRange(d.range) &&
    typeof d.message === 'string' &&
    isOptional(d.severity, (s) => s === 1 || s === 2 || s === 3 || s === 4) &&
    isOptional(d.code, (c) => typeof c === 'string') &&
    isOptional(d.source, (s) => typeof s === 'string') &&
    isOptional(d.codeDescription, (c) => isObject(c) && typeof c.href === 'string') &&
    isOptional(
      d.relatedInformation,
      (r) =>
        Array.isArray(r) &&
        r.every(
          (i) =>
            isObject(i) &&
            typeof i.message === 'string' &&
            isObject(i.location) &&
            typeof i.location.uri === 'string' &&
            isRange(i.location.range),
        ),
    ) &&
    Object.keys(d).every((k) =>
      ['range', 'message', 'severity', 'code', 'source', 'codeDescription', 'relatedInformation'].includes(k),
    )
  );
}

const isRead = (r: unknown): r is FileRead =>
  isObject(r) &&
  typeof r.path === 'string' &&
  (r.kind === null || (typeof r.kind === 'string' && Object.hasOwn(READ_LIMITS, r.kind))) &&
  typeof r.sha256 === 'string' &&
  Object.keys(r).length === 3;

/** The entry in `bytes` if it is whole, undamaged and made for `key`; undefined otherwise (never throws). */
export function decodeEntry(bytes: Buffer, key: string): ResultEntry | undefined {
  if (bytes.length <= HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const body = bytes.subarray(HEADER);
  if (!sha256(body).equals(bytes.subarray(MAGIC.length, HEADER))) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(v) || v.key !== key || !Array.isArray(v.reads) || !Array.isArray(v.diagnostics)) return undefined;
  if (!v.reads.every(isRead) || !v.diagnostics.every(isDiagnostic)) return undefined;
  return { reads: v.reads, diagnostics: v.diagnostics };
}

/** The folder of the result cache, or undefined when it is off (`SMMU_RESULT_CACHE=off`) or there is no home folder. */
export function resultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return userCacheDir('SMMU_RESULT_CACHE', 'results', env);
}

export class ResultCache {
  /** Entries written, and lookups answered, by this process (smmu/serverStats). */
  stored = 0;

  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key + SUFFIX);
  }

  /**
   * The diagnostics stored for `k`, if its slot holds the entry made for its key and every file the
   * check read still reads the same through `host`; undefined otherwise, and for anything wrong
   * with the entry.
   */
  lookup(k: ResultKey, host: ScriptHost): Diagnostic[] | undefined {
    try {
      const bytes = readOwnFile(this.file(k.slot));
      const entry = bytes && decodeEntry(bytes, k.key);
      if (!entry) return undefined;
      for (const r of entry.reads)
        if (digestOf(host.readFile(r.path, r.kind ?? undefined)) !== r.sha256) return undefined;
      return [...entry.diagnostics];
    } catch {
      return undefined;
    }
  }

  /**
   * Store the entry for `k` in its slot, replacing the document's earlier one; an entry over
   * MAX_ENTRY_BYTES, or a failed write, leaves none.
   */
  store(k: ResultKey, entry: ResultEntry): void {
    try {
      const bytes = encodeEntry(k.key, entry);
      if (bytes.length > MAX_ENTRY_BYTES) {
        fs.rmSync(this.file(k.slot), { force: true });
        return;
      }
      writeAtomically(this.file(k.slot), bytes);
      pruneOldest(this.dir, SUFFIX, KEEP_RESULTS);
      this.stored++;
    } catch {
      // A result that cannot be stored only costs the next start its head start.
    }
  }
}
