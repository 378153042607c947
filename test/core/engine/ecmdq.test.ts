/**
 * Enhanced Command queues (§3.5.6) through the MMIO front end, as a driver uses them: SMMU_IDR6
 * and the Command queue control page registers (§6.3.45, §6.3.49–§6.3.51), each ECMDQ's BASE,
 * PROD and CONS (§6.3.107–§6.3.109) at the offsets §6.2.5 gives, the EN/ENACK handshake
 * (§3.5.6.2), consumption with the main queue's consumer, and errors reported in CONS.ERR,
 * ERR_REASON and GERROR.CMDQP_ERR, acknowledged by PROD.ERRACK (§3.5.6.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import { Smmu } from '../../../core/model/smmu';
import type { AccessResult } from '../../../core/model/access';
import type { ResolvedConfig } from '../../../core/config/types';
import { ECMDQ_BASE } from '../../../core/registers/ecmdq';
import { getRegister } from '../../../core/registers/table';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, QEMU_IDS } from '../../harness/helpers';

const ECMDQ = 1 << 31;
/** QEMU-like IDs with IDR1.ECMDQ and SMMU_IDR6 = LOG2NUMP << 24 | LOG2NUMQ << 16. */
function ecmdqConfig(log2p: number, log2q: number): ResolvedConfig {
  const c = config({ IDR1: QEMU_IDS.IDR1 | ECMDQ });
  return { ...c, ids: { ...c.ids, IDR6: (log2p << 24) | (log2q << 16) } };
}
const codes = (r: AccessResult) => r.findings.map((f) => f.code);
const EN = 0x8000_0000n;
const ERR = 1n << 23n;
/** GERROR.CMDQP_ERR (§6.3.19). */
const CMDQP_ERR = 1n << 9n;

/** 2 pages of 4 ECMDQs: page 0 at 0x20000, ECMDQs 16 KB apart (§6.2.5). */
const Q = (n: number) => 0x20000 + Math.floor(n / 4) * 0x10000 + (n % 4) * 0x4000;
const QBASE = 0x4030_0000;

/** An engine with ECMDQ `n` set up as a 16-entry queue at QBASE and enabled. */
function enabled(n = 1): Engine {
  const e = new Engine(ecmdqConfig(1, 2));
  assert.deepEqual(codes(e.smmu.write(Q(n), 8, BigInt(QBASE) | 4n)), []);
  assert.deepEqual(codes(e.smmu.write(Q(n) + 0xc, 4, 0n)), []);
  assert.deepEqual(codes(e.smmu.write(Q(n) + 8, 4, EN)), []);
  return e;
}
/** A command's two 64-bit halves at entry `i`. */
function put(e: Engine, i: number, lo: number, hi = 0): void {
  e.memory.writeWords(QBASE + 16 * i, [lo, 0, hi, 0]);
}
const SYNC = 0x46;
const SYNC_IRQ = 0x1046;
const CFGI_ALL = [0x04, 0x1f] as const;

test('§6.3.45, §6.3.49–§6.3.51: SMMU_IDR6 and the control page registers say where the pages are, read-only', () => {
  const m = new Smmu(ecmdqConfig(1, 2));
  assert.equal(m.read(0x190, 4).value, 0x0102_0000n);
  // BASE<n>.ADDR = the page's offset from page 0, CMDQGS = 0b01 (64 KB), PRESET = 1 (§6.3.49).
  assert.equal(m.read(0x4000, 8).value, 0x2_0003n);
  assert.equal(m.read(0x4020, 8).value, 0x3_0003n);
  assert.equal(m.read(0x4024, 4).value, 0n);
  // CFG<n>.EN and STATUS<n>.ENACK are RES1 (§6.3.50, §6.3.51).
  assert.equal(m.read(0x4008, 4).value, 1n);
  assert.equal(m.read(0x402c, 4).value, 1n);
  assert.deepEqual(codes(m.write(0x4008, 4, 0n)), ['write.ro']);
  assert.equal(m.read(0x4008, 4).value, 1n);
  // Page 2 does not exist with LOG2NUMP = 1.
  const r = m.read(0x4048, 4);
  assert.deepEqual([r.value, codes(r)], [0n, ['register.unimplemented']]);
  // Without IDR1.ECMDQ, IDR6 and the control page registers are RES0 (§6.3.45, §6.3.49).
  const plain = new Smmu(config());
  assert.equal(plain.read(0x190, 4).value, 0n);
  const b = plain.read(0x4000, 8);
  assert.deepEqual([b.value, codes(b)], [0n, ['register.unimplemented']]);
});

