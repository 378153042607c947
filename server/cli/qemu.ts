/**
 * `smmu qemu SCRIPT [--config F] [--qemu BIN] [--machine OPTS] [--memory SIZE] [--keep DIR]
 * [--timeout S] [--json]`: run a script, unchanged, as a guest program on QEMU's SMMUv3 and report
 * every place where QEMU disagrees with the architecture at the script's own lines, like
 * `smmu replay` (gcc-style, the same rule codes, exit 1 on a violation). docs/qemu.md.
 *
 * What the guest reports is judged as QEMU runs, and each finding a line decides on its own is
 * printed at once (flushed: standard output is written as it comes); what needs the whole run
 * (the DMAs, event records, how far the guest got) follows once QEMU has exited, then the summary.
 */
import * as path from 'path';
import { hex } from '../../core/registers/codec';
import { summaryText } from '../../core/trace/replay';
import { severityCounts } from '../../core/text/plural';
import type { ScriptDiagnostic } from '../../core/base/diagnostics';
import type { LiveSink } from '../../core/qemu/live-judge';
import { checkOnQemu, DEFAULT_QEMU_TIMEOUT_MS } from '../qemu/check-on-qemu';
import { readOperand } from './commands';
import type { Options } from './options';
import { gcc, jsonDiagnostic, POSITION_BASE } from './output';
import { fileHost } from '../file-host';

/** Signal numbers, for the exit status of a run stopped by one (128 + n, as a shell reports it). */
const SIGNAL_NUMBER: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

