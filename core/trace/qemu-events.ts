/**
 * QEMU's SMMU trace events, every format they had from QEMU 7.2 on, as declared in QEMU's
 * hw/arm/trace-events. Each row IS a trace-events line (the declaration, copied as QEMU has it),
 * with the QEMU versions that print it and where the line was read; the matcher is compiled from
 * the declaration, so the table is the only place a format is written down.
 *
 * A log does not say which QEMU wrote it, so every format of an event is tried (newest first);
 * the versions are for the documentation (docs/trace-replay.md) and for messages.
 *
 * Sources: `7.2` rows were checked against the format strings in Debian's qemu-system-aarch64
 * 7.2 binary (the log backend compiles `"smmuv3_record_event " "%s sid=0x%x"` into it: `strings`
 * shows them); later rows come from QEMU's hw/arm/trace-events at the commits that changed them
 * (the patch series named in `source`) and from current master (shared/reference/qemu-trace-events.md beside the repository).
 */

/** A QEMU release, as `major.minor`. */
export type QemuVersion = `${number}.${number}`;

export interface QemuEventRow {
  /** The hw/arm/trace-events line, verbatim. */
  readonly decl: string;
  /** First QEMU release that prints this format. */
  readonly since: QemuVersion;
  /** Last QEMU release that prints it; undefined: current master still does. */
  readonly until?: QemuVersion;
  /** Where the line was read, and the change that introduced the format when it is not 7.2's. */
  readonly source: string;
}

const V72 = "QEMU 7.2's hw/arm/trace-events (v7.2.0), checked against Debian's 7.2 binary";
const STAGE2 = 'hw/arm/trace-events after the stage-2 series ("hw/arm/smmuv3: Add stage-2 support", QEMU 8.1)';
const NESTING = 'hw/arm/trace-events after the nesting series ("hw/arm/smmu: Support nesting", QEMU 9.1)';
const SID_RANGE = 'hw/arm/trace-events after "hw/arm/smmu-common: Add smmu_configs_inv_sid_range() helper" (QEMU 10.0)';
const OLD =
  'hw/arm/trace-events before "hw/arm/smmuv3: Uniformize sid traces" (2021), which printed StreamIDs in hex: read at qemu/qemu commit 00928a42. Older than 7.2, kept so older logs are not misread; the release bounds (2.12–5.2) were not checked against tags';
const ACCEL = 'hw/arm/trace-events after the accelerated SMMUv3 series ("hw/arm/smmuv3-accel", 2025-2026 master)';

const MMIO_FMT = '"addr: 0x%"PRIx64" val:0x%"PRIx64" size: 0x%x(%d)"';

