/**
 * A script as a guest program: the operations (core/guest/ops.ts) a driver would perform to do
 * what the script says, found by running the script on the reference model and recording what the
 * driver's side of each statement did. Register statements are their own MMIO access; `mem`,
 * `cmd`, `ste`, `cd`, `l1std`, `l1cd` and `map` are the bytes the model wrote to guest memory for
 * them (the STE, the command, the table descriptors: the same bytes on QEMU as in the model);
 * `doorbell` is the PROD write the model made; `poll` a bounded loop; `expect event` reads the
 * event record where the model wrote it, `expect msi` the word at the MSI's address; `dma` is a
 * transfer of QEMU's edu PCI device placed at the StreamID's requester ID (dma-plan.ts, edu.ts).
 * Statements no route can perform on a real machine (`pri`, `mem abort`, `expect irq`, a `dma` no
 * edu device can make) are listed with why; at a `reset` the program stops (the rest is listed).
 *
 * The model's own run gives, for every operation, what the architecture expects (the value of a
 * memory read, the event record): the judgement (judge.ts) compares QEMU with it.
 */
import { startLine, type Range, type ScriptDiagnostic } from '../base/diagnostics';
import { Engine } from '../engine/engine';
import { F, R } from '../engine/registers';
import type { Transaction, TransactionResult } from '../engine/transaction';
import type { AccessSize, GuestOp, OpSource } from '../guest/ops';
import { getRegister } from '../registers/table';
import type { ScriptState } from '../script/actions';
import type { ScriptCheck } from '../script/check';
import { run } from '../script/interpreter';
import { interruptForm } from '../script/statements/interrupts';
import type { ResolvedStatement } from '../script/resolve';
import { planDma, shiftCheck, type DeviceCheck, type DmaCheck, type DmaRecord } from './dma-plan';
import { deviceWindows, eduDevices, sidUnreachable, type EduDevice, type PhysWindow } from './edu';

/** ID registers the program reads first, in this order: QEMU's answer decides the configuration (judge.ts). */
export const ID_REGISTERS = ['IDR0', 'IDR1', 'IDR2', 'IDR3', 'IDR4', 'IDR5', 'IIDR', 'AIDR'] as const;

/** What the model says about one operation, for the judgement. */
export interface OpExpectation {
  /** The script statement the operation belongs to (for an included file's statement: the include line). */
  readonly range: Range;
  /** Set for an included file's statement: where in that file. */
  readonly inner?: { readonly path: string; readonly range: Range };
  /** A memory read: the value the model's memory held. */
  readonly memory?: bigint;
  /**
   * An event record read: the model's record (8 words) and its queue slot; `from` when a DMA
   * statement that ran on the machine made it (its index in `dmas`, and which of its records).
   */
  readonly event?: {
    readonly words: readonly number[];
    readonly slot: number;
    readonly dword: number;
    readonly from?: { readonly dma: number; readonly record: number };
  };
  /** A read that says whether the machine is set up as the program needs (a PCI device's identification). */
  readonly device?: DeviceCheck;
  /** An access with `== abort` / `!= abort`: whether the emulation must abort it. */
  readonly abort?: '==' | '!=';
}

export interface CompiledScript {
  readonly ops: GuestOp[];
  /** One per operation. */
  readonly expectations: OpExpectation[];
  /** Statements that cannot run on the machine, one diagnostic a line (`qemu.not-run`). */
  readonly notRun: ScriptDiagnostic[];
  /**
   * Guest memory the model touched, as 4 KB page addresses: the driver's stores, the SMMU's own
   * writes (event records) and every page the model read (structures it fetched, untouched memory
   * it took as zero). The program must be placed clear of them, and zeroes them first.
   */
  readonly pages: readonly number[];
  /** The model stopped early (guest memory limit): the line. */
  readonly stoppedAt?: number;
  /** Pages the model touched outside the machine's RAM (CompileOptions.ram): not zeroed, not memory there. */
  readonly unzeroed: readonly bigint[];
  /** The edu devices the `dma` statements need (QEMU's `-device` arguments: edu.ts eduDeviceArg). */
  readonly devices: readonly EduDevice[];
  /** Physical ranges outside RAM the program accesses: the devices' ECAM pages and BARs. */
  readonly windows: readonly PhysWindow[];
  /** The `dma` statements that run on the machine, in program order, with the model's outcome. */
  readonly dmas: readonly DmaCheck[];
}

