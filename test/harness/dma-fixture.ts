/**
 * The script lines the DMA payload tests over the protocols share (CLI, language server, debug
 * adapter): an enabled SMMU with a linear stream table and an event queue, and StreamID 5 at stage
 * 1 (4 KB granule, ASID 1) whose tables `map` takes from the pool at 0x48000000. The tests add
 * their mappings and DMAs after these lines, so the level 3 table is at 0x48002000.
 */
export const STREAM5_STAGE1: readonly string[] = [
  'write64 STRTAB_BASE 0x40000000',
  'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
  'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=5',
  'write32 CR0 SMMUEN|EVENTQEN',
  'tables 0x48000000',
  'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS48 AA64 R A ASID=1 TTB0=0x45000000',
  'ste 5 V Config=S1_TRANS S1ContextPtr=0x44000000',
];
