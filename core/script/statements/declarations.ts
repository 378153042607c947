/**
 * The statements that say how a script is put together rather than do anything on the model:
 * `config "FILE"`, `const NAME = VALUE` and `include "FILE"`. `include` runs its file's statements
 * in place (core/script/interpreter.ts), and a `config` line directly after `reset` is a second
 * reset, to that configuration (statements/reset.ts); the rest only resolves.
 */
import { findRegister } from '../../registers/table';
import type { ConfigStatement, ConstStatement, IncludeStatement } from '../ast';
import { MAX_INCLUDE_DEPTH, type Constant } from '../resolved';
import type { Resolver } from '../resolver';
import type { ConfigDef, ConstDef, IncludeDef } from './types';

function resolveConfig(r: Resolver, s: ConfigStatement): void {
  const previous = r.previous;
  if (previous?.kind === 'action' && previous.verb === 'reset') {
    resolveConfigAfterReset(r, s);
  } else if (r.configStatement) {
    r.report(
      'error',
      'config.duplicate',
      'a script starts with one configuration: remove this line or the first one (to change it, put a config line directly after a reset)',
      s.range,
      [{ message: 'the configuration is chosen here', range: r.configStatement.range }],
    );
  } else if (r.sawAccess) {
    r.report(
      'error',
      'config.late',
      'config must come before the first access, or directly after a reset: move it to the top of the script',
      s.range,
    );
  } else if (s.path.value.trim() === '') {
    r.report('error', 'config.empty', 'the configuration file name is empty', s.path.range);
  } else {
    r.configStatement = s;
    r.config = { path: s.path.value, range: s.range };
  }
}

/**
 * `config "FILE"` directly after `reset`: a second reset that brings the SMMU out of reset as that
 * configuration (statements/reset.ts), loaded now so a file that cannot be used is an error on
 * this line and the model stops before it, as for the script's first configuration.
 */
function resolveConfigAfterReset(r: Resolver, s: ConfigStatement): void {
  if (s.path.value.trim() === '') {
    r.report('error', 'config.empty', 'the configuration file name is empty', s.path.range);
    return;
  }
  const loaded = r.includes?.loadConfig?.(s.path.value);
  if (!loaded) {
    r.error(
      'config.unsupported',
      'changing the configuration needs a file system: check the script from a file',
      s.range,
    );
    return;
  }
  if ('error' in loaded) {
    r.error(loaded.code, loaded.error, s.range);
    return;
  }
  r.statements.push({ kind: 'action', verb: 'reset', range: s.range, keyword: s.keyword, args: [], config: loaded });
}

function resolveConst(r: Resolver, s: ConstStatement): void {
  const key = s.name.name.toUpperCase();
  const old = r.consts.get(key);
  if (old) {
    r.report('error', 'const.redefined', `constant '${s.name.name}' is already defined`, s.name.range, [
      { message: `'${old.name}' is defined here`, range: old.range, ...(old.path ? { path: old.path } : {}) },
    ]);
    return;
  }
  const reg = findRegister(s.name.name);
  if (reg) {
    r.error(
      'const.register-name',
      `'${s.name.name}' is the name of the register SMMU_${reg.name}: choose another name for the constant`,
      s.name.range,
    );
    return;
  }
  const value = r.value(s.value, { kind: 'plain', bits: 64, why: 'a constant belongs to no register' });
  const c: Constant = { name: s.name.name, value, range: s.name.range };
  r.consts.set(key, c);
  r.symbol(s.name.range, { kind: 'const', name: c.name, value, definition: c.range });
}

/** `include "FILE"`: resolve the other script in place; its problems are reported here, on this line. */
function resolveInclude(r: Resolver, s: IncludeStatement): void {
  r.sawAccess = true;
  const host = r.includes;
  if (!host) {
    r.error('include.unsupported', 'include needs a file system: check the script from a file', s.range);
    return;
  }
  const loaded = host.load(s.path.value);
  if ('error' in loaded) {
    r.error('include.missing', loaded.error, s.path.range);
    return;
  }
  if (host.stack.includes(loaded.path)) {
    r.error(
      'include.cycle',
      `${loaded.path} is already being included (${[...host.stack, loaded.path].map((p) => p.split(/[\\/]/).pop()).join(' → ')}): an include cycle`,
      s.path.range,
    );
    return;
  }
  if (host.stack.length >= MAX_INCLUDE_DEPTH) {
    r.error('include.depth', `includes nest deeper than ${MAX_INCLUDE_DEPTH} files`, s.path.range);
    return;
  }
  const { script, consts } = host.resolve(loaded.path, loaded.text, r.consts);
  const problems = script.diagnostics.filter((d) => d.severity !== 'info');
  for (const d of problems) {
    r.report(
      d.severity,
      d.code,
      `in ${loaded.path.split(/[\\/]/).pop()}:${d.range.start.line + 1}: ${d.message}`,
      s.range,
      [{ message: d.message, range: d.range, path: loaded.path }],
    );
  }
  // Constants the included file defined (not those it was given) remember where they live.
  for (const [k, v] of consts) if (r.consts.get(k) !== v) r.consts.set(k, v.path ? v : { ...v, path: loaded.path });
  r.statements.push({ kind: 'include', range: s.range, path: loaded.path, statements: script.statements });
}

export const CONFIG: ConfigDef = {
  syntax: 'config',
  keywords: ['config'],
  family: 'declarations',
  section: 'language',
  summary: 'The configuration (*.smmu.json) the script runs against',
  forms: [
    {
      usage: 'config "FILE"',
      doc: "The configuration (`*.smmu.json`) the script runs against, relative to the script's folder. At most one before the first access; directly after a `reset`, one more changes it (the SMMU comes out of that reset as this configuration). `smmu run --config` overrides it.",
    },
  ],
  snippet: '"${1:presets/qemu.smmu.json}"',
  resolve: resolveConfig,
};

export const CONST: ConstDef = {
  syntax: 'const',
  keywords: ['const'],
  family: 'declarations',
  section: 'language',
  summary: 'Names a number for the lines below it',
  forms: [{ usage: 'const NAME = VALUE', doc: 'Names a number for the lines below it (see [Constants](#constants)).' }],
  snippet: '${1:NAME} = ${2:0}',
  resolve: resolveConst,
};

export const INCLUDE: IncludeDef = {
  syntax: 'include',
  keywords: ['include'],
  family: 'declarations',
  section: 'language',
  summary: 'The statements of another script, run in place',
  forms: [
    {
      usage: 'include "FILE"',
      doc: "The statements of another script, run in place on the same model, relative to this script's folder. Constants defined before the include are visible in the included file, and its constants after it. The configuration is the including script's (an included `config` line is ignored). Problems inside the file are reported on the include line (`in FILE:LINE: …`, with the place in the file as related information); include cycles (`include.cycle`), missing files (`include.missing`) and nesting deeper than 16 files (`include.depth`) are errors.",
    },
  ],
  snippet: '"${1:FILE.smmu}"',
  resolve: resolveInclude,
};
