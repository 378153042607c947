/**
 * The built-in presets as configuration documents, exactly as presets/*.smmu.json spell them
 * (test/core/config/config.test.ts checks the files and these agree). Kept as data (importing
 * only a type) so the loader can resolve `"base": "<preset>"` without a cycle through presets.ts.
 */

import type { Json } from './json';
import { own } from '../base/own';

export type { Json };
export type JsonObject = { readonly [key: string]: Json };

/**
 * QEMU's arm-smmuv3 ID registers with default properties (stage=1); QEMU sets no IIDR. Both QEMU
 * presets share them; qemu-7.2 lacks VMID16. (facts §8.1.)
 */
const QEMU_FEATURES = {
  stage1: true,
  stage2: false,
  ttf: 'aarch64',
  coherent: true,
  asid16: true,
  vmid16: true,
  ttEndian: 'le',
  stallModel: 'terminate',
  termModel: 'abort',
  streamTable: '2-level',
  sidSize: 16,
  ssidSize: 0,
  cmdqSize: 19,
  eventqSize: 19,
  priqSize: 0,
  had: true,
  ril: true,
  bbml: 2,
  oas: 44,
  granules: ['4K', '16K', '64K'],
  vax: 48,
} as const;

/**
 * QEMU's CONSTRAINED UNPREDICTABLE choices (§6.2), the same in 7.2.0 and 11.1.0 (hw/arm/smmuv3.c):
 * smmu_read_mmio()/smmu_write_mmio() do `offset &= ~0x10000` ("page0/1 be exact aliases"); the
 * memory core refuses accesses below 32 bits and unaligned ones (`.valid.min_access_size = 4`,
 * no `.valid.unaligned`), an abort; smmu_readll()/smmu_writell() read 64-bit accesses to 32-bit
 * registers as 0 and ignore their writes (`default:`, "(RAZ)" / "(WI)").
 */
const QEMU_CHOICES = {
  page0AliasOfPage1: 'alias',
  page1Undefined: 'alias-page0',
  illegalAccess: 'abort',
  illegal64BitAccess: 'raz-wi',
} as const;

/**
 * QEMU's CoreSight ID registers (§6.3.170), the same in 7.2 and 11.1: smmuv3_idreg() in
 * hw/arm/smmuv3-internal.h returns the bytes 0x04, 0, 0, 0, 0x84, 0xB4, 0xF0, 0x10, 0x0D, 0xF0,
 * 0x05, 0xB1 for 0xFD0–0xFFC ("an ARM implementation of MMU600").
 */
const QEMU_CORESIGHT_IDS = {
  PIDR4: '0x04',
  PIDR0: '0x84',
  PIDR1: '0xB4',
  PIDR2: '0xF0',
  PIDR3: '0x10',
} as const;
const QEMU_CORESIGHT_NOTE =
  "QEMU's CoreSight ID registers are its fixed bytes (smmuv3_idreg): PIDR2 = 0xF0 has JEDEC 0 and DES_1 0, so the designer code is 0x40B rather than Arm's 0x43B and does not match the IIDR QEMU leaves 0, and the part number 0x484 is not the IIDR's ProductID (the config.coresight-id notes)";

/**
 * QEMU 7.2 (Debian 12's qemu-system-arm), the QEMU of test/fixtures/qemu: smmuv3_init_regs() at tag
 * v7.2.0 (commit b67b00e6b4c7). IDR0 0x0D40101A, the value its logs show.
 */
