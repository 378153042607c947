/**
 * The debugger runtime's time travel (core/debug): the state after a step back or a jump is the
 * state the model had when it was first there, down to every register word and guest-memory byte;
 * memory pages are shared between snapshots; and the live engine keeps its identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugRuntime } from '../../../core/debug/runtime';
import { cloneState } from '../../../core/engine/snapshot';
import { GuestMemory } from '../../../core/model/memory';
import type { Engine } from '../../../core/engine/engine';
import { fileHost } from '../../../server/file-host';
import { root } from '../../harness/root';

const host = fileHost;

/** Everything observable about the model: register words, memory pages, caches, TLB, activity count. */
function fingerprint(e: Engine): string {
  const mem = e.memory as unknown as { pages: Map<number, Uint32Array> };
  const pages = [...mem.pages.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, p]) => `${n}:${Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64')}`);
  return JSON.stringify({
    regs: [...e.smmu.words],
    pages,
    ste: e.configCache.ste.entries().map(([k, c]) => [k, c.address]),
    cd: e.configCache.cd.entries().map(([k, c]) => [k, c.address]),
    tlb: e.tlb.entries().map((t) => [t.sid, t.page, t.oa]),
    activity: e.activity.length,
    stalled: e.stalled.size,
  });
}

function launch(file: string): DebugRuntime {
  const r = DebugRuntime.launch(file, host);
  assert.ok(r.runtime, r.error);
  r.runtime.setExceptionFilters([]);
  return r.runtime;
}

test('every position of linux-bringup.smmu is re-created exactly by goTo, in any order', () => {
  const rt = launch(path.join(root, 'examples', 'linux-bringup.smmu'));
  const seen: string[] = [fingerprint(rt.machine.engine)];
  const engine = rt.machine.engine;
  // A snapshot every 4 steps: most jumps restore one and re-execute a few operations.
  rt.history.interval = 4;
  // Step into everything (commands and DMA fetches) so that every kind of operation is in the log.
  while (!rt.ended) {
    rt.stepIn();
    seen.push(fingerprint(rt.machine.engine));
  }
  assert.ok(seen.length >= 80, `${seen.length} positions`);
  let seed = 7;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const target = seed % seen.length;
    rt.goTo(target);
    assert.equal(fingerprint(rt.machine.engine), seen[target], `position ${target}`);
  }
  assert.equal(rt.machine.engine, engine, 'the live engine object is kept');
  assert.equal(rt.machine.engine.smmu.effects, engine, 'the MMIO model still reports to the live engine');
});

test('a step back then a different step truncates the recorded future', () => {
  const rt = launch(path.join(root, 'examples', 'linux-bringup.smmu'));
  for (let i = 0; i < 10; i++) rt.next();
  const at = rt.position;
  rt.stepBack();
  rt.evaluate('write32 CR2 RECINVSID', true);
  assert.equal(rt.history.position, at, 'the console statement replaced the last step');
  assert.equal(rt.evaluate('CR2.RECINVSID', false), '1 (ENABLED)');
  rt.stepBack();
  assert.equal(rt.evaluate('CR2.RECINVSID', false), '0 (DISABLED)');
});

test('snapshots share unchanged memory pages; restoring copies only what differs', () => {
  const m = new GuestMemory();
  m.write32(0x1000, 1);
  m.write32(0x2000, 2);
  const a = cloneState(m);
  m.write32(0x2000, 3);
  const b = cloneState(m, { previous: a });
  const pa = (a as unknown as { pages: Map<number, Uint32Array> }).pages;
  const pb = (b as unknown as { pages: Map<number, Uint32Array> }).pages;
  assert.equal(pb.get(1), pa.get(1), 'page 0x1000 did not change: shared');
  assert.notEqual(pb.get(2), pa.get(2), 'page 0x2000 changed: copied');
  assert.equal(b.read32(0x2000), 3);
  assert.equal(a.read32(0x2000), 2);
  m.write32(0x1000, 9);
  assert.equal(a.read32(0x1000), 1, 'a snapshot does not see later writes');
});

