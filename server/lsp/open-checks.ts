/**
 * Requests that need a script's syntax tree wait for the first check of a script that has none.
 *
 * A script's first full check in a server runs without building a tree (Workspace.checkStreamed:
 * each slice of lines is parsed, resolved, run and dropped). VS Code asks for semantic tokens,
 * document symbols and inlay hints as soon as it opens a file, and each of those needs the tree:
 * answered at once, they parsed the whole script in the middle of the check, in code V8 had not
 * optimised yet, and the open's diagnostics came about twice as late (a 10,000-line script whose
 * opening starts the server: 520–590 ms instead of 260–310, docs/performance.md). Such a request
 * now waits until the check's diagnostics are written, then parses the tree with the code the
 * check has warmed; it waits at most OPEN_CHECK_MAX_WAIT_MS, so a script whose model runs for
 * seconds still gets its hovers and highlighting meanwhile, as before. Folding ranges need no
 * tree but read every line (about 10 ms of cold code for that script), and wait too.
 */

/** The longest a request waits for a script's first check. */
export const OPEN_CHECK_MAX_WAIT_MS = 1000;

/**
 * The longest the shown lines' semantic tokens wait for a script's first check before they are
 * answered in the middle of it. A 10,000-line script's check takes about 125 ms in a server just
 * started, and answering them in its middle delayed its diagnostics by about 10 ms of cold code
 * to colour the screen some 20 ms sooner; a 48,000-line script's check takes several hundred
 * milliseconds, which the screen's colours should not wait for (docs/performance.md).
 */
export const RANGE_TOKENS_MAX_WAIT_MS = 100;

/** How long after a first check's end the requests that wait for it go on (see `end`). */
const SETTLE_AFTER_MS = 10;

export class OpenChecks {
  private readonly pending = new Map<
    string,
    {
      readonly settled: Promise<void>;
      readonly settle: () => void;
      readonly onProgress: Set<() => void>;
      /** Answers (`first`) to give when the check ends, before the requests `after` holds. */
      readonly front: Set<() => void>;
    }
  >();
  /** Requests that waited (smmu/serverStats). */
  waits = 0;

  /** A check of `uri`, which has no tree yet, is scheduled. */
  begin(uri: string): void {
    if (this.pending.has(uri)) return;
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.pending.set(uri, { settled, settle, onProgress: new Set(), front: new Set() });
  }

  /**
   * A check of `uri` ended (its diagnostics were handed to the connection, or it was cancelled),
   * or the document closed. The `first` requests are answered after a turn of the event loop, the
   * waiting ones SETTLE_AFTER_MS later, once the connection has written those answers and the
   * diagnostics out.
   */
  end(uri: string): void {
    const d = this.pending.get(uri);
    if (!d) return;
    this.pending.delete(uri);
    setImmediate(() => {
      // `first` answers now. The requests `after` holds go on a little later: the first of them
      // may parse the whole tree, holding the event loop for a hundred milliseconds or more, and
      // the connection writes each message in a later turn of the loop, once the one before it
      // is written, so the diagnostics and these answers need a few turns to go out.
      for (const f of [...d.front]) f();
      setTimeout(d.settle, SETTLE_AFTER_MS);
    });
  }

  /** The first check of `uri` has finished a slice of lines: the requests that can be answered from what it has so far are. */
  progress(uri: string): void {
    const d = this.pending.get(uri);
    if (d) for (const f of [...d.onProgress]) f();
  }

  /** Whether a first check of `uri` is scheduled or running. */
  due(uri: string): boolean {
    return this.pending.has(uri);
  }

  /**
   * `answer()` at once when no first check of `uri` is due (the usual case, synchronously);
   * otherwise after it ends, or after OPEN_CHECK_MAX_WAIT_MS.
   */
  after<T>(uri: string, answer: () => T): T | Promise<T> {
    const d = this.pending.get(uri);
    if (!d) return answer();
    this.waits++;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, OPEN_CHECK_MAX_WAIT_MS)));
    return Promise.race([d.settled, limit]).then(() => {
      clearTimeout(timer);
      return answer();
    });
  }

  /**
   * `answer()` at once when no first check of `uri` is due; otherwise when it ends, before the
   * requests `after` holds, or after `maxWaitMs`, whichever comes first (then during the check).
   * For a request the check's end answers cheaply but whose answer is worth having during a long
   * check (the shown lines' semantic tokens): a short check is not interrupted for it.
   */
  first<T>(uri: string, answer: () => T | Promise<T>, maxWaitMs: number): T | Promise<T> {
    const d = this.pending.get(uri);
    if (!d) return answer();
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        d.front.delete(finish);
        clearTimeout(timer);
        try {
          resolve(answer());
        } catch (e) {
          reject(e);
        }
      };
      const timer = setTimeout(finish, maxWaitMs);
      d.front.add(finish);
    });
  }

  /**
   * Like `after`, for a request that the lines a first check has already run can answer (the
   * inlay hints of the lines on screen): `early()` is tried at once and after each slice of the
   * check, and its first answer that is not undefined is the request's; otherwise `answer()` when
   * the check ends (counted in `waits`), as `after` does.
   */
  afterOrEarly<T>(uri: string, early: () => T | undefined, answer: () => T): T | Promise<T> {
    const d = this.pending.get(uri);
    if (!d) return answer();
    let now: T | undefined;
    try {
      now = early();
    } catch {
      now = undefined;
    }
    if (now !== undefined) return now;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, OPEN_CHECK_MAX_WAIT_MS)));
    return new Promise<T>((resolve) => {
      let done = false;
      const finish = (get: () => T) => {
        if (done) return;
        done = true;
        d.onProgress.delete(tryEarly);
        clearTimeout(timer);
        resolve(get());
      };
      const tryEarly = () => {
        // It runs between two slices of the check (progress): a failure must not end the check,
        // and leaves the request to the check's end.
        let r: T | undefined;
        try {
          r = early();
        } catch {
          d.onProgress.delete(tryEarly);
          return;
        }
        if (r !== undefined) finish(() => r);
      };
      d.onProgress.add(tryEarly);
      void Promise.race([d.settled, limit]).then(() => {
        if (!done) this.waits++;
        finish(answer);
      });
    });
  }
}
