/**
 * The language server's warm-up: right after it starts, it checks a built-in script in the
 * background, in the slices a real check uses, so that V8 has compiled the per-line path
 * (parsing, name resolution, register accesses, commands, walks) to optimised code before the
 * first script the user opens. Without it the first 10,000-line open runs mostly unoptimised code
 * and takes two to three times as long as later ones (docs/performance.md, "The first open after
 * the server starts"). rust-analyzer primes its caches after start for the same reason.
 *
 * It gives way at once: it stops at the next slice when a document is to be checked or a check is
 * running, and never starts again. Nothing it finds is published. It is off in restricted mode
 * (no model runs there) and with `smmu.languageServer.warmUp` false.
 */
import type { ScriptHost } from '../../core/script/check';
import type { ServerStatsResult } from './lsp-ext';
import { checkScriptStreamed } from '../../core/script/check';

/** How the warm-up ended, for the server's statistics (`smmu/serverStats`). */
export type WarmUpState = ServerStatsResult['warmUp'];

/**
 * Lines checked per pass, and passes. V8 optimises a function once it has run often enough, and
 * optimised code arrives from a compiler thread while the check goes on. Measured on this
 * machine (main-thread CPU of the bench's 10,000-line open after the warm-up; docs/performance.md):
 * two passes of this script left it at 127–151 ms, three at 101–154 ms, about the warm opens'
 * figure; one pass (of the bench's own script) at 213–260 ms.
 */
/**
 * How long after `initialized` the warm-up waits before its first slice: VS Code sends the opens of
 * restored editors within a few milliseconds of `initialized`, and those must not wait for it.
 */
export const WARM_UP_DELAY_MS = 200;
export const WARM_UP_LINES = 10_000;
export const WARM_UP_PASSES = 3;

/** A host for a script that includes nothing: the warm-up reads no file. */
const NO_FILES: ScriptHost = {
  readFile: () => ({ unreadable: 'the warm-up script reads no files' }),
  resolvePath: (_from, relative) => relative,
};

const hex = (n: number) => `0x${n.toString(16).toUpperCase()}`;

/**
 * A driver's life on the built-in configuration (QEMU's SMMUv3), `lines` lines long: bring-up
 * with a 2-level Stream table, then, for one stream after another, attach (CD, STE, CFGI), map,
 * DMA that lands and DMA that faults with its event, unmap and invalidate, the error and queue
 * registers read back. It exercises the statements real scripts are made of, and is error-free
 * (test/protocol/lsp/warm-up.test.ts), so the model runs to the last line.
 */