export const QEMU_7_2: JsonObject = {
  name: 'QEMU 7.2 virt SMMUv3 (-M virt,iommu=smmuv3)',
  description:
    "QEMU 7.2's arm-smmuv3 (Debian 12 ships 7.2), from smmuv3_init_regs() at tag v7.2.0 (commit b67b00e6): IDR0 0x0D40101A (stage 1 only; no VMID16, which came in 8.1), IDR1 0x02730010, IDR2 0, IDR3 0x00001404, IDR4 0, IDR5 0x00000074, AIDR 1 (SMMUv3.1). QEMU never sets IIDR, so it reads 0: left out here as QEMU leaves it (the config.iidr note). CMDQS and EVENTQS are 19, the architectural maximum, QEMU's SMMU_CMDQS and SMMU_EVENTQS (the config.queue-size notes). 7.2 has no GBPA register (QEMU 8.0 added it): it reads 0 and ignores writes, so the reset value here is 0. CONSTRAINED UNPREDICTABLE choices as QEMU makes them: page 0 and page 1 are exact aliases (offset &= ~0x10000); 8- and 16-bit and unaligned accesses abort (the memory core's .valid.min_access_size = 4); 64-bit accesses to 32-bit registers read 0 and ignore writes (smmu_readll/smmu_writell). " +
    QEMU_CORESIGHT_NOTE +
    '.',
  version: '3.1',
  drivers: ['linux'],
  features: { ...QEMU_FEATURES, vmid16: false },
  gbpa: '0x00000000',
  choices: QEMU_CHOICES,
  registers: QEMU_CORESIGHT_IDS,
  accepted: {
    'config.coresight-id':
      'QEMU reports these CoreSight ID values whatever its IIDR; the preset keeps them so that scripts see what a guest sees',
  },
};

/**
 * QEMU 11.1, the newest release when this was written: smmuv3_init_id_regs() at tag v11.1.0
 * (commit 84f07211cc5b, August 2026; unchanged on master of 2026-08-21), accel=off.
 */
export const QEMU_11_1: JsonObject = {
  name: 'QEMU 11.1 virt SMMUv3 (-M virt,iommu=smmuv3)',
  description:
    "QEMU 11.1's arm-smmuv3 with default properties (stage=1, accel=off), from smmuv3_init_id_regs() at tag v11.1.0 (commit 84f07211): IDR0 0x0D44101A, IDR1 0x02730010, IDR2 0, IDR3 0x00001404, IDR4 0, IDR5 0x00000074, AIDR 1 (SMMUv3.1). Since 7.2: the GBPA register (8.0, reset 0x1000), VMID16 and the stage property (8.1; stage=2 sets S2P instead of S1P), XNX with S2P (8.2), stage=nested (9.1), and with accel=on the ats, ril, oas and ssidsize properties (11.0; \"auto\" in 11.1). For stage=2 or stage=nested set stage2 (and stage1: false for stage=2) and xnx; Xen's host driver needs stage 2. QEMU never sets IIDR, so it reads 0: left out here as QEMU leaves it (the config.iidr note). CMDQS and EVENTQS are 19, the architectural maximum, QEMU's SMMU_CMDQS and SMMU_EVENTQS (the config.queue-size notes). CONSTRAINED UNPREDICTABLE choices as QEMU makes them: page 0 and page 1 are exact aliases (offset &= ~0x10000); 8- and 16-bit and unaligned accesses abort (the memory core's .valid.min_access_size = 4); 64-bit accesses to 32-bit registers read 0 and ignore writes (smmu_readll/smmu_writell). " +
    QEMU_CORESIGHT_NOTE +
    '.',
  version: '3.1',
  drivers: ['linux'],
  features: QEMU_FEATURES,
  gbpa: '0x00001000',
  choices: QEMU_CHOICES,
  registers: QEMU_CORESIGHT_IDS,
  accepted: {
    'config.coresight-id':
      'QEMU reports these CoreSight ID values whatever its IIDR; the preset keeps them so that scripts see what a guest sees',
  },
};

/**
 * The minimal virtual SMMUv3 Xen gives guests in the vSMMUv3 series under review (facts §9, seed
 * thread): IDR0 0x0D00100A, IDR1 0x02730010, IDR3 0, IDR5 0x75, IIDR 0x12.
 */
