/**
 * The Secure Command queue (§3.10.2, §4, §6.3.74–§6.3.76, §7.1) through the MMIO front end, as
 * Secure software uses it: SMMU_S_CMDQ_BASE/PROD/CONS consumed while SMMU_S_CR0.CMDQEN is 1,
 * errors in SMMU_S_CMDQ_CONS.ERR and SMMU_S_GERROR.CMDQ_ERR with the SMMU_S_GERRORN handshake,
 * SSec (§4.1.6), the commands legal only there (§4.4), SMMU_S_IDR3.SAMS (§4.5.1), and CMD_SYNC's
 * Secure completion signals (§3.18.2, §4.7.3). Register values are written out literally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCommand } from '../../../core/commands/codec';
import { COMMANDS, findCommand } from '../../../core/commands/table';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { Engine } from '../../../core/engine/engine';
import type { TlbEntry } from '../../../core/engine/tlb';
import type { AccessResult } from '../../../core/model/access';

const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;
/** The preset with other Secure ID register values. */
const withIds = (ids: Record<string, number>): ResolvedConfig => ({
  ...SECURE_ATS,
  ids: { ...SECURE_ATS.ids, ...ids },
});
const codes = (r: AccessResult) => r.findings.map((f) => f.code);

// Page 0 offsets (§6.2): the Secure registers at 0x8000 on.
const S_CR0 = 0x8020;
const S_GERROR = 0x8060;
const S_GERRORN = 0x8064;
const S_GERROR_IRQ_CFG0 = 0x8068;
const S_IRQ_CTRL = 0x8050;
const S_CMDQ_BASE = 0x8090;
const S_CMDQ_PROD = 0x8098;
const S_CMDQ_CONS = 0x809c;
const CMDQ_CONS = 0x9c;
const GERROR = 0x60;
/** S_CR0.CMDQEN [3], SMMUEN [0] (§6.3.57). */
const CMDQEN = 1n << 3n;
const SMMUEN = 1n;
const SQ = 0x4e10_0000;

/** An engine with the Secure Command queue at SQ, 16 entries (LOG2SIZE 4), enabled by S_CR0 `cr0`. */
function secureQueue(config = SECURE_ATS, cr0 = CMDQEN): Engine {
  const e = new Engine(config);
  assert.deepEqual(codes(e.smmu.write(S_CMDQ_BASE, 8, BigInt(SQ) | 4n)), []);
  assert.deepEqual(codes(e.smmu.write(S_CMDQ_PROD, 4, 0n)), []);
  assert.deepEqual(codes(e.smmu.write(S_CMDQ_CONS, 4, 0n)), []);
  assert.deepEqual(codes(e.smmu.write(S_CR0, 4, cr0)), []);
  return e;
}

/** Write the named command with `fields` at entry `i` of the Secure queue. */
function put(e: Engine, i: number, name: string, fields: Record<string, bigint> = {}): void {
  const def = findCommand(name);
  assert.ok(def, name);
  const enc = encodeCommand(def, new Map(Object.entries(fields)));
  assert.deepEqual(enc.problems, []);
  // The Secure Command queue is in the Secure PA space (§3.10.2).
  e.memory.secureSpace().writeWords(SQ + 16 * i, enc.words);
}
const read = (e: Engine, offset: number) => e.smmu.read(offset, 4).value;

test('§4.1.2, §6.3.75: a write to SMMU_S_CMDQ_PROD makes the SMMU consume the Secure queue while S_CR0.CMDQEN is 1; the Non-secure queue is not touched', () => {
  const e = secureQueue();
  put(e, 0, 'CMD_CFGI_ALL');
  put(e, 1, 'CMD_SYNC');
  assert.deepEqual(codes(e.smmu.write(S_CMDQ_PROD, 4, 2n)), []);
  assert.equal(read(e, S_CMDQ_CONS), 2n);
  assert.equal(read(e, CMDQ_CONS), 0n);
  assert.ok(e.activity.some((a) => a.kind === 'command' && /^S_CMDQ\[1\] CMD_SYNC/.test(a.text)));
  // Disabled: nothing consumed until S_CR0.CMDQEN is set, which starts consumption.
  const off = secureQueue(SECURE_ATS, 0n);
  put(off, 0, 'CMD_SYNC');
  off.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(off, S_CMDQ_CONS), 0n);
  off.smmu.write(S_CR0, 4, CMDQEN);
  assert.equal(read(off, S_CMDQ_CONS), 1n);
});

