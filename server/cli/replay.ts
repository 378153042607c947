/**
 * `smmu replay TRACE [--config F] [--json]`: replay an emulation's trace (the `.smmutrace` line
 * format or a QEMU `-trace 'smmuv3_*'` log) against the reference model. Divergences print as
 * `file:line:col: severity: message [code]` like `smmu check`, then a summary (counts per rule,
 * the first divergence). Exit 1 when a violation (an error) was found, 2 on bad usage.
 */
import * as path from 'path';
import { hex } from '../../core/registers/codec';
import { checkTrace } from '../../core/trace/check';
import { summaryText } from '../../core/trace/replay';
import { configOption, readOperand } from './commands';
import type { Options } from './options';
import { gcc, jsonDiagnostic, POSITION_BASE } from './output';
import { fileHost } from '../file-host';

export function runReplay(o: Options): number {
  if (o.positional.length !== 1) {
    process.stderr.write(
      'usage: smmu replay TRACE [--config FILE] [--json]   (a .smmutrace file or a QEMU -trace smmuv3_* log)\n',
    );
    return 2;
  }
  const file = o.positional[0] as string;
  if (!configOption('replay', o.config)) return 2;
  const text = readOperand('replay', file);
  if (text === undefined) return 2;
  const r = checkTrace(text, path.resolve(file), fileHost, {
    configPath: o.config && path.resolve(o.config),
    ...(o.maxGuestMemory ? { maxGuestMemory: o.maxGuestMemory } : {}),
  });
  const s = r.summary;
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          positionBase: POSITION_BASE,
          file,
          format: r.parsed.format,
          config: r.configSource || r.config.name,
          diagnostics: r.diagnostics.map(jsonDiagnostic),
          summary: {
            records: s.records,
            notReplayed: s.notReplayed,
            reads: s.reads,
            writes: s.writes,
            errors: s.errors,
            warnings: s.warnings,
            notes: s.infos,
            vcpus: s.vcpus,
            counts: s.counts,
            ...(s.translations ? { translations: s.translations } : {}),
            ...(s.firstDivergence ? { firstDivergence: jsonDiagnostic(s.firstDivergence) } : {}),
          },
          reads: [...r.lines.values()]
            .filter((l) => l.record.dir === 'R')
            .map((l) => ({
              line: l.record.line + 1,
              offset: hex(BigInt(l.record.offset)),
              ...(l.register ? { register: `SMMU_${l.register.name}` } : {}),
              emulation:
                typeof l.emulation === 'bigint' ? hex(l.emulation, l.record.size === 8 ? 64 : 32) : l.emulation,
              model: typeof l.model === 'bigint' ? hex(l.model, l.record.size === 8 ? 64 : 32) : l.model,
            })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`configuration: ${r.configSource || r.config.name}\n`);
    for (const d of r.diagnostics) process.stdout.write(gcc(file, d) + '\n');
    const counts = Object.entries(s.counts).sort((a, b) => b[1] - a[1]);
    process.stdout.write(summaryText(s) + '\n');
    if (counts.length) process.stdout.write(`per rule: ${counts.map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
    if (s.firstDivergence) process.stdout.write(`first divergence: ${gcc(file, s.firstDivergence)}\n`);
  }
  return s.errors ? 1 : 0;
}
