/**
 * Test-only helpers for the guest kit (core/guest/export-c.ts): the tools it needs, building the
 * bare-metal harness (test/fixtures/guest-kit/) around a kit, and booting it on QEMU with a
 * deadline. QEMU runs in its own process group, killed as a group when the deadline passes, so a
 * guest that hangs fails its test instead of hanging the suite.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { root } from './root';

export const HARNESS_DIR = path.join(root, 'test', 'fixtures', 'guest-kit');
export const CROSS_GCC = 'aarch64-linux-gnu-gcc';
export const CROSS_OBJCOPY = 'aarch64-linux-gnu-objcopy';
export const QEMU = 'qemu-system-aarch64';

/**
 * Null when `command` runs, else why not, naming the set-up script: a missing tool fails a test
 * with that message (these tests are never skipped).
 */
export function missingTool(command: string): string | null {
  const r = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0)
    return `${command} is not installed or does not run (${r.error?.message ?? `exit ${r.status}`}): run scripts/setup-qemu.sh`;
  return null;
}

/** A fresh temporary folder for one test's files. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Run a compiler (or other build tool) and return its diagnostics; throws with them when it fails. */
export function run(command: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stderr + r.stdout;
}

/** The flags the kit must compile under without a warning, on every compiler (the brief's contract). */
export const KIT_WARNINGS = [
  '-std=c99',
  '-pedantic',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wconversion',
  '-Wsign-conversion',
  '-Wshadow',
  '-Wstrict-prototypes',
  '-Wmissing-prototypes',
  '-Wcast-qual',
  '-Wwrite-strings',
];

/** Bare metal with the MMU off: no library, no FP/SIMD (CPACR_EL1 traps it), no unaligned access (memory is Device). */
const BARE_METAL = [
  '-O2',
  '-ffreestanding',
  '-nostdlib',
  '-mstrict-align',
  '-mgeneral-regs-only',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fno-pie',
  '-no-pie',
  '-static',
  '-Wl,--build-id=none',
  '-Wl,--no-warn-rwx-segments',
];

/**
 * Build the harness around `dir/kit.c`: `dir/kit.elf` (semihosting exit) or, with `psci`, also
 * `dir/kit.img`, the flat arm64 Image a Xen domU or QEMU's Linux loader boots (PSCI SYSTEM_OFF at
 * the end). The kit is compiled on its own under KIT_WARNINGS; main.c sees only its declarations.
 */
export function buildHarness(dir: string, options: { psci?: boolean } = {}): { elf: string; image?: string } {
  const exit = options.psci ? ['-DKIT_EXIT_PSCI'] : [];
  run(CROSS_GCC, [...KIT_WARNINGS, ...BARE_METAL, '-c', 'kit.c', '-o', 'kit.o'], dir);
  const elf = options.psci ? 'kit-psci.elf' : 'kit.elf';
  run(
    CROSS_GCC,
    [
      '-std=c99',
      '-Wall',
      '-Wextra',
      '-Werror',
      ...BARE_METAL,
      ...exit,
      `-I${dir}`,
      '-T',
      path.join(HARNESS_DIR, 'link.ld'),
      path.join(HARNESS_DIR, 'start.S'),
      path.join(HARNESS_DIR, 'main.c'),
      'kit.o',
      '-o',
      elf,
    ],
    dir,
  );
  if (!options.psci) return { elf: path.join(dir, elf) };
  run(CROSS_OBJCOPY, ['-O', 'binary', elf, 'kit.img'], dir);
  return { elf: path.join(dir, elf), image: path.join(dir, 'kit.img') };
}

export interface QemuResult {
  /** QEMU's exit status (null when it was killed). */
  readonly code: number | null;
  readonly timedOut: boolean;
  /** What the guest wrote to the PL011. */
  readonly serial: string;
  readonly stderr: string;
}

/**
 * Boot `kernel` on QEMU's virt machine with an SMMUv3 (issue 15's command line), the PL011 into
 * a file. `semihosting` lets the guest end QEMU with its exit status; without it the guest ends
 * with PSCI SYSTEM_OFF. Killed with its process group after `timeoutMs`.
 */
export function runQemu(kernel: string, options: { semihosting: boolean; timeoutMs?: number }): Promise<QemuResult> {
  const serialFile = path.join(path.dirname(kernel), `${path.basename(kernel)}.serial.txt`);
  fs.rmSync(serialFile, { force: true });
  const args = [
    '-M',
    'virt,iommu=smmuv3,highmem=off',
    '-cpu',
    'cortex-a57',
    '-m',
    '1G',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${serialFile}`,
    '-net',
    'none',
  ];
  if (options.semihosting) args.push('-semihosting-config', 'enable=on,target=native');
  args.push('-kernel', kernel);
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const serial = fs.existsSync(serialFile) ? fs.readFileSync(serialFile, 'utf8') : '';
      resolve({ code, timedOut, serial, stderr });
    });
  });
}