test('§7.1, §6.3.67, §6.3.76: an illegal Secure command stops the Secure queue with S_CMDQ_CONS.ERR = CERROR_ILL and S_GERROR.CMDQ_ERR; S_GERRORN restarts it; GERROR is untouched', () => {
  const e = secureQueue();
  put(e, 0, 'CMD_SYNC');
  e.memory.secureSpace().writeWords(SQ + 16, [0x0f, 0, 0, 0]); // opcode 0x0F: Reserved (§4.1.1)
  put(e, 2, 'CMD_SYNC');
  e.smmu.write(S_CMDQ_PROD, 4, 3n);
  // ERR [30:24] = 1 (CERROR_ILL), RD [19:0] = 1: CONS on the failed command.
  assert.equal(read(e, S_CMDQ_CONS), 0x0100_0001n);
  assert.equal(read(e, S_GERROR), 1n);
  assert.equal(read(e, GERROR), 0n);
  assert.ok(e.activity.some((a) => a.code === 's_cmdq.cerror-ill' && /S_CMDQ\[1\]/.test(a.text)));
  assert.ok(e.activity.some((a) => a.code === 's_gerror.cmdq_err' && a.section === '7.1'));
  // Another PROD write does not restart the queue while the error is active (§4.1.2).
  e.smmu.write(S_CMDQ_PROD, 4, 3n);
  assert.equal(read(e, S_CMDQ_CONS) & 0xfn, 1n);
  // Fix the command and acknowledge: consumption restarts at CONS (§7.1).
  put(e, 1, 'CMD_SYNC');
  e.smmu.write(S_GERRORN, 4, 1n);
  assert.equal(read(e, S_CMDQ_CONS) & 0xf_ffffn, 3n);
});

test('§4.1.3, §7.1: a fetch abort on the Secure queue is CERROR_ABT in S_CMDQ_CONS.ERR', () => {
  const e = secureQueue();
  e.memory.addAbortRange(SQ, SQ + 16);
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(e, S_CMDQ_CONS), 0x0200_0000n);
  assert.equal(read(e, S_GERROR), 1n);
});

test('§4.1.6: SSec = 1 is legal on the Secure queue and CERROR_ILL on the Non-secure one', () => {
  const e = secureQueue();
  put(e, 0, 'CMD_CFGI_STE', { StreamID: 3n, SSec: 1n });
  put(e, 1, 'CMD_PREFETCH_CONFIG', { StreamID: 3n, SSec: 1n });
  put(e, 2, 'CMD_STALL_TERM', { StreamID: 3n, SSec: 1n });
  e.smmu.write(S_CMDQ_PROD, 4, 3n);
  assert.equal(read(e, S_CMDQ_CONS), 3n);
  assert.equal(read(e, S_GERROR), 0n);
  // The same CFGI_STE on the Non-secure queue.
  const ns = new Engine(SECURE_ATS);
  ns.smmu.write(0x90, 8, 0x4010_0000n | 4n);
  ns.smmu.write(0x20, 4, 8n);
  const def = findCommand('CMD_CFGI_STE');
  assert.ok(def);
  ns.memory.writeWords(
    0x4010_0000,
    encodeCommand(
      def,
      new Map([
        ['StreamID', 3n],
        ['SSec', 1n],
      ]),
    ).words,
  );
  ns.smmu.write(0x98, 4, 1n);
  assert.equal(read(ns, CMDQ_CONS), 0x0100_0000n);
});

test('§4.4.2.5, §4.4.2.6, §4.4.2.11–§4.4.2.14, §4.4.3.3, §4.4.3.4, §4.4.4.2: the Secure-only commands are legal on the Secure queue', () => {
  // The table's Secure-only commands (test/core/commands/commands.test.ts pins the list).
  const names = COMMANDS.filter((c) => c.secureOnly).map((c) => c.name);
  assert.equal(names.length, 9);
  const e = secureQueue();
  names.forEach((n, i) => put(e, i, n));
  e.smmu.write(S_CMDQ_PROD, 4, BigInt(names.length));
  assert.equal(read(e, S_CMDQ_CONS), BigInt(names.length));
  assert.equal(read(e, S_GERROR), 0n);
});