export function warmUpScript(lines: number): string {
  const out = [
    '# SMMU Workbench warm-up (server/lsp/warm-up.ts)',
    'write32 CR0 0',
    'read32 CR0ACK == 0',
    'write32 CR1 TABLE_SH=ISH|TABLE_OC=WB|TABLE_IC=WB|QUEUE_SH=ISH|QUEUE_OC=WB|QUEUE_IC=WB',
    'write64 STRTAB_BASE 0x40000000 | RA',
    'write32 STRTAB_BASE_CFG FMT=TWO_LEVEL|SPLIT=8|LOG2SIZE=16',
    'write64 CMDQ_BASE 0x40100000 | RA | LOG2SIZE=8',
    'write32 CMDQ_PROD 0',
    'write32 CMDQ_CONS 0',
    'write64 EVENTQ_BASE 0x40200000 | WA | LOG2SIZE=7',
    'write32 EVENTQ_PROD 0',
    'write32 EVENTQ_CONS 0',
    'write32 CR0 CMDQEN|EVENTQEN',
    'poll CR0ACK == CMDQEN|EVENTQEN max=1000',
    'cmd CFGI_ALL',
    'cmd TLBI_NSNH_ALL',
    'cmd SYNC CS=SIG_SEV',
    'doorbell',
    'write32 CR0 SMMUEN|CMDQEN|EVENTQEN',
    'poll CR0ACK == SMMUEN|CMDQEN|EVENTQEN',
    'tables 0x40400000 size=0x8000000',
    'l1std 0 Span=9 L2Ptr=0x40010000',
  ];
  let events = 0;
  for (let i = 0; out.length < lines; i++) {
    const sid = i % 256;
    const asid = 1 + (i % 200);
    const cd = 0x40300000 + (i % 256) * 0x40;
    const ttb = 0x41000000 + (i % 256) * 0x1000;
    const iova = 0x10000000 + i * 0x2000;
    const pa = 0x80000000 + i * 0x1000;
    events++;
    // EVENTQ_CONS follows PROD: index in [6:0], the wrap flag in bit 7 (LOG2SIZE 7, §6.3.30).
    const cons = (events & 0x7f) | (((events >> 7) & 1) << 7);
    out.push(
      `cd ${hex(cd)} V T0SZ=16 TG0=GRAN4K IR0=WBRA OR0=WBRA SH0=ISH EPD1 IPS=OAS44 AA64 R A ASET ASID=${asid} TTB0=${hex(ttb)} MAIR0=0x0004FF44`,
      `ste ${sid} V Config=S1_TRANS S1ContextPtr=${hex(cd)} S1CIR=WBRA S1COR=WBRA S1CSH=ISH STRW=NS_EL1`,
      `cmd CFGI_STE sid=${sid} Leaf`,
      `cmd SYNC CS=SIG_SEV`,
      'doorbell',
      `map ttb=${hex(ttb)} iova=${hex(iova)} pa=${hex(pa)}`,
      `dma read sid=${sid} iova=${hex(iova + 0x10)} == ${hex(pa + 0x10)}`,
      `dma write sid=${sid} iova=${hex(iova + 0x1000)} == F_TRANSLATION`,
      `expect event F_TRANSLATION StreamID=${sid} InputAddr=${hex(iova + 0x1000)} RnW=0`,
      `write32 EVENTQ_CONS ${hex(cons)}`,
      `cmd TLBI_NH_VA asid=${asid} Address=${hex(iova)} Leaf`,
      `cmd TLBI_NH_ASID asid=${asid}`,
      'cmd SYNC',
      'doorbell',
      'read32 GERROR == 0   # no command error',
      'read32 CR0ACK.SMMUEN == 1',
    );
  }
  return out.slice(0, lines).join('\n') + '\n';
}

/**
 * Checks the warm-up script `passes` times, giving way when `busy()` says a real check is due or
 * running (tested before each pass and between the check's slices). Resolves 'done' or 'stopped'.
 */
export async function warmUp(
  busy: () => boolean,
  pause: () => Promise<void>,
  passes = WARM_UP_PASSES,
  lines = WARM_UP_LINES,
  script: (lines: number) => string = warmUpScript,
): Promise<{ state: 'done' | 'stopped'; slices: number }> {
  // Made only once the warm-up is sure to run: a check already due when its timer fires stops it
  // untouched. Building the script in a server that had started checking a user's file (the open
  // that starts the server) added 10–20 ms of main-thread CPU to that check, and in about one cold
  // start in six some 150 ms (docs/performance.md, "The first open after the server starts").
  let text: string | undefined;
  // Slices of the script checked: the check pauses after each slice but its last.
  let slices = 0;
  const afterSlice = () => {
    slices++;
    return pause();
  };
  for (let pass = 0; pass < passes; pass++) {
    await pause();
    if (busy()) return { state: 'stopped', slices };
    text ??= script(lines);
    // The built-in configuration (no `config` line, no default given): the same code the user's
    // checks run, whatever configuration they choose.
    const check = await checkScriptStreamed(text, '/smmu-workbench/warm-up.smmu', NO_FILES, {}, afterSlice, busy);
    if (!check) return { state: 'stopped', slices };
    slices++;
  }
  return { state: 'done', slices };
}