test('the history stays bounded: snapshots are thinned and the interval doubles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-hist-'));
  const file = path.join(dir, 'long.smmu');
  fs.writeFileSync(
    file,
    Array.from({ length: 3000 }, (_, i) => `mem write32 0x${(0x50000000 + (i % 8) * 4096).toString(16)} ${i}`).join(
      '\n',
    ),
  );
  const r = DebugRuntime.launch(file, host);
  assert.ok(r.runtime);
  const rt = r.runtime;
  (rt.history as unknown as { maxSnapshots: number }).maxSnapshots = 8;
  rt.continue();
  assert.ok(rt.history.snapshotCount <= 8, `${rt.history.snapshotCount} snapshots`);
  assert.ok(rt.history.interval >= 512, `interval ${rt.history.interval}`);
  rt.goTo(1234);
  // Statements 0..1233 ran; the last to write page 2 (i % 8 == 2) wrote 1226.
  assert.equal(rt.evaluate('mem32(0x50002000)', false), '0x4CA');
});

test('step over a doorbell runs in chunks: a pause between chunks stops inside the doorbell', () => {
  const rt = launch(path.join(root, 'examples', 'linux-bringup.smmu'));
  const lines = fs.readFileSync(path.join(root, 'examples', 'linux-bringup.smmu'), 'utf8').split('\n');
  const doorbell = lines.findIndex((l) => l.startsWith('doorbell'));
  while (rt.frames()[0]?.line !== doorbell) rt.next();
  // One operation per chunk: the doorbell statement, then its first command; then a pause.
  assert.equal(rt.next(1), undefined);
  // A short name (slot and opcode), on the `cmd` line that enqueued it, above the doorbell.
  assert.deepEqual(
    rt.frames().map((f) => [f.name, f.line]),
    [
      ['CMDQ[1] SYNC', lines.findIndex((l) => l.startsWith('cmd SYNC'))],
      ['doorbell', doorbell],
    ],
  );
  rt.pause();
  assert.deepEqual(rt.resume(1), { reason: 'pause' });
  assert.equal(rt.frames()[0]?.kind, 'command');
  // Without a pause, stepping over from inside the doorbell consumes one command at a time.
  assert.deepEqual(rt.next(), { reason: 'step' });
  assert.equal(rt.frames()[0]?.line, doorbell + 1);
});

test('step into a faulting DMA: the reads are named by level up to the faulting one', () => {
  const file = path.join(root, 'examples', 'linux-bringup.smmu');
  const rt = launch(file);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const dma = lines.findIndex((l) => l.startsWith('dma write sid=8 iova=0x1000'));
  assert.deepEqual(
    rt.setBreakpoints([{ line: dma }]).map((b) => b.verified),
    [true],
  );
  assert.equal(rt.continue()?.reason, 'breakpoint');
  const names: string[] = [];
  const fetches: string[] = [];
  rt.stepIn();
  while (rt.frames()[0]?.kind === 'walk') {
    names.push(rt.frames()[0]?.name ?? '');
    // The frame's name is short (the Call Stack cuts long ones); its scope has the whole fetch.
    const scope = rt.stepScopes()[0];
    fetches.push(`${scope?.name}: ${scope?.node.children?.()[0]?.value}`);
    rt.stepIn();
  }
  // STE and CD are cached from the DMA before, and so is the level 0 table descriptor, in the walk
  // cache (§3.21.1): one table read (§7.3.22: F_TRANSLATION at level 1).
  assert.deepEqual(names, [
    'DMA fetch 1/2: stage-1 level 0 descriptor (walk cache)',
    'DMA fetch 2/2: stage-1 level 1 descriptor',
  ]);
  assert.deepEqual(fetches, [
    'DMA fetch 1/2: stage-1 level 0 descriptor 0x0000000040400003 from the walk cache (a table descriptor read from 0x0000000040380000 by an earlier walk): the walk goes on at level 1',
    'DMA fetch 2/2: stage-1 level 1 descriptor 0x0000000000000000 read from 0x0000000040400000',
  ]);
});

