/**
 * The one way the command line, the debug adapter and the language server read a file a user's
 * text names (core/base/files.ts says why): regular files only, up to the limit of their kind.
 *
 * The file is opened without blocking and checked through the open descriptor, so a FIFO with no
 * writer, a device or a folder is refused at once, and a file swapped for something else between
 * a check and the read is still caught. At most limit + 1 bytes are read: a file that grows while
 * it is read cannot make us hold more than that.
 */
import * as fs from 'fs';
import { formatBytes, READ_LIMITS, type FileKind, type RandomAccessFile, type Unreadable } from '../core/base/files';

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ELOOP') return 'too many symbolic links';
  return code ? `error ${code}` : String(e);
}

const KIND_WORDS: Record<FileKind, string> = {
  script: 'scripts',
  config: 'configurations',
  queue: 'queue descriptors',
  trace: 'traces',
};

export function readTextFile(path: string, kind: FileKind = 'script'): string | Unreadable {
  const limit = READ_LIMITS[kind];
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer (forever).
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { unreadable: reasonOf(e) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { unreadable: `it is not a regular file (${kindOf(st)})` };
    const tooLarge = (size: string) => ({
      unreadable: `it is ${size}, over the ${formatBytes(limit)} limit for ${KIND_WORDS[kind]}`,
    });
    if (st.size > limit) return tooLarge(formatBytes(st.size));
    const buf = Buffer.allocUnsafe(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) return tooLarge(`larger than it was when opened`);
      const got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.toString('utf8', 0, n);
  } catch (e) {
    return { unreadable: reasonOf(e) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Open a file to stream it (a trace of any size, `smmu replay`): a regular file only, checked as
 * readTextFile checks it, with no size limit since it is read a piece at a time. The caller closes
 * the descriptor (a read stream given it does).
 */
export function openForStreaming(path: string): { fd: number; size: number } | Unreadable {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { unreadable: reasonOf(e) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      fs.closeSync(fd);
      return { unreadable: `it is not a regular file (${kindOf(st)})` };
    }
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    return { unreadable: reasonOf(e) };
  }
}

/**
 * Open a regular file for reads at any position (the debugger's windowed trace): the stamp is its
 * size and modification time, read again through the open descriptor and by path, so a file
 * rewritten, truncated or replaced (a new file under the same name) is seen at the next read.
 */
export function openRandomAccess(path: string): RandomAccessFile | Unreadable {
  const opened = openForStreaming(path);
  if ('unreadable' in opened) return opened;
  const { fd, size } = opened;
  let closed = false;
  // Nanoseconds: a file rewritten to the same size within the millisecond is still seen.
  const stampOf = (st: fs.BigIntStats) =>
    `${st.size.toLocaleString('en-US')} bytes, modified ${st.mtime.toISOString()} (${st.mtimeNs % 1_000_000n} ns)`;
  return {
    size,
    read(position, length) {
      const buf = Buffer.allocUnsafe(length);
      const got = fs.readSync(fd, buf, 0, length, position);
      return buf.subarray(0, got);
    },
    text(bytes, start, end) {
      const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return b.toString('utf8', start, end);
    },
    stamp() {
      try {
        const a = fs.fstatSync(fd, { bigint: true });
        const b = fs.statSync(path, { bigint: true });
        if (a.ino !== b.ino || a.dev !== b.dev) return { unreadable: 'it was replaced by another file' };
        return stampOf(a);
      } catch (e) {
        return { unreadable: reasonOf(e) };
      }
    },
    close() {
      if (!closed) fs.closeSync(fd);
      closed = true;
    },
  };
}