export const QEMU_EVENTS: readonly QemuEventRow[] = [
  // --- register accesses, commands and events: records the replay checks
  {
    decl: `smmuv3_read_mmio(uint64_t addr, uint64_t val, unsigned size, uint32_t r) ${MMIO_FMT}`,
    since: '7.2',
    source: V72,
  },
  {
    decl: `smmuv3_write_mmio(uint64_t addr, uint64_t val, unsigned size, uint32_t r) ${MMIO_FMT}`,
    since: '7.2',
    source: V72,
  },
  { decl: 'smmuv3_cmdq_opcode(const char *opcode) "<--- %s"', since: '7.2', source: V72 },
  {
    decl: 'smmuv3_cmdq_consume_error(const char *cmd_name, uint8_t cmd_error) "Error on %s command execution: %d"',
    since: '7.2',
    source: V72,
  },
  { decl: 'smmuv3_record_event(const char *type, uint32_t sid) "%s sid=0x%x"', since: '7.2', source: V72 },
  { decl: 'smmuv3_record_event(const char *type, uint32_t sid) "%s sid=%d"', since: '2.12', until: '5.2', source: OLD },
  // --- translations
  {
    decl: 'smmuv3_translate_disable(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=0x%x bypass (smmu disabled) iova:0x%"PRIx64" is_write=%d"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_translate_bypass(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=0x%x STE bypass iova:0x%"PRIx64" is_write=%d"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_translate_abort(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=0x%x abort on iova:0x%"PRIx64" is_write=%d"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_translate_success(const char *n, uint16_t sid, uint64_t iova, uint64_t translated, int perm, int stage) "%s sid=0x%x iova=0x%"PRIx64" translated=0x%"PRIx64" perm=0x%x stage=%d"',
    since: '9.1',
    source: NESTING,
  },
  {
    decl: 'smmuv3_translate_success(const char *n, uint16_t sid, uint64_t iova, uint64_t translated, int perm) "%s sid=0x%x iova=0x%"PRIx64" translated=0x%"PRIx64" perm=0x%x"',
    since: '7.2',
    until: '9.0',
    source: V72,
  },
  {
    decl: 'smmuv3_translate_disable(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=%d bypass (smmu disabled) iova:0x%"PRIx64" is_write=%d"',
    since: '2.12',
    until: '5.2',
    source: OLD,
  },
  {
    decl: 'smmuv3_translate_bypass(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=%d STE bypass iova:0x%"PRIx64" is_write=%d"',
    since: '2.12',
    until: '5.2',
    source: OLD,
  },
  {
    decl: 'smmuv3_translate_abort(const char *n, uint16_t sid, uint64_t addr, bool is_write) "%s sid=%d abort on iova:0x%"PRIx64" is_write=%d"',
    since: '2.12',
    until: '5.2',
    source: OLD,
  },
  {
    decl: 'smmuv3_translate_success(const char *n, uint16_t sid, uint64_t iova, uint64_t translated, int perm) "%s sid=%d iova=0x%"PRIx64" translated=0x%"PRIx64" perm=0x%x"',
    since: '2.12',
    until: '5.2',
    source: OLD,
  },
  // --- configuration cache invalidation
  {
    decl: 'smmuv3_config_cache_inv(uint32_t sid) "Config cache INV for sid=0x%x"',
    since: '7.2',
    until: '9.2',
    source: V72,
  },
  { decl: 'smmu_config_cache_inv(uint32_t sid) "Config cache INV for sid=0x%x"', since: '10.0', source: SID_RANGE },
  {
    decl: 'smmu_configs_inv_sid_range(uint32_t start, uint32_t end) "Config cache INV SID range from 0x%x to 0x%x"',
    since: '10.0',
    source: SID_RANGE,
  },
  // --- accelerated SMMUv3 (host SMMU through iommufd)
  {
    decl: 'smmuv3_accel_translate_ste(uint32_t vsid, uint32_t hwpt_id, uint64_t ste_1, uint64_t ste_0) "vSID=0x%x hwpt_id=0x%x ste=%"PRIx64":%"PRIx64',
    since: '10.2',
    source: ACCEL,
  },
  {
    decl: 'smmuv3_accel_install_ste(uint32_t vsid, const char *type, uint32_t hwpt_id) "vSID=0x%x ste type=%s hwpt_id=0x%x"',
    since: '10.2',
    source: ACCEL,
  },
  // --- QEMU's own bookkeeping: read (so a damaged line is reported), not replayed
  { decl: 'smmuv3_trigger_irq(int irq) "irq=%d"', since: '7.2', source: V72 },
  {
    decl: 'smmuv3_write_gerror(uint32_t toggled, uint32_t gerror) "toggled=0x%x, new GERROR=0x%x"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_write_gerrorn(uint32_t acked, uint32_t gerrorn) "acked=0x%x, new GERRORN=0x%x"',
    since: '7.2',
    source: V72,
  },
  { decl: 'smmuv3_unhandled_cmd(uint32_t type) "Unhandled command type=%d"', since: '7.2', source: V72 },
  {
    decl: 'smmuv3_cmdq_consume(uint32_t prod, uint32_t cons, uint8_t prod_wrap, uint8_t cons_wrap) "prod=%d cons=%d prod.wrap=%d cons.wrap=%d"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_cmdq_consume_out(uint32_t prod, uint32_t cons, uint8_t prod_wrap, uint8_t cons_wrap) "prod:%d, cons:%d, prod_wrap:%d, cons_wrap:%d "',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_find_ste(uint16_t sid, uint32_t features, uint16_t sid_split) "sid=0x%x features:0x%x, sid_split:0x%x"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_find_ste_2lvl(uint64_t strtab_base, uint64_t l1ptr, int l1_ste_offset, uint64_t l2ptr, int l2_ste_offset, int max_l2_ste) "strtab_base:0x%"PRIx64" l1ptr:0x%"PRIx64" l1_off:0x%x, l2ptr:0x%"PRIx64" l2_off:0x%x max_l2_ste:%d"',
    since: '7.2',
    source: V72,
  },
  { decl: 'smmuv3_get_ste(uint64_t addr) "STE addr: 0x%"PRIx64', since: '7.2', source: V72 },
  { decl: 'smmuv3_get_cd(uint64_t addr) "CD addr: 0x%"PRIx64', since: '7.2', source: V72 },
  { decl: 'smmuv3_decode_cd(uint32_t oas) "oas=%d"', since: '7.2', source: V72 },
  {
    decl: 'smmuv3_decode_cd_tt(int i, uint32_t tsz, uint64_t ttb, uint32_t granule_sz, bool had) "TT[%d]:tsz:%d ttb:0x%"PRIx64" granule_sz:%d had:%d"',
    since: '7.2',
    source: V72,
  },
  { decl: 'smmuv3_cmdq_cfgi_ste(int streamid) "streamid= 0x%x"', since: '7.2', source: V72 },
  { decl: 'smmuv3_cmdq_cfgi_ste_range(int start, int end) "start=0x%x - end=0x%x"', since: '7.2', source: V72 },
  { decl: 'smmuv3_cmdq_cfgi_cd(uint32_t sid) "sid=0x%x"', since: '7.2', source: V72 },
  {
    decl: 'smmuv3_config_cache_hit(uint32_t sid, uint32_t hits, uint32_t misses, uint32_t perc) "Config cache HIT for sid=0x%x (hits=%d, misses=%d, hit rate=%d)"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_config_cache_miss(uint32_t sid, uint32_t hits, uint32_t misses, uint32_t perc) "Config cache MISS for sid=0x%x (hits=%d, misses=%d, hit rate=%d)"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_s1_range_inval(int vmid, int asid, uint64_t addr, uint8_t tg, uint64_t num_pages, uint8_t ttl, bool leaf) "vmid=%d asid=%d addr=0x%"PRIx64" tg=%d num_pages=0x%"PRIx64" ttl=%d leaf=%d"',
    since: '7.2',
    until: '8.0',
    source: V72,
  },
  {
    decl: 'smmuv3_range_inval(int vmid, int asid, uint64_t addr, uint8_t tg, uint64_t num_pages, uint8_t ttl, bool leaf) "vmid=%d asid=%d addr=0x%"PRIx64" tg=%d num_pages=0x%"PRIx64" ttl=%d leaf=%d"',
    since: '8.1',
    until: '9.0',
    source: STAGE2,
  },
  {
    decl: 'smmuv3_range_inval(int vmid, int asid, uint64_t addr, uint8_t tg, uint64_t num_pages, uint8_t ttl, bool leaf, int stage) "vmid=%d asid=%d addr=0x%"PRIx64" tg=%d num_pages=0x%"PRIx64" ttl=%d leaf=%d stage=%d"',
    since: '9.1',
    source: NESTING,
  },
  { decl: 'smmuv3_cmdq_tlbi_nh(void) ""', since: '7.2', until: '9.0', source: V72 },
  { decl: 'smmuv3_cmdq_tlbi_nh(int vmid) "vmid=%d"', since: '9.1', source: NESTING },
  { decl: 'smmuv3_cmdq_tlbi_nh_asid(uint16_t asid) "asid=%d"', since: '7.2', source: V72 },
  { decl: 'smmuv3_cmdq_tlbi_s12_vmid(uint16_t vmid) "vmid=%d"', since: '8.1', source: STAGE2 },
  {
    decl: 'smmuv3_notify_flag_add(const char *iommu) "ADD SMMUNotifier node for iommu mr=%s"',
    since: '7.2',
    source: V72,
  },
  {
    decl: 'smmuv3_notify_flag_del(const char *iommu) "DEL SMMUNotifier node for iommu mr=%s"',
    since: '7.2',
    source: V72,
  },
];

