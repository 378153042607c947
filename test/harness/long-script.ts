/**
 * The benchmark's long script (test/bench/lsp.bench.ts), for tests that need one of a given
 * length: a valid bring-up, then blocks of mapping, DMA, invalidation and register reads.
 */
import * as path from 'path';
import { root } from './root';

/** The preset the script's `config` line names, as an absolute path with forward slashes. */
export const LONG_SCRIPT_CONFIG = path.join(root, 'presets', 'qemu.smmu.json').replace(/\\/g, '/');

/** `lines` lines of script (and a final newline); each block of 8 lines maps, translates and invalidates one page. */
export function longScript(lines: number, config = LONG_SCRIPT_CONFIG): string {
  const out = [
    `config "${config}"`,
    'write64 STRTAB_BASE 0x40000000',
    'write32 STRTAB_BASE_CFG FMT=LINEAR|LOG2SIZE=8',
    'write64 CMDQ_BASE 0x40100000 | LOG2SIZE=8',
    'write32 CMDQ_PROD 0',
    'write32 CMDQ_CONS 0',
    'write64 EVENTQ_BASE 0x40200000 | LOG2SIZE=7',
    'write32 EVENTQ_PROD 0',
    'write32 EVENTQ_CONS 0',
    'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
    'poll CR0ACK == SMMUEN|CMDQEN|EVENTQEN',
    'tables 0x48000000 size=0x4000000',
    'cd 0x44000000 V T0SZ=16 TG0=GRAN4K EPD1 IPS=OAS44 AA64 R A ASID=1 TTB0=0x45000000',
    'ste 1 V Config=S1_TRANS S1ContextPtr=0x44000000',
  ];
  for (let i = 0; out.length < lines; i++) {
    const va = 0x1000_0000 + i * 0x1000;
    const pa = 0x8000_0000 + i * 0x1000;
    out.push(
      `map ttb=0x45000000 iova=0x${va.toString(16)} pa=0x${pa.toString(16)}`,
      `dma read sid=1 iova=0x${(va + 16).toString(16)} == 0x${(pa + 16).toString(16)}`,
      `cmd TLBI_NH_VA asid=1 Address=0x${va.toString(16)} Leaf`,
      'cmd SYNC',
      'doorbell',
      'read32 GERROR == 0   # no command error',
      'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
      'read32 CR0ACK.SMMUEN == 1',
    );
  }
  return out.slice(0, lines).join('\n') + '\n';
}

/**
 * longScript(lines) with two errors: a failed expectation on line 21 (0-based `early`, on the
 * first screen) and a RES0 bit written into CR0 100 lines before the end (`late`), which only the
 * model run finds. A user opening it sees the first at once (the first check's partial publishes).
 */
export function longScriptWithFindings(lines: number): { text: string; early: number; late: number } {
  const out = longScript(lines).trimEnd().split('\n');
  const early = 20;
  const late = out.length - 100;
  out[early] = 'read32 GERROR == 1';
  out[late] = 'write32 CR0 SMMUEN|CMDQEN|EVENTQEN|0x80000000';
  return { text: out.join('\n') + '\n', early, late };
}