export interface CompileOptions {
  readonly maxGuestMemory?: number;
  /** The machine's RAM: what a DMA's observations may read and write (none outside it). Without it, none. */
  readonly ram?: PhysWindow;
  /**
   * Run `dma` statements on edu devices at their StreamIDs' devfn (the QEMU runner adds the devices
   * the result lists). Without it they are not run: a guest of another machine (the C kit) has no
   * such device.
   */
  readonly dmaDevices?: boolean;
}

/** Verbs whose memory writes are the driver's (bytes it stores), not the SMMU's. */
const DRIVER_STORES = new Set(['cmd', 'ste', 'cd', 'l1std', 'l1cd', 'map', 'tables']);

const NOT_RUN: Readonly<Record<string, string>> = {
  pri: 'no device on QEMU\u2019s virt machine sends PRI page requests (§8)',
  abort:
    'real memory cannot be made to answer the SMMU\u2019s accesses with an external abort; the model alone checks this',
  // PSCI SYSTEM_RESET would restart the whole machine, this program with it: nothing after it would run.
  reset:
    'a guest cannot reset the SMMU on its own (PSCI SYSTEM_RESET restarts the whole machine and this program with it): the program stops here',
};

const DMA_PAYLOAD =
  'a DMA with a payload (`data=`, `size=`): the edu route makes one 8-byte transaction and compares its translation, not the bytes';

const DMA_ATS =
  "a DMA through ATS or marked Translated (`ats`, `translated`): QEMU's edu device is not an ATS endpoint, and QEMU 7.2's SMMUv3 does not advertise ATS";

const DMA_SECURE =
  "a Secure stream's DMA (`secure`): QEMU 7.2's SMMUv3 has no Secure state (SMMU_S_IDR1.SECURE_IMPL is 0) and edu masters Non-secure transactions only";

const MEM_SECURE =
  'an access to the Secure PA space (`secure`): QEMU 7.2\u2019s SMMUv3 has no Secure state (SMMU_S_IDR1.SECURE_IMPL is 0) and the guest program stores to Non-secure memory only';

const NO_DMA_DEVICE =
  'no device is arranged to master this DMA (`smmu qemu` runs DMAs on QEMU\u2019s edu device: docs/qemu.md)';

/**
 * Why the edu device cannot make a transaction, or undefined when it can. edu is a PCI function
 * without PASID: the SMMU takes a transaction without a PASID TLP prefix as Data and Unprivileged,
 * with no SubstreamID (§13.7), and edu only reads and writes (hw/misc/edu.c: pci_dma_read/write).
 */
function eduCannot(t: Transaction): string | undefined {
  const why = [
    sidUnreachable(t.sid),
    t.ssid !== undefined ? `edu sends no PASID TLP prefix, so no SubstreamID (ssid=${t.ssid}; §13.7)` : undefined,
    t.access.exec
      ? 'edu only reads and writes data: a PCIe transaction without a PASID TLP prefix is Data to the SMMU (§13.7), never an instruction fetch'
      : undefined,
    t.access.priv
      ? 'edu\u2019s transactions are Unprivileged: the SMMU takes a PCIe transaction without a PASID TLP prefix as Unprivileged (§13.7)'
      : undefined,
  ].filter((x): x is string => x !== undefined);
  return why.length ? why.join('; ') : undefined;
}

/** `expect irq` and `expect no irq`: wired interrupts go to the GIC, which this program does not set up. */
const NOT_RUN_IRQ: Readonly<Record<'irq' | 'no irq', string>> = {
  irq: 'a wired interrupt is observable only through the GIC, which the guest program does not set up (§3.18); the model alone checks it',
  'no irq':
    'that no interrupt was signalled is observable only through the GIC, which the guest program does not set up (§3.18); the model alone checks it',
};

/** Why statement `s` does not run on the machine (NOT_RUN, or the interrupt forms of `expect`), or undefined. */
function notRunWhy(s: ResolvedStatement): string | undefined {
  if (s.kind !== 'action') return undefined;
  const form = interruptForm(s);
  return form === 'irq' || form === 'no irq' ? NOT_RUN_IRQ[form] : NOT_RUN[s.verb];
}