test('§6.2.5: ECMDQs are spaced evenly through a 64 KB control page (0x100 apart with 256 queues, §6.3.107)', () => {
  const m = new Smmu(ecmdqConfig(0, 8));
  assert.deepEqual(codes(m.write(0x20000 + 0x100 * 7, 8, BigInt(QBASE) | 3n)), []);
  assert.equal(m.ecmdq.get(ECMDQ_BASE, 7), BigInt(QBASE) | 3n);
  assert.equal(m.read(0x20700, 8).value, BigInt(QBASE) | 3n);
  const four = new Smmu(ecmdqConfig(0, 2));
  assert.deepEqual(codes(four.write(0x2c000, 8, BigInt(QBASE) | 3n)), []);
  assert.equal(four.read(0x2c000, 8).value, BigInt(QBASE) | 3n);
  // Between two ECMDQs nothing is mapped: RES0.
  assert.deepEqual(codes(four.read(0x20100, 4)), ['offset.undefined']);
  // A 64-bit access at PROD spans PROD and CONS (§6.2).
  assert.deepEqual(codes(four.read(0x20008, 8)), ['access.span']);
});

test('§6.1: the control pages are contiguous from 0x20000, after the VATOS page when SMMU_IDR2.BA_VATOS falls among them', () => {
  const c = ecmdqConfig(2, 0);
  const vatos = (ba: number): ResolvedConfig => ({
    ...c,
    ids: { ...c.ids, IDR0: (c.ids.IDR0 | (1 << 20) | (1 << 15)) >>> 0, IDR2: ba },
  });
  // BA_VATOS 1: the VATOS page is at 0x30000, so the four control pages go at 0x40000..0x70000.
  const m = new Smmu(vatos(1));
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => m.read(0x4000 + 32 * n, 8).value & ~0xffffn),
    [0x4_0000n, 0x5_0000n, 0x6_0000n, 0x7_0000n],
  );
  // BA_VATOS 4 is past them: they start at 0x20000.
  assert.equal(new Smmu(vatos(4)).read(0x4000, 8).value, 0x2_0003n);
});

test('§3.5.6.2: PROD.EN is acknowledged in CONS.ENACK; BASE and CONS are read-only while the ECMDQ is enabled', () => {
  const e = enabled(1);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, EN);
  assert.deepEqual(codes(e.smmu.write(Q(1), 8, 0x5000_0004n)), ['ecmdq.read-only']);
  assert.equal(e.smmu.read(Q(1), 8).value, BigInt(QBASE) | 4n);
  assert.deepEqual(codes(e.smmu.write(Q(1) + 0xc, 4, 3n)), ['ecmdq.read-only']);
  // Disabling: ENACK follows EN to 0, and BASE is writable again.
  assert.deepEqual(codes(e.smmu.write(Q(1) + 8, 4, 0n)), []);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, 0n);
  assert.deepEqual(codes(e.smmu.write(Q(1), 8, 0x5000_0004n)), []);
  // The other ECMDQs stayed disabled.
  assert.equal(e.smmu.read(Q(0) + 0xc, 4).value, 0n);
});

