#!/usr/bin/env node
// Prepares the Linux guest of docs/inspect.md "A Linux guest" and test/cli/inspect-linux.test.ts:
// Debian's arm64 cloud kernel (its arm-smmu-v3 driver is built in) and an initramfs whose /init
// (scripts/linux-guest/init.c) loads the virtio-net PCI driver and idles.
//
// Only Debian's archive is used, through apt-get with a private state in the cache folder (its
// own sources list, arm64 only): the system's apt configuration and dpkg architectures are not
// touched, and root is not needed. Needs apt-get, dpkg-deb and aarch64-linux-gnu-gcc (installed
// by scripts/setup-qemu.sh).
//
// The folder: $SMMU_LINUX_GUEST_DIR, else linux-guest in the cache of scripts/vscode-test/setup.sh
// ($XDG_CACHE_HOME/smmu-workbench, ~/.cache/smmu-workbench), shared by the clones of a user.
// Idempotent: when the folder holds a finished guest (guest.json), nothing is downloaded. The
// kernel is the one `linux-image-cloud-arm64` of bookworm (with its security updates) depends on
// the day of the first run; delete the folder to take a newer one.
// About 22 MB downloaded (the kernel package) and 10 MB of package lists; the folder keeps
// about 35 MB (Image, initramfs, the kernel's config). See docs/inspect.md for measured times.
//
// Usage: node scripts/setup-linux-guest.mjs [--print-dir]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(
  process.env.SMMU_LINUX_GUEST_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'smmu-workbench', 'linux-guest'),
);
const MIRROR = process.env.SMMU_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
const SECURITY = process.env.SMMU_DEBIAN_SECURITY || 'http://deb.debian.org/debian-security';
const SUITE = 'bookworm';
const META = 'linux-image-cloud-arm64';
/** The PCI device's driver (QEMU's -device virtio-net-pci), loaded by /init with what it depends on. */
const MODULES = ['virtio_pci', 'virtio_net'];

const say = (s) => process.stderr.write(`[setup-linux-guest] ${s}\n`);
const fail = (s) => {
  say(s);
  process.exit(1);
};

if (process.argv.includes('--print-dir')) {
  process.stdout.write(`${dir}\n`);
  process.exit(0);
}

const manifest = path.join(dir, 'guest.json');
const initSource = path.join(repo, 'scripts/linux-guest/init.c');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
// The initramfs is rebuilt when /init's source changes (it is built from the modules kept here).
const initHash = sha256(fs.readFileSync(initSource));
const previous = fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')) : undefined;
const have = (f) => fs.existsSync(path.join(dir, f));
const kernelReady =
  previous?.modules?.every((m) => have(`modules/${m}.ko`)) && have('Image') && have(`config-${previous.release}`);
if (kernelReady && previous.initramfs?.init === initHash && have('initramfs.cpio.gz')) {
  process.stdout.write(`${dir}\n`);
  process.exit(0);
}

const started = Date.now();
const need = (tools) => {
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      fail(`${tool} is missing: this needs a Debian system with scripts/setup-qemu.sh's packages`);
    }
  }
};
need(['aarch64-linux-gnu-gcc', ...(kernelReady ? [] : ['apt-get', 'apt-cache', 'dpkg-deb'])]);
// Two runs at once (two clones' tests) each use their own work folder and replace files whole.
const work = path.join(dir, `work-${process.pid}`);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
/** Write a file of the folder through a temporary name: a reader sees the old file or the new one. */
const writeWhole = (name, data) => {
  const tmp = path.join(work, 'out');
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, path.join(dir, name));
};
const run = (cmd, args, cwd = work) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    fail(`${cmd} ${args.filter((a) => !a.includes('::')).join(' ')} failed:\n${e.stderr || e.message}`);
  }
};

const kernel = kernelReady ? previous : downloadKernel();
const initramfs = buildInitramfs(kernel.modules);
writeWhole('initramfs.cpio.gz', initramfs);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const { initramfs: _, ...kernelFacts } = kernel;
writeWhole('guest.json', `${JSON.stringify({ ...kernelFacts, initramfs: { bytes: initramfs.length, init: initHash } }, null, 2)}\n`);
fs.rmSync(work, { recursive: true, force: true });
say(
  `${kernel.package} ${kernel.version}: Image ${(kernel.image.bytes / 2 ** 20).toFixed(1)} MiB, ` +
    `initramfs ${(initramfs.length / 1024).toFixed(0)} KiB (${kernel.modules.join(', ')})` +
    `${kernelReady ? '' : `, from a ${(kernel.deb.bytes / 2 ** 20).toFixed(1)} MiB package`}: ${seconds} s`,
);
process.stdout.write(`${dir}\n`);

