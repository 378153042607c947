/**
 * The layers of the code, as docs/dev/architecture.md draws them, checked on the import graph of
 * core/, server/ and client/ (type-only imports included: a cycle through types is still two
 * modules that cannot be understood apart). It fails on any import cycle, on an import against the
 * order below, and on a client import of server internals (the client sees the server only through
 * the protocol module, server/lsp/lsp-ext.ts, and the Node options it starts the server with,
 * server/process-flags.ts, and bundles the debug adapter as its own entry).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { root } from '../harness/root';

/** core/ folders by layer: a module may import its own layer and those below it. */
const CORE_LAYERS: readonly (readonly string[])[] = [
  ['base', 'text', 'gdb'],
  ['guest'],
  ['registers'],
  ['layout'],
  ['commands', 'events', 'structures'],
  ['translation'],
  ['config'],
  ['model'],
  ['engine'],
  ['script', 'trace', 'queue-file'],
  ['files'],
  ['qemu'],
  ['debug', 'docs', 'inspect'],
];

function layerOf(file: string): number {
  const [top, folder] = path.relative(root, file).split(path.sep);
  if (top === 'server') return CORE_LAYERS.length;
  if (top === 'client') return CORE_LAYERS.length + 1;
  const i = CORE_LAYERS.findIndex((l) => l.includes(folder as string));
  assert.ok(i >= 0, `core/${folder} has no layer in this test: add it to CORE_LAYERS (and docs/dev/architecture.md)`);
  return i;
}

function sources(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of ['core', 'server', 'client']) walk(path.join(root, d));
  return out;
}

/** Relative imports and re-exports of each file, resolved to files. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources()) {
    const text = fs.readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?\bfrom\s+['"](\.[^'"]+)['"]/gm)) {
      const base = path.resolve(path.dirname(f), m[1] as string);
      const target = [base + '.ts', path.join(base, 'index.ts')].find((p) => fs.existsSync(p));
      if (target) deps.push(target);
    }
    g.set(f, deps);
  }
  return g;
}

const rel = (f: string) => path.relative(root, f);

test('no import cycles in core/, server/ and client/ (type-only imports count)', () => {
  const g = graph();
  // Tarjan's strongly connected components: every component of more than one module is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(rel(w));
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) cycles.push(c);
    }
  };
  for (const f of g.keys()) if (!idx.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('imports follow the layers: base < registers < layout < commands/events/structures < translation < config < model < engine < script/trace/queue-file < files < debug < server < client', () => {
  const against: string[] = [];
  for (const [f, deps] of graph())
    for (const d of deps) if (layerOf(d) > layerOf(f)) against.push(`${rel(f)} -> ${rel(d)}`);
  assert.deepEqual(against, []);
});

test('core never imports vscode, Node built-ins or server/client code', () => {
  const bad: string[] = [];
  for (const f of sources().filter((x) => rel(x).startsWith('core' + path.sep))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] as string;
      if (
        spec === 'vscode' ||
        /^(node:|fs$|path$|os$|child_process$|v8$)/.test(spec) ||
        /(^|\/)(server|client)\//.test(spec)
      )
        bad.push(`${rel(f)}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the client reaches the server only through the protocol module (and bundles the debug adapter as its own entry)', () => {
  // The requests (lsp-ext.ts), and the Node options the server's process is started with, which
  // the client, the bench and the tests share (process-flags.ts, which imports only `os`).
  const allowed = new Set([path.join(root, 'server/lsp/lsp-ext.ts'), path.join(root, 'server/process-flags.ts')]);
  const bad: string[] = [];
  for (const [f, deps] of graph()) {
    if (!rel(f).startsWith('client' + path.sep) || rel(f) === path.join('client', 'debug-adapter.ts')) continue;
    for (const d of deps)
      if (rel(d).startsWith('server' + path.sep) && !allowed.has(d)) bad.push(`${rel(f)} -> ${rel(d)}`);
  }
  assert.deepEqual(bad, []);
});