/** A declaration compiled: its event, argument names and the matcher of its format. */
export interface CompiledEvent {
  readonly row: QemuEventRow;
  readonly event: string;
  readonly args: readonly string[];
  /** The format string as QEMU prints it (PRIx64 spelled `%x`). */
  readonly format: string;
  /** One capture group per piece of the format (literal text or an argument), in order. */
  readonly re: RegExp;
  /** The conversion of each argument: `s` string, `x` hex, `d` decimal. */
  readonly conv: readonly ('s' | 'x' | 'd')[];
  /** The group of each argument. */
  readonly groups: readonly number[];
  /** Number of groups. */
  readonly pieces: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compile a trace-events declaration: `name(type a, type b) "fmt" PRIx64 "fmt"…`. The format is
 * C string literals and inttypes.h macros; each conversion becomes a capture group. Whitespace in
 * the format matches one or more blanks, and trailing blanks are optional (an editor may strip them).
 */
export function compileDeclaration(row: QemuEventRow): CompiledEvent {
  const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(row.decl);
  if (!m) throw new Error(`not a trace-events declaration: ${row.decl}`);
  const [, event, params, tail] = m as unknown as [string, string, string, string];
  const args =
    params.trim() === 'void'
      ? []
      : params.split(',').map((p) => (/(\w+)\s*$/.exec(p.trim()) as RegExpExecArray)[1] as string);
  // "lit"PRIx64"lit" → lit%llxlit: a macro continues the conversion its literal started.
  const format = tail.replace(/"\s*PRI([xdu])64\s*"?|"/g, (_s, c: string | undefined) => (c ? `ll${c}` : ''));
  const conv: ('s' | 'x' | 'd')[] = [];
  // Every piece, literal or conversion, is a group: an argument's column is the sum of the lengths
  // before it (the `d` flag would give it too, at a cost on every line of a long log).
  const pieces: { src: string; arg: boolean }[] = [];
  const literal = (src: string) => {
    const last = pieces[pieces.length - 1];
    if (last && !last.arg) last.src += src;
    else pieces.push({ src, arg: false });
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch !== '%') {
      literal(/\s/.test(ch) ? '\\s+' : escape(ch));
      continue;
    }
    const spec = /^%(%|(?:ll|l|z)?[sdxu])/.exec(format.slice(i));
    if (!spec) throw new Error(`unsupported conversion in ${row.decl}`);
    i += (spec[0] as string).length - 1;
    const c = (spec[1] as string).slice(-1);
    if (c === '%') {
      literal('%');
      continue;
    }
    if (c === 's') {
      conv.push('s');
      pieces.push({ src: '\\S+', arg: true });
    } else if (c === 'x') {
      conv.push('x');
      pieces.push({ src: '[0-9a-fA-F]+', arg: true });
    } else {
      conv.push('d');
      pieces.push({ src: c === 'u' ? '\\d+' : '-?\\d+', arg: true });
    }
  }
  if (conv.length !== args.length) throw new Error(`${event}: ${conv.length} conversions for ${args.length} arguments`);
  const last = pieces[pieces.length - 1];
  if (last && !last.arg) {
    last.src = last.src.replace(/(?:\\s\+)+$/, '');
    if (!last.src) pieces.pop();
  }
  const groups = pieces.flatMap((p, g) => (p.arg ? [g + 1] : []));
  const re = new RegExp(`^${pieces.map((p) => `(${p.src})`).join('')}\\s*$`, 'i');
  return { row, event, args, format, re, conv, groups, pieces: pieces.length };
}

export const COMPILED: readonly CompiledEvent[] = QEMU_EVENTS.map(compileDeclaration);

/** The formats of each event, newest first (a newer format is tried before the older one it extends). */
const BY_EVENT = new Map<string, CompiledEvent[]>();
for (const c of COMPILED) {
  const list = BY_EVENT.get(c.event) ?? [];
  if (!list.some((x) => x.format === c.format)) list.push(c);
  list.sort((a, b) => versionNumber(b.row.since) - versionNumber(a.row.since));
  BY_EVENT.set(c.event, list);
}

function versionNumber(v: QemuVersion): number {
  const [a, b] = v.split('.').map(Number) as [number, number];
  return a * 100 + b;
}

export function formatsOf(event: string): readonly CompiledEvent[] {
  return BY_EVENT.get(event) ?? [];
}

/** An argument's value and its columns in the text after the event name. */
export interface EventArg {
  readonly value: bigint | string;
  readonly start: number;
  readonly end: number;
}

export interface MatchedEvent {
  readonly compiled: CompiledEvent;
  readonly args: ReadonlyMap<string, EventArg>;
}

/** Match the text after an event's name against the event's formats; undefined when none matches. */
export function matchEvent(event: string, rest: string): MatchedEvent | undefined {
  for (const c of formatsOf(event)) {
    const m = c.re.exec(rest);
    if (!m) continue;
    const args = new Map<string, EventArg>();
    let at = 0;
    let arg = 0;
    for (let g = 1; g <= c.pieces; g++) {
      const text = m[g] as string;
      if (c.groups[arg] === g) {
        const conv = c.conv[arg];
        const value = conv === 's' ? text : conv === 'x' ? BigInt('0x' + text) : BigInt(text);
        args.set(c.args[arg] as string, { value, start: at, end: at + text.length });
        arg++;
      }
      at += text.length;
    }
    return { compiled: c, args };
  }
  return undefined;
}

/** "QEMU 7.2–9.0" / "QEMU 9.1 on": the releases that print a row's format. */
export function versionsText(row: QemuEventRow): string {
  return row.until ? `QEMU ${row.since}–${row.until}` : `QEMU ${row.since} on`;
}