/** Download the kernel package; keep its Image, its config and the modules /init loads. */
function downloadKernel() {
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  if (!fs.existsSync(keyring)) fail(`${keyring} is missing (Debian package debian-archive-keyring)`);
  for (const d of ['apt/lists/partial', 'apt/cache/archives/partial', 'sources.list.d', 'download', 'deb'])
    fs.mkdirSync(path.join(work, d), { recursive: true });
  fs.writeFileSync(path.join(work, 'apt/status'), '');
  fs.writeFileSync(
    path.join(work, 'sources.list'),
    `deb [arch=arm64 signed-by=${keyring}] ${MIRROR} ${SUITE} main\n` +
      `deb [arch=arm64 signed-by=${keyring}] ${SECURITY} ${SUITE}-security main\n`,
  );
  // apt with a private state: its own lists, cache, status and sources, arm64 only.
  const inWork = (f) => path.join(work, f);
  const aptOptions = [
    ['Dir::State::Lists', inWork('apt/lists')],
    ['Dir::State::status', inWork('apt/status')],
    ['Dir::Cache', inWork('apt/cache')],
    ['Dir::Etc::SourceList', inWork('sources.list')],
    ['Dir::Etc::SourceParts', inWork('sources.list.d')],
    ['APT::Architecture', 'arm64'],
    ['APT::Architectures::', 'arm64'],
    ['Acquire::Languages', 'none'],
    // As root, apt would download as the _apt user, who may not write this folder (apt then warns).
    ['APT::Sandbox::User', 'root'],
  ].flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  say(`apt-get update (arm64 package lists of ${SUITE} and ${SUITE}-security from ${MIRROR}, ${SECURITY})`);
  run('apt-get', ['-q', ...aptOptions, 'update']);
  const depends = run('apt-cache', [...aptOptions, 'depends', META]);
  const pkg = /Depends: (linux-image-[\w.+-]+)/.exec(depends)?.[1];
  if (!pkg) fail(`${META} names no kernel package:\n${depends}`);
  const version = /^Version: (.*)$/m.exec(run('apt-cache', [...aptOptions, 'show', pkg]))?.[1] ?? '?';
  say(`apt-get download ${pkg} (${version})`);
  run('apt-get', ['-q', ...aptOptions, 'download', pkg], path.join(work, 'download'));
  const debName = fs.readdirSync(path.join(work, 'download')).find((f) => f.endsWith('.deb'));
  if (!debName) fail(`apt-get download left no .deb in ${path.join(work, 'download')}`);
  const debPath = path.join(work, 'download', debName);
  run('dpkg-deb', ['-x', debPath, path.join(work, 'deb')]);

  const boot = path.join(work, 'deb/boot');
  const release = fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))?.slice('vmlinuz-'.length);
  if (!release) fail(`${debName} has no /boot/vmlinuz-*`);
  const image = rawImage(fs.readFileSync(path.join(boot, `vmlinuz-${release}`)), release);
  const config = fs.readFileSync(path.join(boot, `config-${release}`), 'utf8');
  if (!/^CONFIG_ARM_SMMU_V3=y$/m.test(config))
    fail(`${pkg}: the arm-smmu-v3 driver is not built in (${/^.*CONFIG_ARM_SMMU_V3\b.*$/m.exec(config)?.[0]})`);

  const byName = new Map();
  const index = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) index(p);
      else if (e.name.endsWith('.ko')) byName.set(e.name.slice(0, -3).replace(/-/g, '_'), p);
    }
  };
  index(path.join(work, 'deb/lib/modules', release));
  if (byName.size === 0)
    fail(`${pkg}: no uncompressed .ko under lib/modules/${release} (compressed modules are not handled)`);
  // The modules in load order: each after the ones its .modinfo "depends" names.
  const order = [];
  const visit = (name, chain) => {
    if (order.includes(name)) return;
    if (chain.includes(name)) fail(`module dependency cycle: ${[...chain, name].join(' → ')}`);
    const file = byName.get(name);
    if (!file) fail(`${pkg} has no module ${name}.ko (needed by ${chain.at(-1) ?? '/init'})`);
    for (const dep of (modinfo(fs.readFileSync(file)).get('depends') ?? '').split(',').filter(Boolean))
      visit(dep.replace(/-/g, '_'), [...chain, name]);
    order.push(name);
  };
  for (const m of MODULES) visit(m, []);

  fs.mkdirSync(path.join(dir, 'modules'), { recursive: true });
  for (const m of order) writeWhole(`modules/${m}.ko`, fs.readFileSync(byName.get(m)));
  writeWhole('Image', image);
  writeWhole(`config-${release}`, config);
  return {
    package: pkg,
    version,
    release,
    deb: { file: debName, bytes: fs.statSync(debPath).size },
    image: { bytes: image.length, sha256: sha256(image) },
    modules: order,
    downloadedIn: `${((Date.now() - started) / 1000).toFixed(1)} s`,
  };
}

