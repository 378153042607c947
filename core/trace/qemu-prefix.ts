/**
 * The line prefixes QEMU's trace backends put before an event (`name fmt`, which every text
 * backend prints the same way: scripts/tracetool/backend/{log,ftrace,syslog}.py). A prefix is
 * stripped only when it is one of these; a line with anything else before the event (console
 * output that mentions an event) is not a trace line.
 *
 * Not read: the `simple` backend writes a binary file (simpletrace.py prints its arguments by name,
 * not QEMU's format), and `ust`/`dtrace` go to LTTng or DTrace/SystemTap, whose own tools print them.
 */

export interface TraceBackend {
  readonly name: string;
  /** Matches the prefix; group 1, when present, is the thread id that traced. */
  readonly re: RegExp;
  /** Whether group 1 is a thread id (tells vCPUs apart with MTTCG). */
  readonly thread: boolean;
}

export const TRACE_BACKENDS: readonly TraceBackend[] = [
  // `-trace` with the default log backend: `name fmt` (QEMU 7.2 log.py: qemu_log("name " fmt "\n")).
  // With `-msg timestamp=on`: `PID@SECONDS.MICROS:name fmt` (log.py: "%d@%zu.%06zu:name " fmt,
  // qemu_get_thread_id(), tv_sec, tv_usec), so PID is the thread's id.
  { name: 'log backend with -msg timestamp=on (PID@SECONDS.MICROS:)', re: /^(\d+)@\d+\.\d+:/, thread: true },
  // The ftrace backend writes `name fmt` to tracefs' trace_marker; the kernel's `trace` file shows it
  // as `TASK-TID [CPU] FLAGS SECONDS: tracing_mark_write: name fmt` (TGID column optional).
  {
    name: 'ftrace backend (tracefs trace file: TASK-TID [CPU] … tracing_mark_write:)',
    re: /^\s*\S(?:.*?\S)?-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+(?:\S+\s+)?\d+\.\d+:\s+tracing_mark_write:\s+/,
    thread: true,
  },
  // The syslog backend: syslog(LOG_INFO, "name " fmt); the system log shows it after its own header,
  // `Mon DD HH:MM:SS HOST PROG[PID]:` (RFC 3164) or an RFC 3339 time (journalctl -o short-iso). PID is
  // the process, not a thread.
  {
    name: 'syslog backend (system log: TIME HOST PROG[PID]:)',
    re: /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) \S+ [^\s[\]:]+\[\d+\]: /,
    thread: false,
  },
  // qemu_log with an ISO 8601 timestamp (`-msg timestamp=on` in the 2025 change that aligned
  // qemu_log with error_report), optionally followed by `PROGRAM(PID:THREAD): `.
  {
    name: 'log backend with an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS.uuuuuuZ [PROG(PID:THREAD):])',
    // The program's name holds no `(` (`[^\s(]+`): with `\S+` a line of many `(N:` took quadratic time.
    re: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z (?:[^\s(]+\(\d+(?::[^)]*)?\): )?/,
    thread: false,
  },
];

/** A trace line split: the event, the text after it, and where that text starts. */
export interface QemuLine {
  readonly event: string;
  readonly rest: string;
  /** Column of the event name. */
  readonly eventStart: number;
  /** Column of `rest`. */
  readonly restStart: number;
  /** The thread that traced, when the prefix says. */
  readonly thread?: number;
}

const EVENT = /^(smmu(?:v3)?_\w+)(?:[ \t](.*))?$/;

/** Where a line's event starts after a backend's prefix (0 without one), and the thread that traced. */
export function backendPrefix(line: string): { readonly start: number; readonly thread?: number } {
  for (const b of TRACE_BACKENDS) {
    const m = b.re.exec(line);
    if (!m) continue;
    return b.thread && m[1] !== undefined ? { start: m[0].length, thread: Number(m[1]) } : { start: m[0].length };
  }
  return { start: 0 };
}

/** Split a line of any accepted backend; undefined when it is not an SMMU trace event. */
export function splitQemuLine(line: string): QemuLine | undefined {
  let start = 0;
  let thread: number | undefined;
  if (!line.startsWith('smmu')) {
    ({ start, thread } = backendPrefix(line));
    if (start === 0) return undefined;
  }
  const e = EVENT.exec(line.slice(start));
  if (!e) return undefined;
  const event = e[1] as string;
  const rest = e[2] ?? '';
  return {
    event,
    rest,
    eventStart: start,
    restStart: line.length - rest.length,
    ...(thread !== undefined ? { thread } : {}),
  };
}