test('§3.5.6.1: commands on an ECMDQ are consumed when PROD.WR moves past them; the main queue is not involved', () => {
  const e = enabled(5);
  e.memory.writeWords(QBASE, [CFGI_ALL[0], 0, CFGI_ALL[1], 0]);
  e.memory.writeWords(QBASE + 16, [SYNC_IRQ, 0, 0, 0]);
  assert.deepEqual(codes(e.smmu.write(Q(5) + 8, 4, EN | 2n)), []);
  assert.equal(e.smmu.read(Q(5) + 0xc, 4).value, EN | 2n);
  assert.ok(e.activity.some((a) => a.kind === 'interrupt' && a.interrupt?.source === 'CMD_SYNC'));
  // CR0.CMDQEN is 0 and the main queue's registers did not move.
  assert.equal(e.smmu.peek('CMDQ_CONS'), 0n);
  assert.equal(e.smmu.peek('GERROR'), 0n);
});

test('§3.5.6.3: an illegal command stops the ECMDQ at it: CONS.ERR toggles, ERR_REASON = CERROR_ILL, GERROR.CMDQP_ERR, not CMDQ_ERR', () => {
  const e = enabled(1);
  put(e, 0, SYNC);
  put(e, 1, 0xff); // a Reserved opcode (§4.1)
  put(e, 2, SYNC);
  e.smmu.write(Q(1) + 8, 4, EN | 3n);
  // RD on the failed command, ERR toggled to 1, ERR_REASON 0b001.
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, EN | (1n << 24n) | ERR | 1n);
  assert.equal(e.smmu.peek('GERROR'), CMDQP_ERR);
  // Nothing is consumed while PROD.ERRACK != CONS.ERR, whatever PROD says.
  put(e, 3, SYNC);
  e.smmu.write(Q(1) + 8, 4, EN | 4n);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value & 0xf_ffffn, 1n);
  // Fix the command and acknowledge: ERRACK = ERR restarts at RD, without another error.
  put(e, 1, SYNC);
  const ack = e.smmu.write(Q(1) + 8, 4, EN | ERR | 4n);
  assert.deepEqual(codes(ack), ['ecmdq.error-ack']);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, EN | (1n << 24n) | ERR | 4n);
  // A second error toggles ERR back to 0; GERROR.CMDQP_ERR stays active (it is not toggled twice).
  put(e, 4, 0xff);
  e.smmu.write(Q(1) + 8, 4, EN | ERR | 5n);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, EN | (1n << 24n) | 4n);
  assert.equal(e.smmu.peek('GERROR'), CMDQP_ERR);
});

test('§3.5.6.3: a command fetch abort is ERR_REASON = CERROR_ABT', () => {
  const e = enabled(2);
  e.memory.addAbortRange(QBASE, QBASE + 0x100);
  e.smmu.write(Q(2) + 8, 4, EN | 1n);
  assert.equal(e.smmu.read(Q(2) + 0xc, 4).value, EN | (2n << 24n) | ERR);
});

test('§3.5.6.3: toggling PROD.ERRACK with no error active is CONSTRAINED UNPREDICTABLE: reported, and nothing is consumed', () => {
  const e = enabled(1);
  put(e, 0, SYNC);
  const r = e.smmu.write(Q(1) + 8, 4, EN | ERR | 1n);
  assert.deepEqual(codes(r), ['ecmdq.errack-mismatch']);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, EN);
  // Enabling with ERRACK != ERR is reported too.
  const f = new Engine(ecmdqConfig(1, 2));
  f.smmu.write(Q(0), 8, BigInt(QBASE) | 4n);
  assert.deepEqual(codes(f.smmu.write(Q(0) + 8, 4, EN | ERR)), ['ecmdq.errack-mismatch']);
});

test('§3.11: a reset disables every ECMDQ (PROD.EN, ERRACK, CONS.ENACK and ERR reset to 0)', () => {
  const e = enabled(1);
  put(e, 0, 0xff);
  e.smmu.write(Q(1) + 8, 4, EN | 1n);
  assert.notEqual(e.smmu.read(Q(1) + 0xc, 4).value, 0n);
  e.reset();
  assert.equal(e.smmu.read(Q(1) + 8, 4).value, 0n);
  assert.equal(e.smmu.read(Q(1) + 0xc, 4).value, 0n);
});

