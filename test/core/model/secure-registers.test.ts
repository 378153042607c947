/**
 * The Secure programming interface's registers (§3.10.2, §6.2.1, §6.3.52–§6.3.82): present with
 * SMMU_S_IDR1.SECURE_IMPL, RAZ/WI to Non-secure accesses, with the Secure enables as their guards
 * and acknowledgements. Values are written out literally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Smmu } from '../../../core/model/smmu';
import { Engine } from '../../../core/engine/engine';
import type { AccessResult } from '../../../core/model/access';
import { PRESETS } from '../../../core/config/presets';
import type { ResolvedConfig } from '../../../core/config/types';
import { streamTableLayout } from '../../../core/structures/bases';
import * as caps from '../../../core/structures/capabilities';
import { config } from '../../harness/helpers';

const codes = (r: AccessResult) => r.findings.map((f) => f.code);
const SECURE_ATS = (PRESETS.get('smmuv3.3-secure-ats') as { config: ResolvedConfig }).config;

test('the smmuv3.3-secure-ats preset advertises Secure state: S_IDR1 0xA0000010 (SECURE_IMPL, SEL2, S_SIDSIZE 16), S_IDR0 0x2000 (MSI)', () => {
  const m = new Smmu(SECURE_ATS);
  const idr1 = m.read(0x8004, 4, 'secure');
  assert.deepEqual([idr1.value, codes(idr1)], [0xa000_0010n, []]);
  assert.equal(m.read(0x8000, 4, 'secure').value, 0x2000n);
});

test('§3.10.2, §6.3.53: a Non-secure access to a Secure register is RAZ/WI, and says so', () => {
  const m = new Smmu(SECURE_ATS);
  const r = m.read(0x8004, 4, 'non-secure');
  assert.deepEqual([r.ok, r.value, codes(r)], [true, 0n, ['access.secure-register']]);
  assert.equal(r.findings[0]?.section, '6.3.53');
  const w = m.write(0x8020, 4, 1n, 'non-secure');
  assert.deepEqual(codes(w), ['access.secure-register', 'write.secure-register']);
  assert.equal(m.peek('S_CR0'), 0n, 'the Non-secure write was ignored');
  // The same write from the Secure state takes effect; by default an access has the register's state.
  assert.deepEqual(codes(m.write(0x8020, 4, 1n, 'secure')), []);
  assert.equal(m.peek('S_CR0ACK'), 1n);
  assert.equal(m.read(0x8020, 4).value, 1n);
  // A Secure access reaches the Non-secure registers too.
  assert.deepEqual(codes(m.write(0x20, 4, 8n, 'secure')), []);
  assert.equal(m.peek('CR0'), 8n);
});

test('§3.10.2: without SECURE_IMPL there is no Secure page: 0x8020 is an undefined location (RES0)', () => {
  const m = new Smmu(config());
  const w = m.write(0x8020, 4, 1n, 'secure');
  assert.deepEqual(codes(w), ['register.unimplemented']);
  assert.match(w.findings[0]?.message ?? '', /SMMU_S_CR0 is not implemented: SMMU_S_IDR1\.SECURE_IMPL/);
  assert.equal(m.read(0x8020, 4, 'secure').value, 0n);
});

test('§6.3.57, §6.3.58: S_CR0 is acknowledged in S_CR0ACK with its implemented fields only (NSSTALLD with S_IDR0.STALL_MODEL 0b00, no VMW without IDR0.VMW)', () => {
  const m = new Smmu(SECURE_ATS);
  // NSSTALLD [9] | SIF [5] | CMDQEN [3] | EVENTQEN [2] | SMMUEN [0]
  assert.deepEqual(codes(m.write(0x8020, 4, 0x22dn)), []);
  assert.equal(m.peek('S_CR0ACK'), 0x22dn);
  const vmw = m.write(0x8020, 4, 0x40n);
  assert.deepEqual(codes(vmw), ['write.unadvertised']);
  assert.equal(m.peek('S_CR0ACK'), 0n);
  // Bit [1] is RES0 in S_CR0 (no PRI queue in the Secure interface).
  assert.deepEqual(codes(m.write(0x8020, 4, 0x2n)), ['write.res0']);
});

test('§6.3.72–§6.3.77: the Secure tables and queues are Guarded by the Secure enables, not the Non-secure ones', () => {
  const m = new Smmu(SECURE_ATS);
  m.write(0x20, 4, 0xdn); // CR0: SMMUEN | CMDQEN | EVENTQEN, Non-secure
  assert.deepEqual(codes(m.write(0x8090, 8, 0x5000_0004n)), [], 'S_CMDQ_BASE with the Non-secure CMDQEN set');
  m.write(0x8020, 4, 0x9n); // S_CR0: SMMUEN | CMDQEN
  const g = m.write(0x8090, 8, 0x6000_0004n);
  assert.deepEqual(codes(g), ['write.guarded']);
  assert.deepEqual(g.findings[0]?.guards, [{ register: 'S_CR0', field: 'CMDQEN' }]);
  assert.equal(m.peek('S_CMDQ_BASE'), 0x5000_0004n);
  assert.deepEqual(codes(m.write(0x8080, 8, 0x4000_0000n)), ['write.guarded'], 'S_STRTAB_BASE by S_CR0.SMMUEN');
  assert.deepEqual(codes(m.write(0x809c, 4, 0n)), ['write.guarded'], 'S_CMDQ_CONS by S_CR0.CMDQEN (§6.3.76)');
  assert.deepEqual(codes(m.write(0x80a0, 8, 0x7000_0004n)), [], 'S_EVENTQ_BASE: S_CR0.EVENTQEN is 0');
});

test('§6.3.63: S_GBPA has the Update handshake, and NSCFG only with SMMU_IDR1.ATTR_PERMS_OVR', () => {
  const m = new Smmu(SECURE_ATS);
  assert.deepEqual(codes(m.write(0x8044, 4, 0x0010_0000n)), ['s_gbpa.no-update']);
  assert.deepEqual(codes(m.write(0x8044, 4, 0x8010_0000n)), []);
  assert.equal(m.peek('S_GBPA'), 0x0010_0000n, 'ABORT set, Update done');
  const nscfg = m.write(0x8044, 4, 0x8000_c000n);
  assert.deepEqual(codes(nscfg), ['write.unadvertised']);
  const withOvr = new Smmu({ ...SECURE_ATS, ids: { ...SECURE_ATS.ids, IDR1: SECURE_ATS.ids.IDR1 | (1 << 26) } });
  assert.deepEqual(codes(withOvr.write(0x8044, 4, 0x8000_c000n)), []);
  assert.equal(withOvr.peek('S_GBPA'), 0xc000n, 'NSCFG = Non-secure');
});

test('§6.3.64: S_AGBPA keeps what a Secure access writes, without findings, and is RAZ/WI to a Non-secure access', () => {
  const m = new Smmu(SECURE_ATS);
  assert.deepEqual(codes(m.write(0x8048, 4, 0x1234_5678n, 'secure')), []);
  assert.equal(m.peek('S_AGBPA'), 0x1234_5678n);
  const r = m.read(0x8048, 4, 'secure');
  assert.deepEqual([r.value, codes(r)], [0x1234_5678n, []]);
  assert.deepEqual(codes(m.write(0x8048, 4, 1n, 'non-secure')), ['access.secure-register', 'write.secure-register']);
  assert.equal(m.read(0x8048, 4, 'non-secure').value, 0n);
  assert.equal(m.peek('S_AGBPA'), 0x1234_5678n, 'the Non-secure write was ignored');
  // Apart from the Non-secure SMMU_AGBPA (§6.3.15).
  assert.equal(m.peek('AGBPA'), 0n);
});

test('§6.3.67, §6.3.68: S_GERRORN acknowledges S_GERROR, apart from the Non-secure GERROR', () => {
  const m = new Smmu(SECURE_ATS);
  m.setOwned('S_GERROR', 1n);
  const r = m.write(0x8064, 4, 1n);
  assert.deepEqual(codes(r), ['gerrorn.ack']);
  assert.equal(m.peek('GERRORN'), 0n);
  assert.deepEqual(codes(m.write(0x64, 4, 1n)), ['gerrorn.inactive-toggle'], 'the Non-secure GERROR has no error');
});

test('§6.3.62: S_INIT.INV_ALL invalidates every cache and reads 0 when done; with an SMMUEN set it warns (CONSTRAINED UNPREDICTABLE)', () => {
  const e = new Engine(SECURE_ATS);
  assert.deepEqual(codes(e.smmu.write(0x803c, 4, 1n)), []);
  assert.equal(e.smmu.read(0x803c, 4).value, 0n);
  assert.match(
    e.activity.at(-1)?.kind === 'note' ? e.activity.at(-1)!.text : '',
    /SMMU_S_INIT\.INV_ALL: 0 cached structures and 0 TLB entries invalidated/,
  );
  e.smmu.write(0x20, 4, 1n); // CR0.SMMUEN
  const w = e.smmu.write(0x803c, 4, 1n);
  assert.deepEqual(codes(w), ['s_init.enabled']);
  assert.match(w.findings[0]?.message ?? '', /SMMU_CR0\.SMMUEN = 1: CONSTRAINED UNPREDICTABLE/);
  assert.equal(e.smmu.peek('S_INIT'), 0n);
});

test('§6.3.53, §6.3.72, §6.3.73: S_STRTAB_BASE_CFG.LOG2SIZE is capped at SMMU_S_IDR1.S_SIDSIZE, as STRTAB_BASE_CFG.LOG2SIZE is at SMMU_IDR1.SIDSIZE', () => {
  // S_IDR1 = SECURE_IMPL [31] | SEL2 [29] | S_SIDSIZE 8 [5:0]; SMMU_IDR1.SIDSIZE stays 16.
  const c: ResolvedConfig = { ...SECURE_ATS, ids: { ...SECURE_ATS.ids, S_IDR1: 0xa000_0008 } };
  const m = new Smmu(c);
  // LOG2SIZE [5:0] = 10: above S_SIDSIZE, within SIDSIZE.
  const w = m.write(0x8088, 4, 10n, 'secure');
  assert.deepEqual(codes(w), ['strtab.log2size']);
  assert.match(w.findings[0]?.message ?? '', /exceeds SMMU_S_IDR1\.S_SIDSIZE = 8: the SMMU uses 8/);
  assert.equal(m.peek('S_STRTAB_BASE_CFG'), 10n, 'read back as written');
  assert.equal(streamTableLayout(0n, 10n, m.ids, caps.secureSidSize(m.ids)).log2, 8);
  assert.equal(streamTableLayout(0n, 10n, m.ids).log2, 10, 'the Non-secure cap is SMMU_IDR1.SIDSIZE');
  // The Non-secure register is not capped by S_SIDSIZE.
  assert.deepEqual(codes(m.write(0x88, 4, 10n)), []);
});
