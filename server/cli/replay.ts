/**
 * `smmu replay TRACE [--config F] [--json]`: replay an emulation's trace (the `.smmutrace` line
 * format or a QEMU `-trace 'smmuv3_*'` log) against the reference model. Divergences print as
 * `file:line:col: severity: message [code]` like `smmu check`, then a summary (counts per rule,
 * the first divergence). Exit 1 when a violation (an error) was found, 2 on bad usage.
 */
import * as path from 'path';
import { hex } from '../../core/registers/codec';
import { checkTrace } from '../../core/trace/check';
import type { TraceDiagnostic } from '../../core/trace/replay';
import type { Options } from './main';
import { fileHost } from '../file-host';
import { cannotRead } from '../../core/base/files';

function gcc(file: string, d: TraceDiagnostic): string {
  const sev = d.severity === 'info' ? 'note' : d.severity;
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${d.message} [${d.code}]`;
}

export function runReplay(o: Options): number {
  if (o.positional.length !== 1) {
    process.stderr.write('usage: smmu replay TRACE [--config FILE] [--json]   (a .smmutrace file or a QEMU -trace smmuv3_* log)\n');
    return 2;
  }
  const file = o.positional[0] as string;
  const host = fileHost;
  const text = host.readFile(file, 'trace');
  if (typeof text !== 'string') {
    process.stderr.write(`smmu replay: ${cannotRead('', file, text)}\n`);
    return 2;
  }
  const r = checkTrace(text, path.resolve(file), host, { configPath: o.config && path.resolve(o.config) });
  const s = r.summary;
  if (o.json) {
    const diag = (d: TraceDiagnostic) => ({ line: d.range.start.line + 1, column: d.range.start.character + 1, severity: d.severity, code: d.code, message: d.message, ...(d.section ? { section: d.section } : {}) });
    process.stdout.write(
      JSON.stringify(
        {
          file,
          format: r.parsed.format,
          config: r.configSource || r.config.name,
          diagnostics: r.diagnostics.map(diag),
          summary: { records: s.records, reads: s.reads, writes: s.writes, errors: s.errors, warnings: s.warnings, notes: s.infos, vcpus: s.vcpus, counts: s.counts, ...(s.firstDivergence ? { firstDivergence: diag(s.firstDivergence) } : {}) },
          reads: [...r.lines.values()]
            .filter((l) => l.record.dir === 'R')
            .map((l) => ({ line: l.record.line + 1, offset: hex(BigInt(l.record.offset)), ...(l.register ? { register: `SMMU_${l.register.name}` } : {}), emulation: typeof l.emulation === 'bigint' ? hex(l.emulation, l.record.size === 8 ? 64 : 32) : l.emulation, model: typeof l.model === 'bigint' ? hex(l.model, l.record.size === 8 ? 64 : 32) : l.model })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`configuration: ${r.configSource || r.config.name}\n`);
    for (const d of r.diagnostics) process.stdout.write(gcc(file, d) + '\n');
    const counts = Object.entries(s.counts).sort((a, b) => b[1] - a[1]);
    process.stdout.write(`${s.records} records (${s.reads} reads, ${s.writes} writes${s.vcpus.length > 1 ? `, vCPUs ${s.vcpus.join(', ')}` : ''}): ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${s.infos} note${s.infos === 1 ? '' : 's'}\n`);
    if (counts.length) process.stdout.write(`per rule: ${counts.map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
    if (s.firstDivergence) process.stdout.write(`first divergence: ${gcc(file, s.firstDivergence)}\n`);
  }
  return s.errors ? 1 : 0;
}