test("a number without digits in the debug console ('0x_', '0b_') is an expression error with its column, not a BigInt SyntaxError", () => {
  const rt = launch(path.join(root, 'examples', 'linux-bringup.smmu'));
  assert.throws(() => rt.evaluate('0x_', false), /unexpected 'x_' \(at column 2\)/);
  assert.throws(() => rt.evaluate('CR0 == 0b_', false), /unexpected 'b_' \(at column 9\)/);
  // As console input the statement reading is tried too, and both readings are reported.
  assert.throws(
    () => rt.evaluate('0x_', true),
    /'0x_' is not a valid hexadecimal number \(column 1\); as an expression: unexpected 'x_'/,
  );
});

test("a queue descriptor's base is the one its check parsed: a `base` after U+2028 in a comment is not read as the base line", () => {
  // The launch looked for `base` with a /m regex of its own, which starts a line after U+2028:
  // `# note\u2028base zz` made BigInt('zz') throw (an internal error in the debug adapter).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-qbase-'));
  const q = path.join(dir, 'q.smmuq');
  fs.writeFileSync(q, '# note\u2028base zz\nqueue cmdq\nbase 0x4020_0000\nlog2size 2\nprod 1\ncons 0\n0: CMD_SYNC\n');
  const rt = launch(q);
  assert.equal(rt.machine.engine.smmu.peek('CMDQ_BASE'), 0x4020_0002n);
  fs.writeFileSync(q, 'queue cmdq\nlog2size 2\nprod 1\ncons 0\n0: CMD_SYNC\n');
  // Without a base line: the documented default.
  assert.equal(launch(q).machine.engine.smmu.peek('CMDQ_BASE'), 0x4010_0002n);
});

test("a trace's bounded history: past maxPositions the oldest steps are forgotten, and every kept one is re-created exactly", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-history-bound-'));
  const file = path.join(dir, 'long.smmutrace');
  const lines: string[] = [];
  for (let i = 0; i < 150; i++)
    lines.push('W 0x20 4 0x0', 'R 0x24 4 0x0', `W 0x28 4 0x${(0xd75 - (i & 0x10)).toString(16)}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const bounded = DebugRuntime.launch(file, host, { traceWindow: 16, traceHistory: 100 }).runtime;
  assert.ok(bounded);
  bounded.setExceptionFilters([]);
  const fresh = (pos: number) => {
    const r = DebugRuntime.launch(file, host).runtime;
    assert.ok(r);
    r.setExceptionFilters([]);
    for (let i = 0; i < pos; i++) r.stepIn();
    return fingerprint(r.machine.engine);
  };
  while (!bounded.ended) bounded.stepIn();
  const h = bounded.history;
  // Never more than maxPositions plus one snapshot interval, however long the trace.
  assert.ok(h.position <= 100 + h.interval, `kept ${h.position}`);
  assert.ok(h.forgotten > 0);
  assert.equal(h.forgotten + h.position, 450);
  for (const back of [1, 7, 33, h.position]) {
    bounded.goTo(h.position - back);
    assert.equal(
      fingerprint(bounded.machine.engine),
      fresh(h.forgotten + h.position - back),
      `${back} steps back from the end`,
    );
  }
  // At the oldest kept step, step back says where it is rather than moving.
  const stop = bounded.stepBack();
  assert.equal(stop.reason, 'entry');
  assert.match(stop.description ?? '', /the history keeps at most 100 steps, and forgot the \d+ before this one/);
  fs.rmSync(dir, { recursive: true, force: true });
});