/**
 * QEMU's -kernel takes the arm64 Image, raw or gzipped (hw/arm/boot.c). Debian 12's kernels are
 * raw Images ("ARM\x64" at 0x38, Documentation/arm64/booting.rst); later kernels built with
 * CONFIG_EFI_ZBOOT are an EFI application carrying the compressed Image ("zimg" at 4).
 */
function rawImage(buf, release) {
  const isImage = (b) => b.length > 0x40 && b.readUInt32LE(0x38) === 0x644d5241;
  if (isImage(buf)) return buf;
  if (buf[0] === 0x1f && buf[1] === 0x8b) return rawImage(zlib.gunzipSync(buf), release);
  if (buf.toString('latin1', 4, 8) === 'zimg') {
    const offset = buf.readUInt32LE(8);
    const size = buf.readUInt32LE(12);
    const kind = buf.toString('latin1', 24, 32).replace(/\0.*$/s, '');
    if (kind === 'gzip') return rawImage(zlib.gunzipSync(buf.subarray(offset, offset + size)), release);
    fail(`the kernel is an EFI zboot image compressed with ${kind}: decompress it yourself`);
  }
  fail(`vmlinuz-${release} is neither an arm64 Image nor a gzip or EFI zboot image of one`);
}
/** The `.modinfo` strings of a module: key=value, NUL-separated (ELF64 little-endian section headers). */
function modinfo(buf) {
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  const sh = (i) => {
    const o = shoff + i * shentsize;
    return { name: buf.readUInt32LE(o), off: Number(buf.readBigUInt64LE(o + 0x18)), size: Number(buf.readBigUInt64LE(o + 0x20)) };
  };
  const strtab = sh(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const n = buf.toString('latin1', strtab.off + s.name, buf.indexOf(0, strtab.off + s.name));
    if (n === '.modinfo') {
      const info = new Map();
      for (const kv of buf.toString('latin1', s.off, s.off + s.size).split('\0')) {
        const eq = kv.indexOf('=');
        if (eq > 0) info.set(kv.slice(0, eq), kv.slice(eq + 1));
      }
      return info;
    }
  }
  return new Map();
}

/** /init built from scripts/linux-guest/init.c, with the modules (in load order) and the list it reads. */
function buildInitramfs(modules) {
  say('building /init (scripts/linux-guest/init.c) and the initramfs');
  const initPath = path.join(work, 'init');
  run('aarch64-linux-gnu-gcc', [
    '-static',
    '-nostdlib',
    '-ffreestanding',
    '-fno-stack-protector',
    '-O2',
    '-s',
    '-Wl,--build-id=none',
    '-o',
    initPath,
    initSource,
  ]);
  const files = modules.map((m) => `lib/modules/${m}.ko`);
  return cpio([
    { name: 'dev', mode: 0o040755 },
    // The console the kernel opens for /init's standard streams (character device 5:1).
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'lib', mode: 0o040755 },
    { name: 'lib/modules', mode: 0o040755 },
    ...modules.map((m, i) => ({ name: files[i], mode: 0o100644, data: fs.readFileSync(path.join(dir, 'modules', `${m}.ko`)) })),
    { name: 'modules', mode: 0o100644, data: Buffer.from(files.map((f) => `/${f}\n`).join('')) },
    { name: 'init', mode: 0o100755, data: fs.readFileSync(initPath) },
  ]);
}

/** An initramfs: a "newc" cpio archive (the kernel's Documentation/driver-api/early-userspace/buffer-format.rst), gzipped. */
function cpio(entries) {
  const parts = [];
  let ino = 1;
  const pad4 = (n) => (4 - (n % 4)) % 4;
  const push = (name, mode, data = Buffer.alloc(0), rdev = [0, 0]) => {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
    const header = `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
    const head = Buffer.from(`${header}${name}\0`, 'latin1');
    parts.push(head, Buffer.alloc(pad4(head.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) push(e.name, e.mode, e.data, e.rdev);
  push('TRAILER!!!', 0);
  return zlib.gzipSync(Buffer.concat(parts), { level: 9 });
}