interface Word {
  readonly addr: number;
  readonly value: number;
}

/** Little-endian bytes of `value`, `size` of them. */
function bytesOf(value: bigint, size: number): Uint8Array {
  const b = new Uint8Array(size);
  let v = value;
  for (let i = 0; i < size; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/** Consecutive aligned words as stores of contiguous bytes (a 16-byte command is one store). */
function storesOf(words: readonly Word[]): { address: bigint; bytes: Uint8Array }[] {
  const out: { address: bigint; bytes: Uint8Array }[] = [];
  let start = 0;
  while (start < words.length) {
    let end = start + 1;
    while (end < words.length && (words[end] as Word).addr === (words[end - 1] as Word).addr + 4) end++;
    const bytes = new Uint8Array((end - start) * 4);
    for (let k = start; k < end; k++) bytes.set(bytesOf(BigInt((words[k] as Word).value), 4), (k - start) * 4);
    out.push({ address: BigInt((words[start] as Word).addr), bytes });
    start = end;
  }
  return out;
}

/**
 * Compile a checked script (checkScript in 'syntax' mode is enough: this runs the model itself).
 * The caller refuses scripts with an error of syntax, names or configuration first.
 */
export function compileScript(check: ScriptCheck, options: CompileOptions = {}): CompiledScript {
  const engine = new Engine(check.config);
  if (options.maxGuestMemory !== undefined) engine.memory.setLimitBytes(options.maxGuestMemory);
  engine.smmu.recording = false;
  const ops: GuestOp[] = [];
  const expectations: OpExpectation[] = [];
  const notRun: ScriptDiagnostic[] = [];
  const state: ScriptState = { eventCursor: 0 };
  const lastWrite = new Map<string, Range>();
  const memory = engine.memory;
  const smmu = engine.smmu;

  // Hooks on the instances (core/model stays free of them): every aligned word the model writes
  // to guest memory, and every MMIO write a statement makes on the driver's behalf (doorbell).
  let words: Word[] | undefined;
  // Every page the model reads or writes: the model takes untouched memory as zero, so the program
  // zeroes these pages first (QEMU puts its device tree at the bottom of RAM, for one).
  const touched = new Set<number>();
  const write32 = memory.write32.bind(memory);
  memory.write32 = (addr: number, v: number) => {
    touched.add(Math.floor(addr / 4096));
    words?.push({ addr, value: v >>> 0 });
    write32(addr, v);
  };
  // Pages the model read as structures (STEs, CDs, tables, queues) in earlier statements.
  const structurePages = new Set<number>();
  const read = (addr: number) => {
    const page = Math.floor(addr / 4096);
    touched.add(page);
    if (walked) walked.add(page);
    else structurePages.add(page);
  };
  const read32 = memory.read32.bind(memory);
  memory.read32 = (addr: number) => {
    read(addr);
    return read32(addr);
  };
  const readWords = memory.readWords.bind(memory);
  memory.readWords = (addr: number, out: Uint32Array | number[], n: number) => {
    read(addr);
    readWords(addr, out, n);
  };
  const pageWords = memory.pageWords.bind(memory);
  memory.pageWords = (addr: number) => {
    read(addr);
    return pageWords(addr);
  };
  // The transaction a `dma` statement made and the model's answer; the pages its translation may
  // depend on: every page it read, and every page the model read as a structure or table before.
  // A TLB, walk cache or configuration cache hit reads nothing, while QEMU, whose caching differs,
  // may walk those tables again; a landing pattern there would change QEMU's translation.
  const made: { dma?: { t: Transaction; r: TransactionResult; walked: ReadonlySet<number> } } = {};
  let walked: Set<number> | undefined;
  const translate = engine.translate.bind(engine);
  engine.translate = (t: Transaction) => {
    const r = translate(t);
    made.dma = { t, r, walked: new Set([...structurePages, ...(walked ?? [])]) };
    return r;
  };
  const lastTransfer = () => made.dma;
  let mmio: { offset: number; size: AccessSize; value: bigint }[] | undefined;
  const smmuWrite = smmu.write.bind(smmu);
  smmu.write = (offset, size, value) => {
    mmio?.push({ offset, size, value });
    return smmuWrite(offset, size, value);
  };

  const first = check.resolved.config?.range ?? check.resolved.statements[0]?.range;
  const idRange: Range = first ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  for (const name of ID_REGISTERS) {
    ops.push({
      kind: 'read',
      space: 'smmu',
      address: BigInt(getRegister(name).offset),
      size: 4,
      line: startLine(idRange),
    });
    expectations.push({ range: idRange });
  }

  // Where each event record the model wrote came from (activity index → the statement's line),
  // for the statements that do not run on the machine: their records cannot be compared.
  const notRunEvents = new Map<number, number>();
  // The DMA statements that run, the StreamIDs they use (in order of first use), the records they made.
  const dmas: DmaCheck[] = [];
  const sids: number[] = [];
  const usedSids = new Set<number>();
  const dmaEvents = new Map<number, { dma: number; record: number }>();
  const ram = options.ram;
  const inRam = (start: bigint, end: bigint) => ram !== undefined && start >= ram.start && end <= ram.end;
  let stoppedAt: number | undefined;
  // The line of the `reset` the program stops at: every statement after it is listed, one a line.
  let resetLine: number | undefined;
  const visit = (
    statements: readonly ResolvedStatement[],
    top: Range | undefined,
    file: string | undefined,
  ): boolean => {
    for (const s of statements) {
      const range = top ?? s.range;
      if (resetLine !== undefined) {
        if (notRun[notRun.length - 1]?.range !== range)
          notRun.push({
            severity: 'warning',
            code: 'qemu.not-run',
            message: `not run on QEMU: it comes after the reset on line ${resetLine + 1}, where the guest program stops`,
            range,
          });
        continue;
      }
      const src: OpSource = file ? { line: startLine(s.range), file } : { line: startLine(s.range) };
      const inner = file ? { inner: { path: file, range: s.range } } : {};
      const push = (op: GuestOp, e: Partial<OpExpectation> = {}) => {
        ops.push(op);
        expectations.push({ range, ...inner, ...e });
      };
      if (s.kind === 'include') {
        if (!visit(s.statements, range, s.path)) return false;
        continue;
      }
      const why = notRunWhy(s);
      if (why !== undefined) {
        notRun.push({
          severity: 'warning',
          code: 'qemu.not-run',
          message: `not run on QEMU: ${why}`,
          range,
          ...(file ? { related: [{ message: 'this statement', range: s.range, path: file }] } : {}),
        });
      }
      if (s.kind === 'action' && s.verb === 'reset') {
        resetLine = startLine(range);
        continue;
      }
      const driverStores = (s.kind === 'action' && DRIVER_STORES.has(s.verb)) || undefined;
      words = driverStores ? [] : undefined;
      mmio = s.kind === 'action' && s.verb === 'doorbell' ? [] : undefined;
      const isDma = s.kind === 'action' && s.verb === 'dma';
      made.dma = undefined;
      walked = isDma ? new Set() : undefined;
      const eventq =
        isDma && engine.field(F.EVENTQEN) === 1n
          ? { ...engine.geometry('EVENTQ'), prod: Number(engine.smmu.value(R.EVENTQ_PROD) & 0xf_ffffn) }
          : undefined;
      const eventCursor = state.eventCursor;
      const activityBefore = engine.activity.length;
      const r = run([s], engine, state, lastWrite);
      const transfer = lastTransfer();
      for (const page of walked ?? []) structurePages.add(page);
      walked = undefined;
      // A transfer with a payload (`data=`, `size=`) is several transactions with bytes to compare:
      // the edu route runs one 8-byte transaction per statement today.
      const payload =
        isDma &&
        s.kind === 'action' &&
        s.args.some((a) => ['data', 'size', 'step'].includes(a.name?.toLowerCase() ?? ''));
      const ats =
        isDma && s.kind === 'action' && s.args.some((a) => ['ats', 'translated'].includes(a.name?.toLowerCase() ?? ''));
      const secureDma =
        isDma && s.kind === 'action' && s.args.some((a) => ['secure', 'ns'].includes(a.name?.toLowerCase() ?? ''));
      const cannot = !isDma
        ? undefined
        : secureDma
          ? DMA_SECURE
          : ats
            ? DMA_ATS
            : payload
              ? DMA_PAYLOAD
              : !transfer
                ? 'the model made no single transaction for this DMA to run on the device'
                : options.dmaDevices
                  ? eduCannot(transfer.t)
                  : NO_DMA_DEVICE;
      if (cannot !== undefined)
        notRun.push({
          severity: 'warning',
          code: 'qemu.not-run',
          message: `not run on QEMU: ${cannot}`,
          range,
          ...(file ? { related: [{ message: 'this statement', range: s.range, path: file }] } : {}),
        });
      if (why !== undefined || cannot !== undefined)
        for (let k = activityBefore; k < engine.activity.length; k++) notRunEvents.set(k, startLine(range));
      const recorded = words ?? [];
      const writes = mmio ?? [];
      words = undefined;
      mmio = undefined;
      if (r.stoppedAt !== undefined) {
        stoppedAt = startLine(range);
        return false;
      }
      if (transfer && cannot === undefined) {
        // The transfer runs on an edu device at the StreamID's devfn (dma-plan.ts says what the program does).
        let k = sids.indexOf(transfer.t.sid);
        if (k < 0) k = sids.push(transfer.t.sid) - 1;
        const records: DmaRecord[] = [];
        for (let a = activityBefore; a < engine.activity.length; a++) {
          const act = engine.activity[a];
          if (act?.code !== 'event.written' || act.address === undefined || !act.words || !eventq) continue;
          dmaEvents.set(a, { dma: dmas.length, record: records.length });
          records.push({ words: act.words, slot: Math.floor((Number(act.address) - eventq.base) / eventq.entryBytes) });
        }
        const plan = planDma({
          src,
          range,
          ...inner,
          t: transfer.t,
          r: transfer.r,
          device: eduDevices(sids)[k] as EduDevice,
          firstUse: !usedSids.has(transfer.t.sid),
          ...(eventq ? { queue: { base: eventq.base, log2: eventq.log2, prod: eventq.prod } } : {}),
          records,
          drift: dmas.reduce((n, x) => n + x.records.length, 0),
          inRam,
          walked: transfer.walked,
          memory: (address) => memory.read(address, 8),
        });
        usedSids.add(transfer.t.sid);
        for (const page of plan.pages) touched.add(page / 4096);
        dmas.push(shiftCheck(plan.check, ops.length));
        for (const { op, check } of plan.ops) push(op, check ? { device: check } : {});
      }
      switch (s.kind) {
        case 'access': {
          const aborts = s.abort ? { abort: s.abort.op } : {};
          if (s.op === 'read')
            push({ kind: 'read', space: 'smmu', address: BigInt(s.offset), size: s.size, ...src }, aborts);
          else
            push(
              { kind: 'write', space: 'smmu', address: BigInt(s.offset), size: s.size, value: s.value ?? 0n, ...src },
              aborts,
            );
          break;
        }
        case 'mem':
          // QEMU 7.2's SMMUv3 has no Secure state, and the guest's stores are Non-secure: a Secure
          // PA space access (`secure`, §3.10) is left out, and said so.
          if (s.secure) {
            notRun.push({
              severity: 'warning',
              code: 'qemu.not-run',
              message: `not run on QEMU: ${MEM_SECURE}`,
              range,
              ...(file ? { related: [{ message: 'this statement', range: s.range, path: file }] } : {}),
            });
            break;
          }
          if (s.op === 'write')
            push({ kind: 'store', address: s.address, bytes: bytesOf(s.value ?? 0n, s.size), ...src });
          else
            push(
              { kind: 'read', space: 'phys', address: s.address, size: s.size, ...src },
              { memory: memory.read(s.address, s.size) },
            );
          break;
        case 'action':
          if (driverStores) for (const st of storesOf(recorded)) push({ kind: 'store', ...st, ...src });
          else if (s.verb === 'doorbell')
            for (const w of writes)
              push({ kind: 'write', space: 'smmu', address: BigInt(w.offset), size: w.size, value: w.value, ...src });
          else if (s.verb === 'poll' && s.poll && s.expect?.resolved) {
            const e = s.expect.resolved;
            const maxArg = s.args.find((a) => a.name?.toLowerCase() === 'max')?.value;
            push({
              kind: 'poll',
              space: 'smmu',
              address: BigInt(s.poll.offset),
              size: s.poll.size === 8 ? 8 : 4,
              mask: e.mask,
              expected: (e.value << BigInt(e.shift)) & e.mask,
              equal: e.op === '==',
              max: Number(maxArg ?? 1000n),
              ...src,
            });
          } else if (interruptForm(s) === 'msi') {
            // An MSI is a write to memory: the word at its address, as the model left it (the
            // program zeroed the page first, so an MSI QEMU did not write reads as 0).
            const addr = s.args.find((a) => a.name?.toLowerCase() === 'addr')?.value;
            if (addr !== undefined)
              push({ kind: 'read', space: 'phys', address: addr, size: 4, ...src }, { memory: memory.read(addr, 4) });
          } else if (s.verb === 'expect' && why === undefined) {
            // The records this expectation looked at, read where the model wrote them: QEMU's
            // record is compared with the model's (judge.ts). EVENTQ_PROD says how many QEMU wrote.
            push({ kind: 'read', space: 'smmu', address: BigInt(getRegister('EVENTQ_PROD').offset), size: 4, ...src });
            const seen = engine.activity
              .slice(eventCursor, Math.max(eventCursor, state.eventCursor))
              .flatMap((a, k) =>
                a.code === 'event.written' && a.address !== undefined && a.words
                  ? [{ a, from: notRunEvents.get(eventCursor + k), dma: dmaEvents.get(eventCursor + k) }]
                  : [],
              );
            const g = engine.geometry('EVENTQ');
            const unrun = seen.find((x) => x.from !== undefined)?.from;
            if (unrun !== undefined)
              notRun.push({
                severity: 'warning',
                code: 'qemu.not-run',
                message: `not checked on QEMU: the event record comes from line ${unrun + 1}, which did not run on QEMU`,
                range,
              });
            for (const { a, from, dma: fromDma } of seen) {
              if (from !== undefined) continue;
              // A DMA's record is compared here, where the script expects it, not on the DMA's line.
              if (fromDma) dmas[fromDma.dma]?.expected.add(fromDma.record);
              const slot = Math.floor((Number(a.address) - g.base) / g.entryBytes);
              for (let dw = 0; dw < 4; dw++)
                push(
                  { kind: 'read', space: 'phys', address: (a.address as bigint) + BigInt(dw * 8), size: 8, ...src },
                  { event: { words: a.words as number[], slot, dword: dw, ...(fromDma ? { from: fromDma } : {}) } },
                );
            }
          }
          break;
      }
    }
    return true;
  };
  visit(
    check.resolved.statements.filter(
      (s) => !check.firstError || startLine(s.range) < startLine(check.firstError.range),
    ),
    undefined,
    undefined,
  );
  const pages = [...touched].sort((a, b) => a - b).map((n) => n * 4096);
  // Before the script's statements (after the ID registers): every page the model touched, zero.
  // With the machine's RAM known, pages outside it are not zeroed (nothing there is memory): they
  // are listed instead (layout.ts zeroOnlyRam warns).
  const zeros: GuestOp[] = [];
  const unzeroed: bigint[] = [];
  const ramPages = pages.filter((p) => {
    const inside = !ram || (BigInt(p) >= ram.start && BigInt(p) + 4096n <= ram.end);
    if (!inside) unzeroed.push(BigInt(p));
    return inside;
  });
  for (let k = 0; k < ramPages.length;) {
    let end = k + 1;
    while (end < ramPages.length && (ramPages[end] as number) === (ramPages[end - 1] as number) + 4096) end++;
    zeros.push({
      kind: 'zero',
      address: BigInt(ramPages[k] as number),
      length: (end - k) * 4096,
      line: startLine(idRange),
    });
    k = end;
  }
  ops.splice(ID_REGISTERS.length, 0, ...zeros);
  expectations.splice(ID_REGISTERS.length, 0, ...zeros.map(() => ({ range: idRange })));
  // The devices once every StreamID is known (function 0 of a shared slot says multifunction).
  const devices = eduDevices(sids);
  const placed = dmas.map((c) => ({
    ...shiftCheck(c, zeros.length),
    device: devices[sids.indexOf(c.sid)] as EduDevice,
  }));
  const compiled = {
    ops,
    expectations,
    notRun,
    pages,
    unzeroed,
    devices,
    windows: devices.flatMap(deviceWindows),
    dmas: placed,
  };
  return stoppedAt === undefined ? compiled : { ...compiled, stoppedAt };
}