export const XEN_VSMMU: JsonObject = {
  name: 'Xen vSMMUv3 (guest view, v3 series)',
  description:
    'The virtual SMMUv3 of the xen-devel vSMMUv3 series (xen-troops vsmmu-v3.c): stage 1 only, AArch64 tables, mixed-endian, not coherent, no RIL/HAD (IDR3 = 0). CMDQS and EVENTQS are 19, the architectural maximum, chosen for simplicity per the review thread (the config.queue-size notes). IIDR 0x12 is a dummy value, kept because the guest sees it (accepted: the config.iidr note). AIDR is not emulated (reads abort); IDR3 = 0 is only consistent with SMMUv3.0 (HAD is mandatory with stage 1 from v3.1), so it is modelled as v3.0. A guest Linux drives it, hence drivers: linux.',
  version: '3.0',
  drivers: ['linux'],
  features: {
    stage1: true,
    ttf: 'aarch64',
    coherent: false,
    asid16: true,
    vmid16: false,
    ttEndian: 'mixed',
    stallModel: 'terminate',
    termModel: 'abort',
    streamTable: '2-level',
    sidSize: 16,
    cmdqSize: 19,
    eventqSize: 19,
    oas: 48,
    granules: ['4K', '16K', '64K'],
  },
  iidr: { implementer: '0x012', productId: 0, variant: 0, revision: 0 },
  gbpa: '0x00001000',
  accepted: {
    'config.iidr': 'the vSMMU reports this dummy IIDR; the preset keeps it so that scripts see what a guest sees',
  },
};

/**
 * A full-featured SMMUv3.2: both stages, both table formats, ATS/PRI/MSI, 2-level tables, every
 * feature SMMUv3.2 makes mandatory, and nothing from v3.3 on. Validates with no errors or warnings.
 */
export const SMMUV3_2_FULL: JsonObject = {
  name: 'SMMUv3.2 full-featured',
  description:
    'Every SMMUv3.2 feature a PCIe server SMMU would have: stage 1 and 2 with nesting and EL2 contexts, AArch32+AArch64 tables, mixed endianness, coherent, BTM, HTTU (AF+dirty), ATS+PRI, MSIs, 2-level stream and CD tables, 32-bit StreamIDs, 20-bit SubstreamIDs, stalls, 52-bit VA and PA. Command, event and PRI queues of up to 2^19 entries, the architectural maximum, so that scripts may use any size (the config.queue-size notes). IIDR names Arm with ProductID 0 so that no Linux erratum workaround applies (the config.iidr note). It advertises a feature the model does not implement, so that a driver probes and configures a full SMMU: AArch32 tables (the accepted config.not-modelled-aarch32 note). Its VATOS page is at 0x20000 (BA_VATOS 0).',
  version: '3.2',
  features: {
    stage1: true,
    stage2: true,
    ttf: 'both',
    coherent: true,
    btm: true,
    httu: 'af-dirty',
    dormhint: true,
    hyp: true,
    ats: true,
    ns1ats: false,
    asid16: true,
    msi: true,
    sev: true,
    atos: true,
    pri: true,
    vmw: true,
    vmid16: true,
    cd2l: true,
    vatos: true,
    vatosBase: 0,
    ttEndian: 'mixed',
    stallModel: 'stall',
    termModel: 'abort-or-razwi',
    streamTable: '2-level',
    sidSize: 32,
    ssidSize: 20,
    cmdqSize: 19,
    eventqSize: 19,
    priqSize: 19,
    attrTypesOvr: true,
    attrPermsOvr: true,
    had: true,
    pbha: true,
    xnx: true,
    pps: true,
    fwb: true,
    stt: true,
    ril: true,
    bbml: 2,
    oas: 52,
    granules: ['4K', '16K', '64K'],
    vax: 52,
    stallMax: 256,
  },
  iidr: { implementer: '0x43B', productId: '0x000', variant: 0, revision: 0 },
  gbpa: '0x00001000',
  accepted: {
    'config.not-modelled-aarch32':
      'a full SMMUv3.2 takes AArch32 tables too: scripts use AArch64 tables, which the model walks',
  },
};

