/**
 * Copies of the model's state for step back. The model is deterministic, so the debugger keeps a
 * copy every few steps and re-executes from the nearest one (history.ts); this module makes and
 * restores those copies.
 *
 * The copy is structural: every mutable object reachable from the roots (the engine, its register
 * file, guest memory, configuration cache, TLB, the script's own bookkeeping) is copied with its
 * prototype, so nothing in core/engine needs to know about snapshots. What never changes after
 * construction (the configuration, the ID view, the MMIO fast-path tables) and what is immutable
 * once made (activity records, cached structures' decoded forms) is shared, not copied.
 */

/** Keys whose values are shared between a snapshot and the live state (immutable or rebuilt). */
const SHARED_KEYS = new Set(['config', 'ids', 'fastRead', 'fastWrite', 'fastKeep', 'fastGuard', 'decoded', 'geometries']);
/** Arrays of immutable records: the array is copied, its elements shared. */
const SHALLOW_KEYS = new Set(['activity', 'history']);
// (The debugger's Machine keeps the engine's append-only activity log out of snapshots: machine.ts.)
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
}

/** A deep copy of `root` keeping prototypes, cycles and the sharing rules above. */
export function cloneState<T>(root: T, options: CloneOptions = {}): T {
  const seen = new Map<unknown, unknown>();
  const prevPages = new Map<number, Uint32Array>();
  if (options.previous) collectPages(options.previous, prevPages, new Set());

  const copy = (v: unknown, key: PropertyKey | undefined): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (typeof key === 'string' && SHARED_KEYS.has(key)) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (isTyped(v)) {
      const t = v.slice();
      seen.set(v, t);
      return t;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      seen.set(v, a);
      const shallow = typeof key === 'string' && SHALLOW_KEYS.has(key);
      for (let i = 0; i < v.length; i++) a[i] = shallow ? v[i] : copy(v[i], undefined);
      return a;
    }
    if (v instanceof Map) {
      const m = new Map();
      seen.set(v, m);
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
      for (const x of v) s.add(copy(x, undefined));
      return s;
    }
    const o = Object.create(Object.getPrototypeOf(v) as object | null) as AnyObject;
    seen.set(v, o);
    for (const k of Object.keys(v)) {
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
    if (o === null || typeof o !== 'object' || seen.has(o) || isTyped(o) || o instanceof Map || o instanceof Set || Array.isArray(o)) return;
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