/** A script run on an engine with 2 pages of 4 ECMDQs; its diagnostics as `line: code`. */
function script(text: string): { engine: Engine; diagnostics: string[] } {
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  const engine = new Engine(ecmdqConfig(1, 2));
  const r = run(resolved.statements, engine);
  return { engine, diagnostics: r.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.code}`) };
}

test('§3.5.6: `cmd … ecmdq=N` fills ECMDQ N at its PROD.WR and `doorbell ecmdq=N` writes its PROD; the main queue is untouched', () => {
  const r = script(
    [
      'write64 0x34000 0x40300004', // ECMDQ 5: page 1, second queue
      'write32 0x34008 0x80000000',
      'cmd CFGI_ALL ecmdq=5',
      'cmd SYNC CS=SIG_IRQ ecmdq=5',
      'doorbell ecmdq=5',
      'read32 0x3400C == 0x80000002',
      'read32 CMDQ_PROD == 0',
      'expect irq CMD_SYNC',
      'cmd SYNC ecmdq=8', // 2 pages of 4: ECMDQs 0 to 7
      'cmd raw 0xFF 0 ecmdq=5',
      'doorbell ecmdq=5',
      'read32 0x3400C == 0x81800002',
    ].join('\n'),
  );
  assert.deepEqual(r.diagnostics, ['9: cmd.ecmdq', '10: cmd.illegal', '11: ecmdq.cerror-ill', '11: gerror.cmdqp_err']);
  // The commands went to the ECMDQ's queue in memory, not to CMDQ_BASE's.
  assert.equal(r.engine.memory.read32(QBASE + 16), SYNC_IRQ);
  assert.equal(r.engine.smmu.peek('CMDQ_CONS'), 0n);
});

test('§6.3.11, §3.5.6.1: SMMU_CR1.QUEUE_* are read-only while any ECMDQ is enabled; TABLE_* are not guarded by it', () => {
  const e = enabled(5);
  // QUEUE_SH = 0b11 (ISH), QUEUE_OC = QUEUE_IC = 0b01 (WB): the change is IGNORED and reported.
  const w = e.smmu.write(0x28, 4, 0x35n);
  assert.deepEqual(codes(w), ['write.guarded', 'write.guarded', 'write.guarded']);
  assert.match(
    w.findings[0]!.message,
    /^SMMU_CR1\.QUEUE_SH is Guarded by SMMU_ECMDQ_PROD5\.EN, which is 1: the change is IGNORED/,
  );
  assert.equal(e.smmu.peek('CR1'), 0n);
  // TABLE_SH/OC/IC are Guarded by SMMUEN only (§6.3.11): they change.
  assert.deepEqual(codes(e.smmu.write(0x28, 4, 0x540n)), []);
  assert.equal(e.smmu.peek('CR1'), 0x540n);
  // ECMDQ 5 disabled (PROD.EN = 0, CONS.ENACK follows): QUEUE_* may change again.
  assert.deepEqual(codes(e.smmu.write(Q(5) + 8, 4, 0n)), []);
  assert.deepEqual(codes(e.smmu.write(0x28, 4, 0x575n)), []);
  assert.equal(e.smmu.peek('CR1'), 0x575n);
  // S_CR1 is not guarded by the Non-secure ECMDQs ("the respective Security state", §6.3.11.2).
  const secure = getRegister('S_CR1').fields.filter((f) => f.guardedByEcmdqs);
  assert.deepEqual(secure, []);
});

test('§6.2.5: the access history names the ECMDQ register an access reached', () => {
  const e = new Engine(ecmdqConfig(1, 2));
  e.smmu.recording = true;
  e.smmu.write(Q(5) + 8, 4, EN);
  e.smmu.read(Q(5) + 0xc, 4);
  e.smmu.read(0x4020, 8);
  assert.deepEqual(
    e.smmu.history.slice(-3).map((h) => [h.register, h.arrayRegister]),
    [
      [undefined, 'ECMDQ_PROD5'],
      [undefined, 'ECMDQ_CONS5'],
      [undefined, 'CMDQ_CONTROL_PAGE_BASE1'],
    ],
  );
});