/**
 * An SMMUv3.4 with LPA2 (SMMU_IDR5.DS, §6.3.6): 52-bit VAs, IPAs and PAs with every granule, both
 * stages (CD.DS, STE.S2DS), and the features SMMUv3.3 and v3.4 make mandatory. Validates with no
 * errors or unaccepted warnings.
 */
export const SMMUV3_4_LPA2: JsonObject = {
  name: 'SMMUv3.4 with LPA2',
  description:
    'An SMMUv3.4 with 52-bit addresses for every granule: SMMU_IDR5.DS (LPA2: CD.DS and STE.S2DS take the 4 KB and 16 KB granules to 52-bit inputs and outputs, with a level -1 start), VAX and OAS of 52 bits, the 4 KB, 16 KB and 64 KB granules; stage 1 and 2 with EL2 contexts, AArch64 tables, little-endian, coherent, HTTU (AF+dirty), MSIs, 2-level stream and CD tables, 16-bit StreamIDs, 20-bit SubstreamIDs, terminate-only faults, and what SMMUv3.2-3.4 make mandatory (RIL, BBML 2, STT, FWB, XNX, E0PD, EPAN, PTWNNC, MTEPERM). Command and event queues of up to 2^19 entries (the config.queue-size notes); IIDR names Arm with ProductID 0 (the config.iidr note).',
  version: '3.4',
  features: {
    stage1: true,
    stage2: true,
    ttf: 'aarch64',
    coherent: true,
    httu: 'af-dirty',
    hyp: true,
    asid16: true,
    msi: true,
    vmid16: true,
    cd2l: true,
    ttEndian: 'le',
    stallModel: 'terminate',
    termModel: 'abort',
    streamTable: '2-level',
    sidSize: 16,
    ssidSize: 20,
    cmdqSize: 19,
    eventqSize: 19,
    had: true,
    xnx: true,
    fwb: true,
    stt: true,
    ril: true,
    bbml: 2,
    e0pd: true,
    epan: true,
    ptwnnc: true,
    mteperm: true,
    ds: true,
    oas: 52,
    granules: ['4K', '16K', '64K'],
    vax: 52,
  },
  iidr: {
    implementer: '0x43B',
    productId: '0x000',
    variant: 0,
    revision: 0,
  },
  gbpa: '0x00001000',
};

/**
 * An SMMUv3.3 with Secure state (SMMU_S_IDR1.SECURE_IMPL, SEL2, §3.10.2) and ATS, and every other
 * feature the model implements: both stages with EL2 contexts, PRI, stalls, MSIs, HTTU, LPA2 and
 * 52-bit addresses. It accepts what it advertises that the model does not do (Secure streams
 * beyond the SMMU_S_* registers). Validates with no errors or unaccepted warnings.
 */
