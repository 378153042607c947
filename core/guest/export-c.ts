/**
 * The guest kit: one self-contained C file that performs a list of guest operations (ops.ts)
 * inside any guest of any hypervisor, through callbacks the guest's own code supplies, and prints
 * what it observed in the report text every route prints (opText, REPORT_START, REPORT_END): a
 * `.smmutrace` that `smmu replay` accepts. `smmu export c SCRIPT` writes it; docs/guest-kit.md
 * shows how to build it into a bare-metal guest, a Xen domU and a KVM guest.
 *
 * The operations become a constant table (one row each, the static report text as C string
 * literals made by opText, so the text cannot drift from the other routes) and a small
 * interpreter loop walks it; only the observed values are formatted at run time. A table keeps
 * the file's compile time linear in the operations (one function of 10,000 straight-line calls
 * is what makes compilers slow) and the code a reviewer reads short.
 *
 * The file is freestanding C99: `<stddef.h>` and `<stdint.h>` only, no library call (nothing a
 * compiler may turn into memcpy or memset either), no static mutable state, and every string
 * literal short (C99 §5.2.4.1 guarantees 4095 characters; a store's report is one literal a line).
 */
import { REPORT_END, REPORT_START, opTag, opText, type GuestOp } from './ops';

export interface ExportCOptions {
  /** The C function that runs the operations (a C identifier); `smmu_kit_run` when not given. */
  readonly functionName?: string;
  /** The script the operations came from, named in the header comment. */
  readonly source?: string;
}

/** The longest line the kit assembles before printing it; every report line is far shorter (checked below). */
const LINE_MAX = 160;
/** The room a line needs for the parts observed at run time: a 64-bit value, ` abort`, a load count. */
const DYNAMIC_MAX = 40;

const C_KEYWORDS = new Set(
  'auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex _Imaginary'.split(
    ' ',
  ),
);

/** Thrown for operations or options no kit can be made from; the message names the operation and its line. */
export class ExportCError extends Error {}

/**
 * The C file for `ops`. Throws ExportCError when an operation cannot be performed as written (a
 * size that is not an access size, a value wider than its access, a poll without loads, …) or the
 * function name is not a C identifier.
 */
