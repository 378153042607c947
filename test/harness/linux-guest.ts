/**
 * The Linux guest of docs/inspect.md "A Linux guest": Debian's arm64 kernel (its arm-smmu-v3
 * driver built in) on QEMU 7.2's virt machine with the SMMUv3, a virtio-net PCI function behind
 * it (StreamID 8, slot 1 of bus 0) and the initramfs of scripts/setup-linux-guest.mjs, whose /init
 * loads the virtio-net driver and prints READY. The gdbstub listens on a free loopback port; the
 * trace (`-trace smmuv3_*`) and the UART are files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startQemu, type LiveGuest } from './live-guest';
import { root } from './root';

/** What /init prints once the modules are loaded, or when one failed (scripts/linux-guest/init.c). */
export const LINUX_READY = 'smmu-linux-guest: READY';
export const LINUX_FAILED = 'smmu-linux-guest: FAILED';

/** The PCI function's StreamID: its requester ID, bus 0 device 1 function 0 (QEMU virt's identity iommu-map). */
export const VIRTIO_NET_SID = 0x08;

/**
 * The folder with `Image` and `initramfs.cpio.gz`, prepared by the setup script when it is not
 * there yet (a download from Debian's archive, see the script), as `npm test` does beforehand.
 */
export function linuxGuestDir(): string {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/setup-linux-guest.mjs')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `scripts/setup-linux-guest.mjs failed:\n${r.stderr}${r.error?.message ?? ''}`);
  return r.stdout.trim();
}

/** QEMU's command line, as docs/inspect.md "A Linux guest" shows it. */
export function linuxGuestArgs(guest: string, uart: string, trace: string, port: number): string[] {
  return [
    '-M',
    'virt,iommu=smmuv3',
    '-cpu',
    'cortex-a57',
    '-m',
    '512M',
    '-nodefaults',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${uart}`,
    // The device's DMA goes through the SMMU only when virtio uses the DMA API: iommu_platform
    // offers VIRTIO_F_ACCESS_PLATFORM. No option ROM (Debian's QEMU has none for aarch64).
    '-device',
    'virtio-net-pci,disable-legacy=on,iommu_platform=on,romfile=,addr=01.0',
    '-kernel',
    path.join(guest, 'Image'),
    '-initrd',
    path.join(guest, 'initramfs.cpio.gz'),
    '-append',
    'console=ttyAMA0 panic=-1',
    '-trace',
    'smmuv3_*',
    '-D',
    trace,
    '-gdb',
    `tcp:127.0.0.1:${port}`,
  ];
}

export async function bootLinuxGuest(timeoutMs = 180_000): Promise<LiveGuest> {
  const guest = linuxGuestDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-linux-'));
  const uart = path.join(dir, 'uart.txt');
  const trace = path.join(dir, 'qemu-trace.log');
  fs.writeFileSync(uart, '');
  const port = await freePort();
  const args = linuxGuestArgs(guest, uart, trace, port);
  return startQemu({
    args,
    dir,
    uart,
    trace,
    port,
    ready: LINUX_READY,
    failure: LINUX_FAILED,
    timeoutMs,
    what: 'the Linux guest',
  });
}
