/**
 * The built-in presets as configuration documents, exactly as presets/*.smmu.json spell them
 * (test/unit/config.test.ts checks the files and these agree). Kept as data (importing only a type) so
 * the loader can resolve `"base": "<preset>"` without a cycle through presets.ts.
 */

import type { Json } from './json';

export type { Json };
export type JsonObject = { readonly [key: string]: Json };

/** QEMU `-M virt,iommu=smmuv3`, device arm-smmuv3 with its defaults (facts §8.1, QEMU 9.x–10.x). */
export const QEMU: JsonObject = {
  name: 'QEMU virt SMMUv3 (-M virt,iommu=smmuv3)',
  description:
    "QEMU's arm-smmuv3 with default properties (stage=1): IDR0 0x0D44101A, IDR1 0x02730010, IDR3 0x00001404, IDR5 0x00000074, IIDR 0, AIDR 1 (SMMUv3.1). Queue sizes are the architectural maximum, 19. QEMU never sets IIDR. With stage=2 or stage=nested set stage2 (and xnx); Xen's host driver needs stage 2.",
  version: '3.1',
  drivers: ['linux'],
  features: {
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
  },
  iidr: { implementer: '0x000', productId: '0x000', variant: 0, revision: 0 },
  gbpa: '0x00001000',
  choices: { page0AliasOfPage1: 'raz-wi', page1Undefined: 'res0', illegalAccess: 'raz-wi' },
};

/**
 * The minimal virtual SMMUv3 Xen gives guests in the vSMMUv3 series under review (facts §9, seed
 * thread): IDR0 0x0D00100A, IDR1 0x02730010, IDR3 0, IDR5 0x75, IIDR 0x12.
 */
export const XEN_VSMMU: JsonObject = {
  name: 'Xen vSMMUv3 (guest view, v3 series)',
  description:
    'The virtual SMMUv3 of the xen-devel vSMMUv3 series (xen-troops vsmmu-v3.c): stage 1 only, AArch64 tables, mixed-endian, not coherent, no RIL/HAD (IDR3 = 0). CMDQS and EVENTQS are 19, the architectural maximum, chosen for simplicity per the review thread. IIDR 0x12 is a dummy value. AIDR is not emulated (reads abort); IDR3 = 0 is only consistent with SMMUv3.0 (HAD is mandatory with stage 1 from v3.1), so it is modelled as v3.0. A guest Linux drives it, hence drivers: linux.',
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
};

/**
 * A full-featured SMMUv3.2: both stages, both table formats, ATS/PRI/MSI, 2-level tables, every
 * feature SMMUv3.2 makes mandatory, and nothing from v3.3 on. Validates with no errors or warnings.
 */
export const SMMUV3_2_FULL: JsonObject = {
  name: 'SMMUv3.2 full-featured',
  description:
    'Every SMMUv3.2 feature a PCIe server SMMU would have: stage 1 and 2 with nesting and EL2 contexts, AArch32+AArch64 tables, mixed endianness, coherent, BTM, HTTU (AF+dirty), ATS+PRI, MSIs, 2-level stream and CD tables, 32-bit StreamIDs, 20-bit SubstreamIDs, stalls, 52-bit VA and PA. IIDR names Arm with ProductID 0 so that no Linux erratum workaround applies.',
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
};

/** Preset documents by name: the names `"base"` accepts and presets/<name>.smmu.json. */
export const PRESET_DOCUMENTS: Readonly<Record<string, JsonObject>> = {
  qemu: QEMU,
  'xen-vsmmu': XEN_VSMMU,
  'smmuv3.2-full': SMMUV3_2_FULL,
};