export function exportC(ops: readonly GuestOp[], options: ExportCOptions = {}): string {
  const fn = options.functionName ?? 'smmu_kit_run';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(fn) || C_KEYWORDS.has(fn))
    throw new ExportCError(`the function name '${commentText(fn)}' is not a C identifier`);
  ops.forEach(checkOp);

  const tables: string[] = [];
  const rows: string[] = [];
  ops.forEach((op, i) => {
    const text = opText(op, i);
    const where = `/* @${i} ${commentText(op.file ? `${op.file}:${op.line + 1}` : `line ${op.line + 1}`)} */`;
    if (op.kind === 'store') {
      // One literal a line: the M records opText prints, then the abort line's static part (ops.ts: `# @i abort store 0xADDRESS`).
      const lines = text.prefix.split('\n').slice(0, -1);
      const name = `${fn}_store_${i}`;
      tables.push(`static const uint8_t ${name}_bytes[${Math.max(op.bytes.length, 1)}] = {${byteRows(op.bytes)}};`);
      tables.push(
        `static const char *const ${name}_lines[${lines.length + 1}] = {\n${lines.map((l) => `\t${cString(`${l}\n`)},\n`).join('')}\t0\n};`,
      );
      rows.push(
        `\t${where} { ${cU64(op.address)}, 0, 0, 0, ${cString(`${opTag(i).trimStart()} abort store `)}, ${name}_bytes, ${name}_lines, ${op.bytes.length}u, SMMU_KIT_STORE, 0, SMMU_KIT_PHYS },`,
      );
      return;
    }
    if (op.kind === 'zero') {
      // The zero line on success; the store's abort line when a piece aborts (ops.ts).
      rows.push(
        `\t${where} { ${cU64(op.address)}, 0, 0, ${cString(text.prefix)}, ${cString(`${opTag(i).trimStart()} abort store `)}, 0, 0, ${op.length}u, SMMU_KIT_ZERO, 0, SMMU_KIT_PHYS },`,
      );
      return;
    }
    checkLineLength(text.prefix + text.suffix, i);
    const flags =
      [op.space === 'phys' ? 'SMMU_KIT_PHYS' : '', op.kind === 'poll' && op.equal ? 'SMMU_KIT_EQUAL' : '']
        .filter((f) => f)
        .join(' | ') || '0';
    const kind = { read: 'SMMU_KIT_READ', write: 'SMMU_KIT_WRITE', poll: 'SMMU_KIT_POLL' }[op.kind];
    const value = op.kind === 'write' ? cU64(op.value) : op.kind === 'poll' ? cU64(op.expected) : '0';
    const mask = op.kind === 'poll' ? cU64(op.mask) : '0';
    const count = op.kind === 'poll' ? `${op.max}u` : '0';
    rows.push(
      `\t${where} { ${cU64(op.address)}, ${value}, ${mask}, ${cString(text.prefix)}, ${cString(text.suffix)}, 0, 0, ${count}, ${kind}, ${op.size}, ${flags} },`,
    );
  });

  const table = ops.length
    ? `static const struct smmu_kit_op ${fn}_ops[${ops.length}] = {\n${rows.join('\n')}\n};\n\n`
    : '';
  const call = ops.length ? `smmu_kit_exec(host, ${fn}_ops, ${ops.length}u)` : 'smmu_kit_exec(host, 0, 0)';
  return `${header(fn, ops, options.source)}

${DECLARATIONS}
int ${fn}(const struct smmu_kit_host *host);

#ifndef SMMU_KIT_DECLARATIONS_ONLY
${runtime()}

${tables.map((t) => `${t}\n\n`).join('')}${table}/* Performs the ${ops.length} operations in order and prints their report; see the comment at the top. */
int ${fn}(const struct smmu_kit_host *host)
{
\treturn ${call};
}
#endif /* SMMU_KIT_DECLARATIONS_ONLY */
`;
}

function opName(op: GuestOp, i: number): string {
  return `operation ${i} (${op.file ? `${op.file}:${op.line + 1}` : `line ${op.line + 1}`})`;
}

const MAX64 = (1n << 64n) - 1n;

/** Refuse what the kit could only perform wrongly: the C table holds 64-bit addresses and values, 32-bit counts. */
function checkOp(op: GuestOp, i: number): void {
  const fail = (what: string) => {
    throw new ExportCError(`${opName(op, i)}: ${what}`);
  };
  if (op.address < 0n || op.address > MAX64) fail(`address 0x${op.address.toString(16)} is not a 64-bit address`);
  if (op.kind === 'zero') {
    if (!Number.isInteger(op.length) || op.length < 0 || op.length > 0xffff_ffff)
      fail(`zeroing ${op.length} bytes: give 0 to 4 GiB`);
    if (op.address + BigInt(op.length) - 1n > MAX64)
      fail('the zeroed range runs past the top of the 64-bit address space');
    return;
  }
  if (op.kind === 'store') {
    if (op.bytes.length > 0xffff_ffff) fail(`a store of ${op.bytes.length} bytes is larger than 4 GiB`);
    if (op.address + BigInt(op.bytes.length) - 1n > MAX64)
      fail('the store runs past the top of the 64-bit address space');
    return;
  }
  const sizes: readonly number[] = op.kind === 'poll' ? [4, 8] : [1, 2, 4, 8];
  if (!sizes.includes(op.size)) fail(`size ${op.size} is not an access size (${sizes.join(', ')} bytes)`);
  const fits = (v: bigint, what: string) => {
    if (v < 0n || v >> BigInt(op.size * 8) !== 0n)
      fail(`${what} 0x${v.toString(16)} does not fit a ${op.size}-byte access`);
  };
  if (op.kind === 'write') fits(op.value, 'value');
  if (op.kind === 'poll') {
    fits(op.mask, 'mask');
    fits(op.expected, 'expected value');
    if (!Number.isInteger(op.max) || op.max < 1 || op.max > 0xffff_ffff)
      fail(`a poll needs 1 to 4294967295 loads, not ${op.max}`);
  }
}

