/**
 * What core asks of the file system, and the limits on what it reads.
 *
 * Core never touches the disk itself (it compiles without Node's types): the command line, the
 * debug adapter and the language server give it a host. Every file a user did not open
 * themselves — a script's `include` and `config`, a trace's `config`, the `smmu.configuration`
 * setting — is named by the text of another file, which may come from a repository nobody has
 * reviewed. So a host reads regular files only, up to a size stated per kind, and says why it
 * refused: `include "/dev/zero"` or a FIFO must be a diagnostic on that line at once, never a
 * read that grows without end or blocks (docs/security.md).
 */

/** Why a file was not read, in words for a diagnostic (`it is not a regular file (a FIFO)`). */
export interface Unreadable {
  readonly unreadable: string;
}

/** A file's text; `undefined` is a failure with no reason given (simple hosts in tests). */
export type FileText = string | Unreadable | undefined;

/** What a file is read as: it decides the size limit. */
export type FileKind = 'script' | 'config' | 'queue' | 'trace';

const MiB = 1024 * 1024;

/**
 * Size limits, in bytes. A configuration is a few kilobytes (the largest preset is under 4 KB);
 * scripts and queue descriptors of 10,000 lines are about 400 KB; traces are read whole today,
 * and a string over about 512 MiB cannot be made at all in Node 20.
 */
export const READ_LIMITS: Readonly<Record<FileKind, number>> = {
  script: 64 * MiB,
  config: 1 * MiB,
  queue: 64 * MiB,
  trace: 256 * MiB,
};

export function formatBytes(n: number): string {
  if (n >= MiB) return `${Number.isInteger(n / MiB) ? n / MiB : (n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** The text, or undefined when the file could not be read. */
export function textOf(t: FileText): string | undefined {
  return typeof t === 'string' ? t : undefined;
}

/** `cannot read WHAT PATH` and the reason when the host gave one. */
export function cannotRead(what: string, path: string, t: FileText): string {
  const reason = typeof t === 'object' ? `: ${t.unreadable}` : '';
  return `cannot read ${what ? `${what} ` : ''}${path}${reason}`;
}

/**
 * A regular file opened for reads at any position: a trace read back a window at a time by the
 * step debugger (core/debug/trace-window.ts), never held whole. server/file-host.ts makes one.
 */
export interface RandomAccessFile {
  /** Size in bytes when opened. */
  readonly size: number;
  /** Read up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Uint8Array;
  /** The UTF-8 text of `bytes` from `start` up to `end` (core compiles without a decoder of its own). */
  text(bytes: Uint8Array, start: number, end: number): string;
  /** What identifies this version of the file (size and modification time), or why it cannot be read any more. */
  stamp(): string | Unreadable;
  close(): void;
}
