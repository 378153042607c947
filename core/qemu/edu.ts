/**
 * DMA on QEMU's virt machine through the `edu` PCI device (QEMU's hw/misc/edu.c,
 * docs/specs/edu.rst): what a script's `dma` statement becomes in the guest program.
 *
 * The SMMU sits in front of the PCIe root complex only, and a PCI function's StreamID is its
 * requester ID (bus << 8 | devfn) through the identity `iommu-map` of virt's device tree. So a
 * `dma sid=N` runs on an edu device placed at devfn N of bus 0 (slot N >> 3, function N & 7; slot
 * 0 is the host bridge). The guest finds it over the low ECAM (the runner starts QEMU with
 * `highmem=off`), gives BAR0 an address in the 32-bit MMIO window, enables memory space and bus
 * mastering, and then programs one edu transfer per statement.
 *
 * A transfer moves at most 8 bytes and never crosses an aligned doubleword (so never a page): the
 * model's transaction is one access at the IOVA, and the transfer is one small access there too.
 * Addresses are facts of hw/arm/virt.c's base_memmap (QEMU 7.2): ECAM 0x3F00_0000 (16 MiB), PCIe
 * MMIO 0x1000_0000 (0x2EFF_0000 bytes).
 */

/** The low PCIe ECAM of the virt machine: bus 0 function F of slot S at + (S << 15 | F << 12). */
export const VIRT_PCIE_ECAM = 0x3f00_0000n;
/** The virt machine's 32-bit PCIe MMIO window, where BAR0 of each edu device goes. */
export const VIRT_PCIE_MMIO = 0x1000_0000n;

/** PCI configuration space (PCI Local Bus 3.0, §6.1): the identification dword, Command, BAR0. */
export const PCI_ID = 0x00;
export const PCI_COMMAND = 0x04;
export const PCI_BAR0 = 0x10;
/** Command register: Memory Space Enable (bit 1) and Bus Master Enable (bit 2). */
export const PCI_COMMAND_MEMORY_MASTER = 0x6n;

/** edu's identification in configuration space: device 0x11E8, vendor 0x1234 (PCI_VENDOR_ID_QEMU). */
export const EDU_PCI_ID = 0x11e8_1234n;
/** BAR0 is 1 MiB of registers. */
export const EDU_BAR_BYTES = 0x10_0000n;
/** BAR0 + 0x00, the identification register: 0x010000ED (version 1.0). */
export const EDU_IDENT = 0x0100_00edn;
/** BAR0 offsets of the DMA registers: source, destination, count (64-bit each), command. */
export const EDU_DMA_SRC = 0x80n;
export const EDU_DMA_DST = 0x88n;
export const EDU_DMA_COUNT = 0x90n;
export const EDU_DMA_CMD = 0x98n;
/** Command bits: start (reads 1 until the transfer is done), direction 1 = buffer to RAM. */
export const EDU_CMD_START = 0x1n;
export const EDU_CMD_TO_RAM = 0x2n;
/** The device's 4 KiB buffer as the DMA registers address it. */
export const EDU_BUFFER = 0x4_0000n;
/**
 * Where in the buffer a transfer goes. `dma write` (the device writes memory) sends bytes no
 * transfer ever filled: the buffer starts as zeros (QEMU zeroes a device's state when it creates
 * it), so the memory the write lands on reads as zero afterwards.
 */
export const EDU_BUFFER_FROM_RAM = 0x000n;
export const EDU_BUFFER_TO_RAM = 0x800n;

/**
 * Loads of the command register before a transfer is given up: the device starts a transfer from
 * a timer 100 ms of virtual time after the start bit (edu.c, dma_rw). QEMU 7.2 made about 820,000
 * loads in those 100 ms here (one load about 0.12 µs; QEMU's virtual clock follows the host's, so
 * a busy host makes fewer), so this is over ten times what a transfer needs, and a device that
 * never finishes costs about 1.5 s; the run's own time limit still bounds the whole program.
 */
export const EDU_POLL_LOADS = 10_000_000;

/** The most one statement transfers: an aligned doubleword, the piece a guest reads back in one load. */
export const DMA_MAX_BYTES = 8;

/** A physical range outside RAM that the program accesses (a function's ECAM page, a BAR). */
export interface PhysWindow {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

/** One edu device of the run, at the devfn its StreamID names. */
export interface EduDevice {
  readonly sid: number;
  readonly slot: number;
  readonly fn: number;
  /** Where BAR0 is put (in the MMIO window). */
  readonly bar: bigint;
  /** Function 0 of a slot with other functions: QEMU refuses those unless function 0 says multifunction. */
  readonly multifunction: boolean;
}

/** The StreamIDs a device on bus 0 can have: devfn 8 (slot 1) to 255; slot 0 is the host bridge. */
export const EDU_FIRST_SID = 8;
export const EDU_LAST_SID = 255;

/** Why a StreamID has no device on the machine, or undefined when an edu device can take it. */
export function sidUnreachable(sid: number): string | undefined {
  if (sid >= EDU_FIRST_SID && sid <= EDU_LAST_SID) return undefined;
  if (sid < EDU_FIRST_SID)
    return `StreamID ${sid} is the requester ID of slot 0 of PCI bus 0, QEMU's host bridge, which masters no DMA (edu devices take StreamIDs ${EDU_FIRST_SID}–${EDU_LAST_SID})`;
  return `no device can take StreamID ${sid} (0x${sid.toString(16).toUpperCase()}): it is a requester ID behind a PCI bridge (bus ${sid >> 8}), and the edu devices sit on bus 0 (StreamIDs ${EDU_FIRST_SID}–${EDU_LAST_SID})`;
}

/**
 * The devices for the StreamIDs in order of first use: BAR0s 1 MiB apart from the window's start
 * (248 StreamIDs at most: 248 MiB of the 0x2EFF_0000-byte window).
 */
export function eduDevices(sids: readonly number[]): EduDevice[] {
  const slotsWithOthers = new Set(sids.filter((s) => (s & 7) !== 0).map((s) => s >> 3));
  return sids.map((sid, k) => ({
    sid,
    slot: sid >> 3,
    fn: sid & 7,
    bar: VIRT_PCIE_MMIO + BigInt(k) * EDU_BAR_BYTES,
    multifunction: (sid & 7) === 0 && slotsWithOthers.has(sid >> 3),
  }));
}

/** QEMU's `-device` argument for `d`: its bus address, and a DMA mask that clamps no address. */
export function eduDeviceArg(d: EduDevice): string {
  return `edu,addr=${d.slot.toString(16).padStart(2, '0')}.${d.fn},dma_mask=0xffffffffffffffff${d.multifunction ? ',multifunction=on' : ''}`;
}

/** The ECAM address of a function's configuration register. */
export function configAddress(d: EduDevice, offset: number): bigint {
  return VIRT_PCIE_ECAM + (BigInt(d.sid) << 12n) + BigInt(offset);
}

/** The ECAM page and BAR0 of a device: the program's accesses outside RAM. */
export function deviceWindows(d: EduDevice): PhysWindow[] {
  const ecam = configAddress(d, 0);
  return [
    { start: ecam, end: ecam + 0x1000n },
    { start: d.bar, end: d.bar + EDU_BAR_BYTES },
  ];
}

/** Bytes a transfer at `iova` moves: up to the end of its aligned doubleword. */
export function transferBytes(iova: bigint): number {
  return DMA_MAX_BYTES - Number(iova % BigInt(DMA_MAX_BYTES));
}
