/** The built command line (`dist/cli.js`) as CI and users run it; shared by the CLI test files. */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { root } from './root';

export const cli = path.join(root, 'dist', 'cli.js');

/** Run `smmu ARGS…` from the repository root. */
export function smmu(...args: string[]): { code: number | null; out: string; err: string } {
  return smmuWithin(30000, ...args);
}

/**
 * Run `smmu ARGS…` under a 512 MB heap, killed after `ms`: a loop that never ends or a heap that
 * runs out fails the caller's exit-code assertion (code null, or 134) instead of hanging it.
 * `why` says what ended a run without an exit code: the time limit, or output past the 256 MiB
 * this keeps (spawnSync kills the child then, and once reported that as a timeout).
 */
export function smmuWithin(
  ms: number,
  ...args: string[]
): { code: number | null; out: string; err: string; why?: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: ms,
    maxBuffer: 256 * 1024 * 1024,
  });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    r.status !== null
      ? undefined
      : code === 'ETIMEDOUT'
        ? `killed after ${ms} ms`
        : code === 'ENOBUFS'
          ? 'killed: its output passed 256 MiB'
          : `ended by ${r.signal ?? r.error?.message ?? 'an unknown cause'}`;
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', ...(why ? { why } : {}) };
}

/** Write `text` to a file called `name` in a fresh temporary folder. */
export function tmp(name: string, text: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-cli-'));
  const p = path.join(d, name);
  fs.writeFileSync(p, text);
  return p;
}

/**
 * `smmu ARGS…` without blocking this process (a test's own server, a fake gdbstub, must keep
 * answering while the command runs); killed after `ms`.
 */
export function smmuAsync(ms: number, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', cli, ...args], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.stderr.on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
