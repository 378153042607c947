/**
 * `smmu export c SCRIPT [-o FILE]`: the script as one self-contained C file (core/guest/export-c.ts)
 * that performs its accesses inside a guest of any hypervisor through callbacks the host supplies
 * and prints what it saw as a `.smmutrace` for `smmu replay` (docs/guest-kit.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { exportC } from '../../core/guest/export-c';
import { compileScript } from '../../core/qemu/compile';
import { checkScript } from '../../core/script/check';
import { fileHost } from '../file-host';
import { readOperand } from './commands';
import type { Options } from './options';
import { gcc } from './output';

export function runExport(o: Options): number {
  const [format, file, ...extra] = o.positional;
  if (format !== 'c' || file === undefined || extra.length) {
    process.stderr.write(
      `usage: smmu export c SCRIPT [-o FILE] [--config FILE]${format !== undefined && format !== 'c' ? `   ('${format}' is not a format: only c)` : ''}\n`,
    );
    return 2;
  }
  const text = readOperand('export', file);
  if (text === undefined) return 2;
  const check = checkScript(
    text,
    path.resolve(file),
    fileHost,
    'syntax',
    o.config ? { configPath: path.resolve(o.config) } : {},
  );
  const errors = check.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    for (const d of errors) process.stdout.write(gcc(file, d) + '\n');
    process.stderr.write(`smmu export: the script has errors of its own; nothing was exported\n`);
    return 1;
  }
  const compiled = compileScript(check, o.maxGuestMemory !== undefined ? { maxGuestMemory: o.maxGuestMemory } : {});
  for (const d of compiled.notRun)
    process.stderr.write(gcc(file, { ...d, message: d.message.replace(/^not run on QEMU/, 'not in the kit') }) + '\n');
  const c = exportC(compiled.ops, { source: file });
  if (o.output) {
    try {
      fs.writeFileSync(o.output, c);
    } catch (e) {
      process.stderr.write(
        `smmu export: cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`,
      );
      return 2;
    }
    process.stderr.write(`smmu export: ${o.output}: ${compiled.ops.length} operations\n`);
  } else process.stdout.write(c);
  return 0;
}