export const SMMUV3_3_SECURE_ATS: JsonObject = {
  name: 'SMMUv3.3 with Secure state and ATS',
  description:
    'An SMMUv3.3 with the Secure programming interface and PCIe ATS, and every feature the model implements: Secure state with Secure EL2 and Secure stage 2 (SMMU_S_IDR1.SECURE_IMPL and SEL2; the SMMU_S_* registers at 0x8000, RAZ/WI to Non-secure accesses), 16-bit Secure StreamIDs and Secure MSIs; ATS with PRI (CR0.ATSCHK, STE.EATS, CMD_ATC_INV, the PRI queue); stage 1 and 2 with EL2 contexts, AArch64 tables, little-endian, coherent, BTM, HTTU (AF+dirty), MSIs, 2-level stream and CD tables, 16-bit StreamIDs, 20-bit SubstreamIDs, the Stall and Terminate models, LPA2 (DS) with 52-bit VAs and PAs and every granule, and what SMMUv3.2 and v3.3 make mandatory (RIL, BBML 2, FWB, XNX, E0PD, PTWNNC). The model has the Secure registers, the Secure Command queue, Secure streams with Secure stage 2, S-EL2 and EL3, the Secure Event queue and a Secure PA space of its own; what is left is in the accepted config.not-modelled-secure note. Queues of up to 2^19 entries (the config.queue-size notes); IIDR names Arm with ProductID 0 (the config.iidr note).',
  version: '3.3',
  features: {
    stage1: true,
    stage2: true,
    ttf: 'aarch64',
    coherent: true,
    btm: true,
    httu: 'af-dirty',
    hyp: true,
    ats: true,
    pri: true,
    asid16: true,
    msi: true,
    vmid16: true,
    cd2l: true,
    ttEndian: 'le',
    stallModel: 'stall',
    termModel: 'abort',
    streamTable: '2-level',
    sidSize: 16,
    ssidSize: 20,
    cmdqSize: 19,
    eventqSize: 19,
    priqSize: 19,
    had: true,
    xnx: true,
    fwb: true,
    stt: true,
    ril: true,
    bbml: 2,
    e0pd: true,
    ptwnnc: true,
    ds: true,
    oas: 52,
    granules: ['4K', '16K', '64K'],
    vax: 52,
    stallMax: 256,
    secure: true,
    secureEl2: true,
    secureMsi: true,
    secureSidSize: 16,
  },
  iidr: {
    implementer: '0x43B',
    productId: '0x000',
    variant: 0,
    revision: 0,
  },
  gbpa: '0x00001000',
  accepted: {
    'config.not-modelled-secure':
      "the Secure programming interface is what this preset is for: its SMMU_S_* registers (RAZ/WI to Non-secure accesses), the Secure Command queue, Secure streams with Secure stage 2 and S-EL2, and the Secure Event queue are modelled; the debugger reads the Secure PA space (`mem64(ADDR, secure)`, `0x… secure` memory references); left are the NS parameter of CMD_TLBI_S_S2_IPA (both IPA spaces are invalidated, which is permitted), and Secure memory in live inspection (QEMU's gdbstub reads only the Non-secure PA space)",
  },
};

/** Preset documents by name: presets/<name>.smmu.json. */
export const PRESET_DOCUMENTS: Readonly<Record<string, JsonObject>> = {
  'qemu-7.2': QEMU_7_2,
  'qemu-11.1': QEMU_11_1,
  'xen-vsmmu': XEN_VSMMU,
  'smmuv3.2-full': SMMUV3_2_FULL,
  'smmuv3.4-lpa2': SMMUV3_4_LPA2,
  'smmuv3.3-secure-ats': SMMUV3_3_SECURE_ATS,
};

/**
 * Names that stand for a preset. `qemu` is the newest QEMU release modelled here (what
 * `-M virt,iommu=smmuv3` gives today, and the built-in default); scripts, settings and `"base"`
 * that say `qemu` follow it when a newer QEMU preset is added.
 */
export const PRESET_ALIASES: Readonly<Record<string, string>> = { qemu: 'qemu-11.1' };

/** Every name a preset goes by, aliases first: what `"base"`, `--config` and the settings accept. */
export const PRESET_NAMES: readonly string[] = [...Object.keys(PRESET_ALIASES), ...Object.keys(PRESET_DOCUMENTS)];

/** The document a preset name (or alias) stands for. */
export function presetDocument(name: string): JsonObject | undefined {
  return own(PRESET_DOCUMENTS, own(PRESET_ALIASES, name) ?? name);
}

/**
 * presets/<alias>.smmu.json: the preset it stands for as `base` and nothing else, so a file that
 * says `config "presets/qemu.smmu.json"` gets exactly the preset's values.
 */
export function aliasFileDocument(alias: string): JsonObject | undefined {
  const target = own(PRESET_ALIASES, alias);
  if (!target) return undefined;
  return {
    description: `"${alias}" is an alias: today it is the ${target} preset (presets/${target}.smmu.json), the newest QEMU release modelled here, and it follows the next one. Name ${target} to keep exactly these values. The notes a check gives here are that preset's, explained in its description.`,
    base: target,
  };
}