function checkLineLength(text: string, i: number): void {
  for (const line of text.split('\n')) {
    if (line.length + DYNAMIC_MAX > LINE_MAX)
      throw new ExportCError(
        `operation ${i}: a report line of ${line.length} characters is longer than the kit's line buffer`,
      );
  }
}

/**
 * A comment's text: printable ASCII, nothing that opens or closes a comment (`-Wcomment` warns on
 * a nested `/*`), and no `??` (C99 translates trigraphs in comments too: `??/` at a line's end is
 * a backslash-newline, which `-Wtrigraphs` reports).
 */
function commentText(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/\/\*/g, '/ *')
    .replace(/\*\//g, '* /')
    .replace(/\?(?=\?)/g, '?_');
}

/** A C string literal; `?` escaped so no trigraph can form, anything not printable as an octal escape. */
export function cString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\n') out += '\\n';
    else if (ch === '"' || ch === '\\' || ch === '?') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    // Anything else as the octal escapes of its UTF-8 bytes (three digits: no following digit can join them).
    else
      for (const b of encodeURIComponent(ch).split('%').slice(1))
        out += `\\${parseInt(b, 16).toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** A 64-bit constant: `0x…u` while it fits 32 bits, UINT64_C beyond (an unsuffixed literal's type depends on the compiler's long). */
function cU64(v: bigint): string {
  if (v === 0n) return '0';
  const hex = `0x${v.toString(16).toUpperCase()}`;
  return v > 0xffff_ffffn ? `UINT64_C(${hex})` : `${hex}u`;
}

function byteRows(bytes: Uint8Array): string {
  if (!bytes.length) return ' 0 ';
  let out = '';
  for (let i = 0; i < bytes.length; i += 16) {
    out += `\n\t${Array.from(bytes.subarray(i, i + 16), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')},`;
  }
  return `${out}\n`;
}

function header(fn: string, ops: readonly GuestOp[], source: string | undefined): string {
  const from = source === undefined ? 'a list of guest operations' : `the script ${commentText(source)}`;
  return `/*
 * SMMU Workbench guest kit, generated by \`smmu export c\` from ${from}
 * (${ops.length} operation${ops.length === 1 ? '' : 's'}). Do not edit: regenerate it from the script.
 *
 * ${fn}() performs the script's SMMU register accesses and guest memory stores, in order,
 * through callbacks the guest supplies, and prints what it observed as a .smmutrace (one line
 * per access, each tagged "# @N" with the operation's index): capture the guest's console and
 * run \`smmu replay CONSOLE.log\` to check the emulation against the Arm SMMUv3 model.
 * Guide: docs/guest-kit.md in SMMU Workbench.
 *
 * Build: freestanding C99; includes only <stddef.h> and <stdint.h> and calls no library
 * function, e.g. cc -std=c99 -ffreestanding -nostdlib -c kit.c (also builds as part of a kernel
 * or hypervisor tree). In another file, get the declarations with
 *     #define SMMU_KIT_DECLARATIONS_ONLY
 *     #include "kit.c"
 *
 * Call:
 *     struct smmu_kit_host host = { ctx, smmu_base, mmio_read, mmio_write, store, print };
 *     int aborted = ${fn}(&host);
 * It returns the number of operations that aborted (they are reported, never fatal), or -1
 * when host or a callback is NULL (nothing is done then). It keeps no state between calls.
 *
 * The callbacks (ctx is host.ctx, addresses are guest physical addresses):
 *   int mmio_read(void *ctx, uint64_t address, unsigned size, uint64_t *value)
 *   int mmio_write(void *ctx, uint64_t address, unsigned size, uint64_t value)
 *       One single access of size 1, 2, 4 or 8 bytes at address (SMMU registers are at
 *       smmu_base + offset; other addresses, such as guest RAM, are passed as they are): one
 *       load or store instruction on a Device mapping, never split, merged or retried. On
 *       Arm, use a plain LDR/STR of the size with no writeback, so a hypervisor trapping it
 *       gets a valid syndrome (ISV) and can emulate it. Return 0 when the access completed,
 *       nonzero when it aborted: the hypervisor (or the bus) refused it and the guest took a
 *       synchronous external abort or alignment fault for it (catch that exception, note it,
 *       step over the instruction). 1- and 2-byte and unaligned SMMU accesses abort on
 *       emulations that follow the architecture's recommendation, and the replay checks that.
 *   int store(void *ctx, uint64_t address, const uint8_t *bytes, size_t length)
 *       Write bytes to guest memory (queues and tables the SMMU will read), at most 8 bytes a
 *       call, in the pieces the report's M records name. Make them visible to the SMMU as a
 *       driver would (non-cacheable memory, or clean the cache). Nonzero when it aborted; the
 *       rest of that store is skipped and reported as "abort store ADDRESS".
 *   void print(void *ctx, const char *line, size_t length)
 *       Print one line of the report: length characters, NUL-terminated, without the line
 *       ending; write it followed by "\\n" (or "\\r\\n") to a console the developer can capture.
 */`;
}

