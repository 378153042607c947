/**
 * Copies of the model's state. The model is deterministic, so the debugger's step back
 * (core/debug/history.ts) and a script's run up to a line (core/script/model-at-line.ts) keep a
 * copy every so often and re-execute from the nearest one; this module makes and restores those
 * copies. It sits with the engine so that both layers above can use it.
 *
 * The copy is structural: every mutable object reachable from the roots (the engine, its register
 * file, guest memory, configuration cache, TLB, the script's own bookkeeping) is copied with its
 * prototype, so the engine's other modules need to know nothing about snapshots. What never changes after
 * construction (the configuration, the ID view, the MMIO fast-path tables) and what is immutable
 * once made (activity records, cached structures' decoded forms) is shared, not copied.
 */
import type { Activity } from './activity';
import { generation } from './config-cache';
import type { Engine } from './engine';

/** Keys whose values are shared between a snapshot and the live state (immutable or rebuilt). */
const SHARED_KEYS = new Set([
  'config',
  'ids',
  'fastRead',
  'fastWrite',
  'fastKeep',
  'fastGuard',
  'fastCheckedAt',
  'fastChecked',
  'decoded',
  'geometries',
  // Smmu.targetOf's decoded accesses: a pure function of the configuration, which a snapshot
  // shares (reconfigure gives the live model a new map, never clears a shared one).
  'decodedTargets',
]);
/** Arrays of immutable records: the array is copied, its elements shared. */
const SHALLOW_KEYS = new Set(['activity', 'history']);
// (Engine snapshots keep the engine's append-only activity log out of the copy: snapshotEngine.)
/** Keys dropped from a snapshot (memos the engine rebuilds on demand). */
const DROPPED_KEYS = new Set(['memo', 'changeLog', 'findings']);

type AnyObject = Record<PropertyKey, unknown>;

function isTyped(v: unknown): v is Uint32Array | Int32Array | Uint8Array | Float64Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Pages of guest memory are 4 KB typed arrays: share one with `previous` when the contents match. */
function samePage(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface CloneOptions {
  /**
   * The same roots at another time: a memory page whose contents equal its page there is taken
   * from it instead of copied. Snapshots pass the previous snapshot (pages shared between
   * snapshots: bounded memory for long histories); restoring passes the live state (unchanged
   * pages stay where they are: no copy, no garbage).
   */
  readonly previous?: unknown;
  /**
   * Adds an estimate of the bytes the copy allocated besides guest memory pages, for callers that
   * keep copies within a budget (pages are shared between copies, so the caller counts the
   * distinct ones: pagesOf, PAGE_BYTES). V8's object layout is not observable from JavaScript:
   * the constants below are sizes of V8's objects on a 64-bit machine, checked against the heap
   * and array-buffer figures of process.memoryUsage() for 200 copies of the benchmark script's
   * engine (estimated 4.9 KB a copy besides its pages, measured 5.7-7.8 KB).
   */
  readonly size?: { bytes: number };
}

/** A JavaScript object: header and property array, then 8 bytes a property or element. */
const OBJECT_BYTES = 32;
const SLOT_BYTES = 8;
/** A typed array besides its data: the view, its ArrayBuffer and the backing store's header. */
const TYPED_BYTES = 250;
/** A memory page: its 4 KB, and its view, ArrayBuffer and backing store (measured with the above). */
export const PAGE_BYTES = 4096 + TYPED_BYTES;
/** A Map or Set: the object and its smallest hash table; then per entry key, value and chain link. */
const MAP_BYTES = 200;
const ENTRY_BYTES = 24;

/** A deep copy of `root` keeping prototypes, cycles and the sharing rules above. */
export function cloneState<T>(root: T, options: CloneOptions = {}): T {
  const seen = new Map<unknown, unknown>();
  const prevPages = new Map<number, Uint32Array>();
  if (options.previous) collectPages(options.previous, prevPages, new Set());
  const size = options.size;
  const allocated = (bytes: number) => {
    if (size) size.bytes += bytes;
  };

  const copy = (v: unknown, key: PropertyKey | undefined): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (typeof key === 'string' && SHARED_KEYS.has(key)) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (isTyped(v)) {
      const t = v.slice();
      seen.set(v, t);
      allocated(TYPED_BYTES + t.byteLength);
      return t;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      seen.set(v, a);
      allocated(OBJECT_BYTES * 2 + SLOT_BYTES * v.length);
      const shallow = typeof key === 'string' && SHALLOW_KEYS.has(key);
      for (let i = 0; i < v.length; i++) a[i] = shallow ? v[i] : copy(v[i], undefined);
      return a;
    }
    if (v instanceof Map) {
      const m = new Map();
      seen.set(v, m);
      allocated(MAP_BYTES + ENTRY_BYTES * v.size);
      const pages = key === 'pages';
      for (const [k, x] of v) {
        if (pages && x instanceof Uint32Array) {
          const p = prevPages.get(k as number);
          m.set(k, p && samePage(p, x) ? p : x.slice());
        } else m.set(k, copy(x, undefined));
      }
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      seen.set(v, s);
      allocated(MAP_BYTES + ENTRY_BYTES * v.size);
      for (const x of v) s.add(copy(x, undefined));
      return s;
    }
    const o = Object.create(Object.getPrototypeOf(v) as object | null) as AnyObject;
    seen.set(v, o);
    const keys = Object.keys(v);
    allocated(OBJECT_BYTES + SLOT_BYTES * keys.length);
    for (const k of keys) {
      if (DROPPED_KEYS.has(k)) {
        o[k] = undefined;
        continue;
      }
      o[k] = copy((v as AnyObject)[k], k);
    }
    return o;
  };
  return copy(root, undefined) as T;
}

