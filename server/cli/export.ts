/**
 * `smmu export c SCRIPT [-o FILE]`: the script as one self-contained C file (core/guest/export-c.ts)
 * that performs its accesses inside a guest of any hypervisor through callbacks the host supplies
 * and prints what it saw as a `.smmutrace` for `smmu replay` (docs/guest-kit.md).
 *
 * `smmu export svd [--config FILE] [--base ADDR] [-o FILE]`: the configuration's register map as a
 * CMSIS-SVD file (core/docs/svd.ts) for Peripheral Viewer and Cortex-Debug (docs/svd.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { svdText } from '../../core/docs/svd';
import { exportC } from '../../core/guest/export-c';
import { VIRT_SMMU_BASE } from '../../core/guest/ops';
import { parseSmmuBase } from '../../core/debug/physical-memory';
import { compileScript } from '../../core/qemu/compile';
import { checkScript } from '../../core/script/check';
import { fileHost } from '../file-host';
import { configOption, readOperand } from './commands';
import type { Options } from './options';
import { gcc } from './output';

const USAGE =
  'usage: smmu export c SCRIPT [-o FILE] [--config FILE]\n       smmu export svd [--config FILE] [--base ADDR] [-o FILE]';

export function runExport(o: Options): number {
  const [format, ...operands] = o.positional;
  if (format === 'svd' && !operands.length) return exportSvd(o);
  const [file, ...extra] = operands;
  const bad =
    format === 'svd'
      ? `   (svd takes no operands: the configuration comes from --config)`
      : format !== undefined && format !== 'c'
        ? `   ('${format}' is not a format: c or svd)`
        : o.base !== undefined
          ? '   (--base is an option of smmu export svd)'
          : '';
  if (format !== 'c' || file === undefined || extra.length || bad) {
    process.stderr.write(`${USAGE}${bad}\n`);
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
  return emit(o.output, c, `${compiled.ops.length} operations`);
}

/** Write the export to `output` (saying what it holds) or to standard output. */
function emit(output: string | undefined, text: string, what: string): number {
  if (output) {
    try {
      fs.writeFileSync(output, text);
    } catch (e) {
      process.stderr.write(`smmu export: cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 2;
    }
    process.stderr.write(`smmu export: ${output}: ${what}\n`);
  } else process.stdout.write(text);
  return 0;
}

function exportSvd(o: Options): number {
  let base = VIRT_SMMU_BASE;
  if (o.base !== undefined) {
    const b = parseSmmuBase(o.base);
    if (b === undefined) {
      process.stderr.write(
        `smmu export: --base ${o.base}: give the SMMU's physical address in hex or decimal (0x09050000), with both 64 KB pages below 2^64\n`,
      );
      return 2;
    }
    base = b;
  }
  const loaded = configOption('export', o.config);
  if (!loaded) return 2;
  const svd = svdText(loaded.config, { base });
  const registers = (svd.match(/<register>/g) ?? []).length;
  return emit(o.output, svd, `${registers} registers of ${loaded.config.name} at 0x${base.toString(16).toUpperCase()}`);
}