const DECLARATIONS = `#include <stddef.h>
#include <stdint.h>

#ifndef SMMU_KIT_HOST_DEFINED
#define SMMU_KIT_HOST_DEFINED
/* What the guest supplies; the same for every kit, so one guest can run several. */
struct smmu_kit_host {
	void *ctx;
	uint64_t smmu_base;
	int (*mmio_read)(void *ctx, uint64_t address, unsigned size, uint64_t *value);
	int (*mmio_write)(void *ctx, uint64_t address, unsigned size, uint64_t value);
	int (*store)(void *ctx, uint64_t address, const uint8_t *bytes, size_t length);
	void (*print)(void *ctx, const char *line, size_t length);
};
#endif`;

function runtime(): string {
  return `#ifndef SMMU_KIT_RUNTIME_1
#define SMMU_KIT_RUNTIME_1
/* The interpreter, shared by every kit included in one translation unit. */
enum { SMMU_KIT_READ = 1, SMMU_KIT_WRITE, SMMU_KIT_POLL, SMMU_KIT_STORE, SMMU_KIT_ZERO };
#define SMMU_KIT_PHYS 1u  /* address is physical, not an offset from smmu_base */
#define SMMU_KIT_EQUAL 2u /* poll: until (value & mask) == expected, else until it differs */
#define SMMU_KIT_LINE_MAX ${LINE_MAX}

struct smmu_kit_op {
	uint64_t address;
	uint64_t value;         /* write: the value written; poll: the value expected under mask */
	uint64_t mask;          /* poll */
	const char *prefix;     /* report text printed before the observed value; zero: its line */
	const char *suffix;     /* ... and after it; store, zero: the abort line's text */
	const uint8_t *bytes;   /* store */
	const char *const *lines; /* store: its M records, NULL-terminated */
	uint32_t count;         /* poll: most loads; store, zero: bytes */
	uint8_t kind;
	uint8_t size;
	uint8_t flags;
};

struct smmu_kit_out {
	const struct smmu_kit_host *host;
	size_t len;
	char buf[SMMU_KIT_LINE_MAX + 1];
};

/* Append text; each '\\n' prints the line assembled so far. */
static void smmu_kit_put(struct smmu_kit_out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\n') {
			o->buf[o->len] = '\\0';
			o->host->print(o->host->ctx, o->buf, o->len);
			o->len = 0;
		} else if (o->len < SMMU_KIT_LINE_MAX) {
			o->buf[o->len++] = *s;
		}
	}
}

/* 0x and upper-case hex digits: at least digits of them, more when the value needs them. */
static void smmu_kit_hex(struct smmu_kit_out *o, uint64_t v, unsigned digits)
{
	static const char hex[] = "0123456789ABCDEF";
	char t[19];
	unsigned n = 16, i;

	while (n > digits && (v >> (4u * (n - 1u))) == 0)
		n--;
	t[0] = '0';
	t[1] = 'x';
	for (i = 0; i < n; i++)
		t[2u + i] = hex[(unsigned)(v >> (4u * (n - 1u - i))) & 0xFu];
	t[2u + n] = '\\0';
	smmu_kit_put(o, t);
}

static uint64_t smmu_kit_mask(unsigned size)
{
	return size >= 8u ? ~(uint64_t)0 : (((uint64_t)1 << (8u * size)) - 1u);
}

/* A store's next piece: 8, 4 or 2 bytes where aligned and available, else 1 (ops.ts storeLines). */
static size_t smmu_kit_piece(uint64_t address, size_t left)
{
	size_t s;

	for (s = 8; s > 1; s /= 2)
		if (left >= s && (address & (s - 1u)) == 0)
			return s;
	return 1;
}

static int smmu_kit_exec(const struct smmu_kit_host *host, const struct smmu_kit_op *ops, size_t n)
{
	struct smmu_kit_out o;
	size_t i;
	int aborted = 0;

	if (!host || !host->mmio_read || !host->mmio_write || !host->store || !host->print)
		return -1;
	o.host = host;
	o.len = 0;
	smmu_kit_put(&o, ${cString(REPORT_START)});
	for (i = 0; i < n; i++) {
		const struct smmu_kit_op *op = &ops[i];
		uint64_t address = op->address + ((op->flags & SMMU_KIT_PHYS) ? 0 : host->smmu_base);
		uint64_t value = 0;
		int failed = 0;

		switch (op->kind) {
		case SMMU_KIT_READ:
			failed = host->mmio_read(host->ctx, address, op->size, &value);
			smmu_kit_put(&o, op->prefix);
			if (failed)
				smmu_kit_put(&o, "abort");
			else
				smmu_kit_hex(&o, value & smmu_kit_mask(op->size), 2u * op->size);
			smmu_kit_put(&o, op->suffix);
			break;
		case SMMU_KIT_WRITE:
			failed = host->mmio_write(host->ctx, address, op->size, op->value);
			smmu_kit_put(&o, op->prefix);
			if (failed)
				smmu_kit_put(&o, " abort");
			smmu_kit_put(&o, op->suffix);
			break;
		case SMMU_KIT_POLL: {
			uint32_t loads = 0;
			int equal = (op->flags & SMMU_KIT_EQUAL) != 0;

			do {
				value = 0;
				loads++;
				failed = host->mmio_read(host->ctx, address, op->size, &value);
				value &= smmu_kit_mask(op->size);
			} while (!failed && ((value & op->mask) == op->value) != equal && loads < op->count);
			smmu_kit_put(&o, op->prefix);
			if (failed)
				smmu_kit_put(&o, "abort");
			else
				smmu_kit_hex(&o, value, 2u * op->size);
			smmu_kit_put(&o, op->suffix);
			smmu_kit_hex(&o, loads, 8);
			smmu_kit_put(&o, "\\n");
			break;
		}
		case SMMU_KIT_STORE:
		case SMMU_KIT_ZERO: {
			/* The same pieces for both; a zero stores from zeros (ops.ts ZeroOp). */
			static const uint8_t zeros[8] = { 0 };
			size_t done = 0, k;

			while (done < op->count) {
				size_t piece = smmu_kit_piece(address + done, op->count - done);
				const uint8_t *from = op->kind == SMMU_KIT_ZERO ? zeros : op->bytes + done;

				if (host->store(host->ctx, address + done, from, piece)) {
					failed = 1;
					break;
				}
				done += piece;
			}
			if (failed) {
				smmu_kit_put(&o, op->suffix);
				smmu_kit_hex(&o, address + done, 8);
				smmu_kit_put(&o, "\\n");
			} else if (op->kind == SMMU_KIT_ZERO) {
				if (op->count)
					smmu_kit_put(&o, op->prefix);
			} else {
				for (k = 0; op->lines[k]; k++)
					smmu_kit_put(&o, op->lines[k]);
			}
			break;
		}
		default:
			break;
		}
		if (failed)
			aborted++;
	}
	smmu_kit_put(&o, ${cString(REPORT_END)});
	return aborted;
}
#endif /* SMMU_KIT_RUNTIME_1 */`;
}