/** The guest memory pages `root` holds (a copy's pages are shared with other copies where unchanged). */
export function pagesOf(root: unknown): Uint32Array[] {
  const pages = new Map<number, Uint32Array>();
  collectPages(root, pages, new Set());
  return [...pages.values()];
}

function collectPages(v: unknown, out: Map<number, Uint32Array>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v) || isTyped(v)) return;
  seen.add(v);
  if (v instanceof Map) return;
  if (Array.isArray(v)) return;
  for (const k of Object.keys(v)) {
    if (SHARED_KEYS.has(k) || SHALLOW_KEYS.has(k)) continue;
    const x = (v as AnyObject)[k];
    if (k === 'pages' && x instanceof Map) {
      for (const [n, p] of x) if (p instanceof Uint32Array) out.set(n as number, p);
    } else collectPages(x, out, seen);
  }
}

/**
 * Put a snapshot's state into the live objects, keeping their identity (other modules key caches
 * on the engine object). `live` and `snap` are the same shape: own enumerable keys are replaced
 * by fresh copies of the snapshot's values.
 */
export function restoreInto(live: object, snap: object): void {
  const fresh = cloneState(snap, { previous: live }) as AnyObject;
  const target = live as AnyObject;
  for (const k of Object.keys(fresh)) {
    const v = fresh[k];
    // The engine's back-reference from the MMIO model must point at the live engine.
    target[k] = v;
  }
  relink(target, fresh, live);
}

/** After restoring, references to the snapshot's root copy must point to the live root. */
function relink(target: AnyObject, freshRoot: object, live: object): void {
  const seen = new Set<unknown>();
  const walk = (o: unknown): void => {
    if (
      o === null ||
      typeof o !== 'object' ||
      seen.has(o) ||
      isTyped(o) ||
      o instanceof Map ||
      o instanceof Set ||
      Array.isArray(o)
    )
      return;
    seen.add(o);
    for (const k of Object.keys(o)) {
      if (SHARED_KEYS.has(k) || SHALLOW_KEYS.has(k)) continue;
      const x = (o as AnyObject)[k];
      if (x === freshRoot) (o as AnyObject)[k] = live;
      else walk(x);
    }
  };
  for (const k of Object.keys(target)) walk(target[k]);
}

/**
 * An engine at one moment. Its activity log is append-only: the snapshot keeps the live array by
 * reference and its length then (appends later do not change that prefix), instead of a copy of
 * a log that grows with the run.
 */
export interface EngineSnapshot {
  readonly engine: Engine;
  readonly activity: readonly Activity[];
  readonly activityLength: number;
}

/** The engine's activity log, which `readonly` declares but snapshots swap. */
type WithActivity = { activity: Activity[] };

/**
 * A snapshot of `engine`, sharing unchanged memory pages with `previous` (an earlier snapshot of
 * the same run); `size` as in CloneOptions.
 */
export function snapshotEngine(
  engine: Engine,
  previous?: { readonly engine: Engine },
  size?: { bytes: number },
): EngineSnapshot {
  const e = engine as unknown as WithActivity;
  const activity = e.activity;
  e.activity = [];
  try {
    return {
      engine: cloneState(engine, { previous: previous?.engine, ...(size ? { size } : {}) }),
      activity,
      activityLength: activity.length,
    };
  } finally {
    e.activity = activity;
  }
}

/**
 * The engine of a snapshot, live again: put into `into` (which keeps its identity: other modules
 * key caches on the engine object), or a fresh copy when `into` is omitted. The snapshot itself
 * is never changed, so it can be restored any number of times.
 */
export function restoreEngine(s: EngineSnapshot, into?: Engine): Engine {
  let engine: Engine;
  if (into) {
    restoreInto(into, s.engine);
    engine = into;
  } else engine = cloneState(s.engine);
  (engine as unknown as WithActivity).activity = s.activity.slice(0, s.activityLength);
  // Lookup memos keyed on the cache generation must not survive a jump in time.
  generation.value++;
  return engine;
}
