/**
 * `smmu qemu SCRIPT [--config F] [--qemu BIN] [--machine OPTS] [--memory SIZE] [--keep DIR]
 * [--timeout S] [--json]`: run a script, unchanged, as a guest program on QEMU's SMMUv3 and report
 * every place where QEMU disagrees with the architecture at the script's own lines, like
 * `smmu replay` (gcc-style, the same rule codes, exit 1 on a violation). docs/qemu.md.
 */
import * as path from 'path';
import { hex } from '../../core/registers/codec';
import { summaryText } from '../../core/trace/replay';
import { severityCounts } from '../../core/text/plural';
import { checkOnQemu, DEFAULT_QEMU_TIMEOUT_MS } from '../qemu/check-on-qemu';
import { readOperand } from './commands';
import type { Options } from './options';
import { gcc, jsonDiagnostic, POSITION_BASE } from './output';
import { fileHost } from '../file-host';

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
  const r = await checkOnQemu({
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
  });
  if (r.kind === 'cancelled') return 2;
  if (r.kind === 'not-run' || r.kind === 'failed') {
    const message = r.kind === 'not-run' ? `not run on QEMU: ${r.why}` : r.message;
    if (o.json)
      process.stdout.write(
        JSON.stringify(
          { positionBase: POSITION_BASE, file, ran: false, message, diagnostics: r.diagnostics.map(jsonDiagnostic) },
          null,
          2,
        ) + '\n',
      );
    else {
      for (const d of r.diagnostics) process.stdout.write(gcc(file, d) + '\n');
      process.stderr.write(`smmu qemu: ${message}\n`);
    }
    // Nothing was judged when QEMU could not be used (2); a script that cannot run is its own error (1).
    return r.kind === 'failed' ? 2 : 1;
  }
  const j = r.judgement;
  const errors = j.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = j.diagnostics.filter((d) => d.severity === 'warning').length;
  const notes = j.diagnostics.length - errors - warnings;
  const notRun = j.diagnostics.filter((d) => d.code === 'qemu.not-run').length;
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          positionBase: POSITION_BASE,
          file,
          ran: true,
          qemu: { command: r.run.argv, exitCode: r.run.exitCode, ms: r.run.ms },
          config: j.configSource,
          operations: { total: j.opsTotal, reported: j.opsReported },
          diagnostics: j.diagnostics.map(jsonDiagnostic),
          summary: {
            errors,
            warnings,
            notes,
            notRun,
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
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`configuration: ${j.configSource}\n`);
    for (const d of j.diagnostics) process.stdout.write(gcc(file, d) + '\n');
    process.stdout.write(
      `QEMU ran ${j.opsReported} of ${j.opsTotal} operations in ${r.run.ms} ms (guest RAM ${o.memory?.text ?? '1G'}, time limit ${o.timeoutSeconds ?? DEFAULT_QEMU_TIMEOUT_MS / 1000} s); replay: ${summaryText(j.replay)}\n`,
    );
    process.stdout.write(`${severityCounts(errors, warnings, notes)}${notRun ? ` (${notRun} not run on QEMU)` : ''}\n`);
    if (r.kept)
      process.stdout.write(
        `kept in ${r.kept}: program.elf, qemu-command.sh, qemu-trace.log, uart.txt, report.smmutrace (smmu replay ${path.join(r.kept, 'report.smmutrace')})\n`,
      );
  }
  return errors ? 1 : 0;
}
