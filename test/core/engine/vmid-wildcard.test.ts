/**
 * VMID wildcards (§3.17.6, SMMU_CR0.VMW §6.3.9, SMMU_IDR0.VMW §6.3.1): with CR0.VMW = k (1–4), a
 * TLB invalidation that matches on VMID matches VMID[N:k], for TLB and walk cache entries alike;
 * the reserved values behave as 0b000, and without IDR0.VMW the field is RES0. Commands run from a
 * script through the real parser, resolver and interpreter, on TLB contents made by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../core/engine/engine';
import type { TlbEntry } from '../../../core/engine/tlb';
import { run } from '../../../core/script/interpreter';
import { analyzeScript } from '../../../core/script/resolve';
import { config, QEMU_IDS } from '../../harness/helpers';

/** QEMU's IDs with stage 2 (IDR0.S2P, bit [0]) and VMID wildcards (IDR0.VMW, bit [17]); VMID16 is QEMU's. */
const VMW_IDS = { IDR0: QEMU_IDS.IDR0 | 1 | (1 << 17) };

/**
 * For each VMID: a stage 1 leaf (ASID 5) and a stage-2-only leaf at page 2 (address 0x2000), and a
 * stage 1 and a stage 2 level 0 table entry covering it in the walk cache.
 */
function fill(e: Engine, vmids: readonly number[]): void {
  const leaf = {
    regime: 'NH' as const,
    log2: 12,
    page: 2,
    oa: 0x8000_0000,
    r: true,
    w: true,
    x: true,
    priv: false,
    ssid: 0,
    seq: 0,
    level: 3,
    ipa: undefined,
  } satisfies Partial<TlbEntry>;
  for (const vmid of vmids) {
    e.tlb.insert({ ...leaf, vmid, asid: 5, stages: 1, sid: vmid });
    e.tlb.insert({ ...leaf, vmid, asid: -2, stages: 2, sid: vmid });
    for (const stages of [1, 2] as const)
      e.tlb.walks.insert({
        regime: 'NH',
        vmid,
        asid: stages === 1 ? 5 : -2,
        stages,
        level: 0,
        log2: 39,
        page: 0,
        address: 0x4500_0000n,
        descriptor: 0x4800_0003n,
        next: 0x4800_0000n,
        noWrite: false,
        noUser: false,
        xn: false,
        pxn: false,
        sid: vmid,
        seq: 0,
      });
  }
}

/**
 * `cr0` written (with CMDQEN) and acknowledged as written (VMW not at all when the write is
 * reported, `errors`), then `command` and a CMD_SYNC consumed, on an SMMU with `ids` whose TLB
 * holds `fill(vmids)`. Returns what is left: "vmid:stage" of leaves and "vmid:stage:table" of walk
 * cache entries, sorted.
 */