export async function runQemuCommand(o: Options): Promise<number> {
  if (o.positional.length !== 1) {
    process.stderr.write(
      'usage: smmu qemu SCRIPT [--config FILE] [--qemu BIN] [--machine OPTS] [--memory SIZE] [--keep DIR] [--timeout S] [--json]\n',
    );
    return 2;
  }
  const file = o.positional[0] as string;
  const text = readOperand('qemu', file);
  if (text === undefined) return 2;
  if (!o.json) process.stderr.write(`smmu qemu: running ${file} on QEMU…\n`);
  const out = (s: string) => process.stdout.write(s);

  // Ctrl-C or a kill: QEMU runs in its own process group, which the terminal's signal does not
  // reach, so it is stopped here rather than left running.
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    stoppedBy = sig;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Findings printed while QEMU runs (as text lines, or as the first entries of --json's
  // `diagnostics`, the document opened once the configuration is known), to leave out after.
  const printed = new Map<string, number>();
  const keyOf = (d: ScriptDiagnostic) => JSON.stringify(jsonDiagnostic(d));
  let liveCount = 0;
  let configPrinted = false;
  const live: LiveSink = {
    configuration: (source) => {
      configPrinted = true;
      if (o.json)
        out(
          `{\n  "positionBase": ${JSON.stringify(POSITION_BASE)},\n  "file": ${JSON.stringify(file)},\n  "config": ${JSON.stringify(source)},\n  "diagnostics": [`,
        );
      else out(`configuration: ${source}\n`);
    },
    diagnostic: (d) => {
      const k = keyOf(d);
      printed.set(k, (printed.get(k) ?? 0) + 1);
      out(o.json ? `${liveCount ? ',' : ''}\n    ${k}` : gcc(file, d) + '\n');
      liveCount++;
    },
  };
  let r: Awaited<ReturnType<typeof checkOnQemu>>;
  try {
    r = await checkOnQemu({
      scriptPath: path.resolve(file),
      text,
      host: fileHost,
      ...(o.config ? { configPath: path.resolve(o.config) } : {}),
      ...(o.qemu ? { qemu: o.qemu } : {}),
      ...(o.machine ? { machineOptions: o.machine } : {}),
      ...(o.memory ? { memoryBytes: o.memory.bytes, memoryText: o.memory.text } : {}),
      ...(o.timeoutSeconds ? { timeoutMs: o.timeoutSeconds * 1000 } : {}),
      ...(o.keep ? { keepDir: path.resolve(o.keep) } : {}),
      ...(o.maxGuestMemory ? { maxGuestMemory: o.maxGuestMemory } : {}),
      signal: stop.signal,
      live,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // The --json document opened while QEMU ran, closed with what is known now.
  const closeJson = (rest: Record<string, unknown>) =>
    out(`${liveCount ? '\n  ' : ''}],${JSON.stringify(rest, null, 2).slice(1)}\n`);
  if (r.kind === 'cancelled') {
    const why = stoppedBy ? `stopped by ${stoppedBy}` : 'cancelled';
    if (configPrinted && o.json) closeJson({ ran: true, stopped: why });
    process.stderr.write(
      `smmu qemu: ${why}; QEMU was stopped${liveCount ? ` (the ${liveCount === 1 ? 'finding' : `${liveCount} findings`} above were reported while it ran)` : ''}\n`,
    );
    return stoppedBy ? 128 + (SIGNAL_NUMBER[stoppedBy] ?? 0) : 2;
  }
  if (r.kind === 'not-run' || r.kind === 'failed') {
    const message = r.kind === 'not-run' ? `not run on QEMU: ${r.why}` : r.message;
    if (o.json && configPrinted) {
      for (const [i, d] of r.diagnostics.entries()) out(`${liveCount + i ? ',' : ''}\n    ${keyOf(d)}`);
      liveCount += r.diagnostics.length;
      closeJson({ ran: false, message });
    } else if (o.json)
      out(
        JSON.stringify(
          { positionBase: POSITION_BASE, file, ran: false, message, diagnostics: r.diagnostics.map(jsonDiagnostic) },
          null,
          2,
        ) + '\n',
      );
    else {
      for (const d of r.diagnostics) out(gcc(file, d) + '\n');
      process.stderr.write(`smmu qemu: ${message}\n`);
    }
    // Nothing was judged when QEMU could not be used (2); a script that cannot run is its own error (1).
    return r.kind === 'failed' ? 2 : 1;
  }
  const j = r.judgement;
  // The judgement's findings not printed while QEMU ran, in its order (by line).
  const after = j.diagnostics.filter((d) => {
    const k = keyOf(d);
    const n = printed.get(k) ?? 0;
    if (n) printed.set(k, n - 1);
    return !n;
  });
  const errors = j.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = j.diagnostics.filter((d) => d.severity === 'warning').length;
  const notes = j.diagnostics.length - errors - warnings;
  const notRun = j.diagnostics.filter((d) => d.code === 'qemu.not-run').length;
  const doc = {
    positionBase: POSITION_BASE,
    file,
    ran: true,
    qemu: { command: r.run.argv, exitCode: r.run.exitCode, ms: r.run.ms },
    config: j.configSource,
    operations: { total: j.opsTotal, reported: j.opsReported },
    diagnostics: after.map(jsonDiagnostic),
    summary: {
      errors,
      warnings,
      notes,
      notRun,
      // The first this many of `diagnostics` were printed while QEMU ran, the others once it had exited.
      whileRunning: liveCount,
      replay: {
        records: j.replay.records,
        reads: j.replay.reads,
        writes: j.replay.writes,
        counts: j.replay.counts,
      },
    },
    dmas: j.dmas.map((d) => ({
      line: d.line + 1,
      sid: d.sid,
      iova: hex(d.iova, 64),
      direction: d.direction,
      emulation: typeof d.emulation === 'bigint' ? hex(d.emulation, 64) : (d.emulation ?? null),
      model: typeof d.model === 'bigint' ? hex(d.model, 64) : d.model,
      records: { model: d.records.model, emulation: d.records.emulation ?? null },
    })),
    reads: [...j.lines.entries()].flatMap(([line, list]) =>
      list
        .filter((x) => x.emulation !== undefined)
        .map((x) => ({
          line: line + 1,
          emulation: typeof x.emulation === 'bigint' ? hex(x.emulation, 64) : x.emulation,
          model: typeof x.model === 'bigint' ? hex(x.model, 64) : x.model,
        })),
    ),
    timings: r.timings,
    ...(r.kept ? { kept: r.kept } : {}),
  };
  if (o.json) {
    if (configPrinted) {
      // The head and the findings printed while QEMU ran are out: the rest of the document.
      const { positionBase: _b, file: _f, config: _c, diagnostics, ...rest } = doc;
      for (const [i, d] of diagnostics.entries()) out(`${liveCount + i ? ',' : ''}\n    ${JSON.stringify(d)}`);
      liveCount += diagnostics.length;
      closeJson(rest);
    } else out(JSON.stringify(doc, null, 2) + '\n');
  } else {
    if (!configPrinted) out(`configuration: ${j.configSource}\n`);
    // Said on standard error, so that standard output is what it would be had it all come at the end.
    process.stderr.write(
      `smmu qemu: QEMU exited after ${r.run.ms} ms; ${liveCount ? `the ${liveCount === 1 ? 'finding' : `${liveCount} findings`} above came as the guest ran, ` : ''}what needs the whole run (DMAs, event records, how far the guest got) follows\n`,
    );
    for (const d of after) out(gcc(file, d) + '\n');
    out(
      `QEMU ran ${j.opsReported} of ${j.opsTotal} operations in ${r.run.ms} ms (guest RAM ${o.memory?.text ?? '1G'}, time limit ${o.timeoutSeconds ?? DEFAULT_QEMU_TIMEOUT_MS / 1000} s); replay: ${summaryText(j.replay)}\n`,
    );
    out(`${severityCounts(errors, warnings, notes)}${notRun ? ` (${notRun} not run on QEMU)` : ''}\n`);
    if (r.kept)
      out(
        `kept in ${r.kept}: program.elf, qemu-command.sh, qemu-trace.log, uart.txt, report.smmutrace (smmu replay ${path.join(r.kept, 'report.smmutrace')})\n`,
      );
  }
  return errors ? 1 : 0;
}