test('§4.4.2.11, §4.4.3.4: without Secure EL2 (S_IDR1.SEL2 == 0) the Secure EL2 and stage 2 opcodes are Reserved: CERROR_ILL', () => {
  for (const name of ['CMD_TLBI_S_EL2_ALL', 'CMD_TLBI_S_S12_VMALL', 'CMD_TLBI_SNH_ALL']) {
    // S_IDR1 = SECURE_IMPL [31] | S_SIDSIZE 16, no SEL2 [29].
    const e = secureQueue(withIds({ S_IDR1: 0x8000_0010 }));
    put(e, 0, name);
    e.smmu.write(S_CMDQ_PROD, 4, 1n);
    assert.equal(read(e, S_CMDQ_CONS), 0x0100_0000n, name);
    assert.match(e.activity.find((a) => a.code === 's_cmdq.cerror-ill')?.text ?? '', /needs SMMU_S_IDR1\.SEL2 == 1/);
  }
});

test('§4.4.2.5: with RME (SMMU_IDR0.RME_IMPL == 1) CMD_TLBI_EL3_ALL is CERROR_ILL even on the Secure queue', () => {
  // RME_IMPL is bit [30] (§6.3.1).
  const e = secureQueue(withIds({ IDR0: (SECURE_ATS.ids.IDR0 as number) | (1 << 30) }));
  put(e, 0, 'CMD_TLBI_EL3_ALL');
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(e, S_CMDQ_CONS), 0x0100_0000n);
});

test('§4.5.1, §6.3.55: with SMMU_S_IDR3.SAMS == 1, CMD_ATC_INV on the Secure queue is CERROR_ILL', () => {
  const ok = secureQueue(SECURE_ATS, CMDQEN | SMMUEN);
  put(ok, 0, 'CMD_ATC_INV', { StreamID: 1n });
  ok.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(ok, S_CMDQ_CONS), 1n);
  // SAMS is bit [6] (§6.3.55).
  const e = secureQueue(withIds({ S_IDR3: 0x40 }));
  put(e, 0, 'CMD_ATC_INV', { StreamID: 1n });
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(e, S_CMDQ_CONS), 0x0100_0000n);
  assert.match(e.activity.find((a) => a.code === 's_cmdq.cerror-ill')?.text ?? '', /SAMS/);
});

test('§4.5.1: CMD_ATC_INV on the Secure queue is IGNORED while SMMU_S_CR0.SMMUEN is 0, whatever SMMU_CR0.SMMUEN says', () => {
  const e = secureQueue();
  e.smmu.write(0x20, 4, 1n); // the Non-secure SMMUEN
  put(e, 0, 'CMD_ATC_INV', { StreamID: 1n });
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.match(e.activity.find((a) => a.kind === 'command')?.text ?? '', /IGNORED: SMMU_S_CR0\.SMMUEN is 0/);
});

/** A Non-secure EL1 stage 1 TLB entry: VMID 0, ASID 1, VA 0x1000. */
const NS_ENTRY: TlbEntry = {
  regime: 'NH',
  vmid: 0,
  asid: 1,
  stages: 1,
  log2: 12,
  page: 1,
  oa: 0x8000_0000,
  r: true,
  w: true,
  x: false,
  priv: false,
  sid: 1,
  ssid: 0,
  seq: 1,
  level: 3,
  ipa: undefined,
};

test('§4.4.2 table: CMD_TLBI_NH_ALL from the Secure queue invalidates Secure stage 1 entries, not the Non-secure ones', () => {
  const e = secureQueue();
  e.tlb.insert(NS_ENTRY);
  // A Secure stream's stage 1 entry (transaction.ts: regime 'S'; with SMMU_S_IDR1.SEL2, as here,
  // stage 1 only entries carry VMID 0, which CMD_TLBI_NH_ALL's VMID 0 matches, §3.10.2.2).
  e.tlb.insert({ ...NS_ENTRY, regime: 'S', vmid: 0, page: 2 });
  put(e, 0, 'CMD_TLBI_NH_ALL');
  put(e, 1, 'CMD_TLBI_EL3_ALL');
  e.smmu.write(S_CMDQ_PROD, 4, 2n);
  assert.equal(read(e, S_CMDQ_CONS), 2n);
  assert.equal(e.tlb.size, 1, 'the Non-secure entry stays');
  assert.ok(e.tlb.lookup('NH', 0, 1, 1), 'the one left is the Non-secure entry');
  const texts = e.activity.filter((a) => a.kind === 'command').map((a) => a.text);
  assert.match(texts[0] ?? '', /CMD_TLBI_NH_ALL: 1 TLB entry invalidated/);
  // The EL3 StreamWorld's entries are apart (regime 'EL3'): none here.
  assert.match(texts[1] ?? '', /CMD_TLBI_EL3_ALL: 0 TLB entries invalidated/);
});