function invalidate(
  cr0: string,
  command: string,
  vmids: readonly number[],
  ids = VMW_IDS,
  errors: readonly RegExp[] = [],
): string[] {
  const text = `
write64 CMDQ_BASE 0x40100000 | LOG2SIZE=4
write32 CR0 CMDQEN${cr0}
read32 CR0ACK == ${errors.length ? 'CMDQEN' : `CMDQEN${cr0}`}
cmd ${command}
cmd SYNC
doorbell
read32 CMDQ_CONS == 2
read32 GERROR == 0
`;
  const resolved = analyzeScript(text);
  assert.deepEqual(
    resolved.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  const engine = new Engine(config(ids));
  fill(engine, vmids);
  const r = run(resolved.statements, engine);
  const got = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.equal(got.length, errors.length, `${command}: ${got.join('; ')}`);
  got.forEach((m, i) => assert.match(m, errors[i] as RegExp));
  const hex = (n: number) => '0x' + n.toString(16);
  return [
    ...engine.tlb.entries().map((e) => `${hex(e.vmid)}:${e.stages}`),
    ...engine.tlb.walks.entries().map((e) => `${hex(e.vmid)}:${e.stages}:table`),
  ].sort();
}

/** What is left when every entry of `removed` VMIDs at stage `stage` is gone. */
function left(vmids: readonly number[], removed: readonly number[], stages: readonly (1 | 2)[]): string[] {
  const out: string[] = [];
  for (const v of vmids)
    for (const s of [1, 2] as const)
      if (!removed.includes(v) || !stages.includes(s))
        out.push(`0x${v.toString(16)}:${s}`, `0x${v.toString(16)}:${s}:table`);
  return out.sort();
}

test('§3.17.6 with CR0.VMW = 0b001 every invalidation by VMID matches VMID[15:1]: TLBI_NH_ALL/ASID/VA/VAA at stage 1, TLBI_S12_VMALL at both stages, TLBI_S2_IPA at stage 2', () => {
  const vmids = [0x1f, 0x20, 0x21, 0x22];
  const cases: [string, 1[] | 2[] | (1 | 2)[]][] = [
    ['TLBI_NH_ALL vmid=0x20', [1]],
    ['TLBI_NH_ASID vmid=0x21 asid=5', [1]],
    ['TLBI_NH_VA vmid=0x20 asid=5 Address=0x2000', [1]],
    ['TLBI_NH_VAA vmid=0x21 Address=0x2000', [1]],
    ['TLBI_S12_VMALL vmid=0x20', [1, 2]],
    ['TLBI_S2_IPA vmid=0x21 Address=0x2000', [2]],
  ];
  for (const [command, stages] of cases)
    assert.deepEqual(invalidate('|VMW=VMID_N_1', command, vmids), left(vmids, [0x20, 0x21], stages), command);
});

test('§6.3.9 CR0.VMW = 0b010, 0b011, 0b100: groups of 4, 8 and 16 VMIDs, whatever the low bits of the command VMID', () => {
  for (const k of [2, 3, 4]) {
    const size = 2 ** k;
    const vmids = [0x3f, 0x40, 0x40 + size - 1, 0x40 + size];
    // The last VMID of the group names it: its low k bits are ignored too.
    const got = invalidate(`|VMW=${k}`, `TLBI_S12_VMALL vmid=${0x40 + size - 1}`, vmids);
    assert.deepEqual(got, left(vmids, [0x40, 0x40 + size - 1], [1, 2]), `VMW = ${k}`);
  }
});

test('§6.3.9 CR0.VMW = 0b000 matches VMIDs exactly, and the reserved values 0b101-0b111 behave as 0b000', () => {
  const vmids = [0x20, 0x21];
  assert.deepEqual(invalidate('', 'TLBI_S12_VMALL vmid=0x21', vmids), left(vmids, [0x21], [1, 2]));
  for (const reserved of [5, 6, 7])
    assert.deepEqual(
      invalidate(`|${reserved << 6}`, 'TLBI_S12_VMALL vmid=0x21', vmids),
      left(vmids, [0x21], [1, 2]),
      `VMW = ${reserved}`,
    );
});

test('§6.3.9: without SMMU_IDR0.VMW, CR0.VMW is RES0 and invalidations match VMIDs exactly', () => {
  const vmids = [0x20, 0x21];
  assert.deepEqual(
    // The write itself is reported: the bits are neither stored nor acknowledged.
    invalidate('|VMW=VMID_N_1', 'TLBI_S12_VMALL vmid=0x20', vmids, { IDR0: QEMU_IDS.IDR0 | 1 }, [
      /SMMU_CR0\.VMW is RES0 in this configuration because SMMU_IDR0\.VMW == 1 is not advertised/,
    ]),
    left(vmids, [0x20], [1, 2]),
  );
});

test('§3.17.6: invalidations that do not match on VMID are unchanged: TLBI_NSNH_ALL removes every VMID', () => {
  const vmids = [0x20, 0x21, 0x22];
  assert.deepEqual(invalidate('|VMW=VMID_N_1', 'TLBI_NSNH_ALL', vmids), []);
});