test('§4.4.4.1: CMD_TLBI_NSNH_ALL has the same effect from the Secure queue: the Non-secure entries go', () => {
  const e = secureQueue();
  e.tlb.insert(NS_ENTRY);
  put(e, 0, 'CMD_TLBI_NSNH_ALL');
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(e.tlb.size, 0);
});

test('§4.7.3, §3.18.2: CMD_SYNC SIG_IRQ on the Secure queue pulses the Secure CMD_SYNC interrupt and writes its MSI (S_IDR0.MSI)', () => {
  const e = secureQueue();
  put(e, 0, 'CMD_SYNC', { CS: 1n, MSIAddress: 0x4f00_0000n, MSIData: 0x55n });
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  const irqs = e.activity.filter((a) => a.interrupt).map((a) => a.interrupt);
  assert.deepEqual(irqs, [
    { source: 'S_CMD_SYNC', how: 'wired' },
    { source: 'S_CMD_SYNC', how: 'msi', address: 0x4f00_0000n, data: 0x55, aborted: false },
  ]);
  // §3.18: a Secure source's MSI is a write to the Secure PA space; the Non-secure one is untouched.
  assert.equal(e.memory.secureSpace().read32(0x4f00_0000), 0x55);
  assert.equal(e.memory.read32(0x4f00_0000), 0);
  // Without Secure MSIs (S_IDR0.MSI [13] == 0) only the wired interrupt.
  const wired = secureQueue(withIds({ S_IDR0: 0 }));
  put(wired, 0, 'CMD_SYNC', { CS: 1n, MSIAddress: 0x4f00_0000n, MSIData: 0x55n });
  wired.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.deepEqual(
    wired.activity.filter((a) => a.interrupt).map((a) => a.interrupt?.how),
    ['wired'],
  );
});

test('§4.7.3, §6.3.67: an aborted Secure CMD_SYNC MSI sets S_GERROR.MSI_CMDQ_ABT_ERR (bit 4), with the Secure GERROR interrupt; GERROR stays 0', () => {
  const e = secureQueue();
  assert.deepEqual(codes(e.smmu.write(S_IRQ_CTRL, 4, 1n)), []); // GERROR_IRQEN
  e.smmu.write(S_GERROR_IRQ_CFG0, 8, 0n);
  e.memory.addAbortRange(0x4f00_0000, 0x4f00_1000);
  put(e, 0, 'CMD_SYNC', { CS: 1n, MSIAddress: 0x4f00_0000n });
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(e, S_GERROR), 0x10n);
  assert.equal(read(e, GERROR), 0n);
  assert.ok(e.activity.some((a) => a.interrupt?.source === 'S_GERROR' && a.interrupt.how === 'wired'));
});

test('§4.7.3: a CMD_SYNC on the Secure queue does not report a Non-secure ATC invalidation timeout (each queue completes its own)', () => {
  const e = secureQueue();
  e.atcInvFailed = true;
  put(e, 0, 'CMD_SYNC');
  e.smmu.write(S_CMDQ_PROD, 4, 1n);
  assert.equal(read(e, S_CMDQ_CONS), 1n);
  assert.equal(e.atcInvFailed, true, 'still pending for the Non-secure queue');
  e.secureAtcInvFailed = true;
  put(e, 1, 'CMD_SYNC');
  e.smmu.write(S_CMDQ_PROD, 4, 2n);
  // ERR = 3: CERROR_ATC_INV_SYNC (§7.1).
  assert.equal(read(e, S_CMDQ_CONS), BigInt(0x0300_0001));
});
