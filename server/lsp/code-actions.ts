/**
 * Code actions on `.smmu` register writes, each an edit the user chooses (nothing is rewritten
 * without asking):
 * - mask the RES0 bits of a written value (`write.res0`, §6.2);
 * - drop the fields the configuration does not advertise (`write.unadvertised`);
 * - write a number as symbolic fields, or symbolic fields as a number;
 * - fix an access size the register does not allow (`access.named-size`, §6.2);
 * - acknowledge a global error the line raised, writing GERRORN = GERROR (§6.3.20);
 * - remove an argument a statement does not take (`arg.extra`) or takes once (`arg.duplicate`).
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { hex, implementedMask, symbolic } from '../../core/registers/codec';
import { definedMask, findRegister, getRegister } from '../../core/registers/table';
import { modelAtLine } from '../../core/script/model-at-line';
import { configAtLine } from '../../core/script/check';
import type { RegisterAccess } from '../../core/script/resolve';
import { idViewOf } from '../../core/model/ids';
import type { Workspace } from './workspace';

const NUMBER = /^(0[xX][0-9A-Fa-f_]+|0[bB][01_]+|[0-9_]+)$/;

function edit(
  doc: TextDocument,
  range: Range,
  newText: string,
  title: string,
  diagnostics: Diagnostic[] = [],
  preferred = false,
): CodeAction {
  return {
    title,
    kind: CodeActionKind.QuickFix,
    ...(diagnostics.length ? { diagnostics } : {}),
    ...(preferred ? { isPreferred: true } : {}),
    edit: { changes: { [doc.uri]: [{ range, newText }] } },
  };
}

function overlaps(a: Range, b: Range): boolean {
  return !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );
}

/** The value written as the user would write it: symbolic if the original was, else hex. */
function spell(s: RegisterAccess, value: bigint, symbolicOriginal: boolean): string {
  if (!s.register) return hex(value);
  if (!symbolicOriginal) return hex(value, s.size === 8 ? 64 : 32);
  const whole = s.byte === 4 ? value << 32n : value;
  return symbolic(s.register, whole) || '0';
}

export function codeActions(
  workspace: Workspace,
  doc: TextDocument,
  range: Range,
  diagnostics: Diagnostic[],
  options: { execute: boolean } = { execute: true },
): CodeAction[] {
  const check = workspace.scriptCheck(doc);
  const out: CodeAction[] = [];
  for (const st of check.resolved.statements) {
    if (st.kind !== 'access' || !overlaps(st.range, range)) continue;
    const s = st;
    const reg = s.register;
    const onLine = diagnostics.filter((d) => d.range.start.line === s.range.start.line);
    const codes = new Set(onLine.map((d) => String(d.code)));
    if (s.op === 'write' && reg && s.value !== undefined && s.valueRange) {
      const text = doc.getText(s.valueRange).trim();
      const numeric = NUMBER.test(text);
      const shift = BigInt(s.byte * 8);
      const accessMask = s.size === 8 ? (1n << 64n) - 1n : 0xffff_ffffn;
      if (codes.has('write.res0')) {
        const v = s.value & (definedMask(reg) >> shift) & accessMask;
        out.push(
          edit(
            doc,
            s.valueRange,
            spell(s, v, !numeric),
            'Clear the RES0 bits',
            onLine.filter((d) => d.code === 'write.res0'),
            true,
          ),
        );
      }
      if (codes.has('write.unadvertised')) {
        // What the configuration at this line advertises (a `config` line after `reset` changes it).
        const ids = idViewOf(configAtLine(check, s.range.start.line));
        const v = s.value & (implementedMask(reg, ids) >> shift) & (definedMask(reg) >> shift) & accessMask;
        out.push(
          edit(
            doc,
            s.valueRange,
            spell(s, v, !numeric),
            'Drop the fields this configuration does not advertise',
            onLine.filter((d) => d.code === 'write.unadvertised'),
            true,
          ),
        );
      }
      if (numeric) {
        const sym = spell(s, s.value, true);
        if (sym !== text && !/0x[0-9A-F]{8}/.test(sym))
          out.push({
            ...edit(doc, s.valueRange, sym, `Write as fields: ${sym}`),
            kind: CodeActionKind.RefactorRewrite,
          });
      } else {
        out.push({
          ...edit(
            doc,
            s.valueRange,
            hex(s.value, s.size === 8 ? 64 : 32),
            `Write as a number: ${hex(s.value, s.size === 8 ? 64 : 32)}`,
          ),
          kind: CodeActionKind.RefactorRewrite,
        });
      }
    }
  }
  // Access sizes a named register does not allow: the resolver rejects the line, so work from
  // the syntax tree (§6.2: 32-bit accesses everywhere, 64-bit ones to 64-bit registers).
  for (const p of check.resolved.parsed.statements) {
    if (p.kind !== 'register' || !overlaps(p.range, range)) continue;
    const d = diagnostics.find((x) => x.range.start.line === p.range.start.line && x.code === 'access.named-size');
    if (!d || p.target.base.kind !== 'name') continue;
    const reg = findRegister(p.target.base.name);
    if (!reg) continue;
    const keyword = `${p.op}${reg.width === 64 && !p.target.plus ? 64 : 32}`;
    if (keyword !== `${p.op}${p.bits}`)
      out.push(
        edit(doc, p.keyword, keyword, `Use ${keyword} (SMMU_${reg.name} is a ${reg.width}-bit register)`, [d], true),
      );
  }
  // An argument the statement does not take, or a second one of those it takes once: remove it
  // with the blanks before it, so `doorbell 7` becomes `doorbell`.
  for (const d of diagnostics) {
    if ((d.code !== 'arg.extra' && d.code !== 'arg.duplicate') || !overlaps(d.range, range)) continue;
    const line = d.range.start.line;
    const before = doc.getText({ start: { line, character: 0 }, end: d.range.start });
    // The blanks before it, counted back by hand: `/[ \t]+$/` took quadratic time on a long run of them.
    let blanks = before.length;
    while (blanks > 0 && (before[blanks - 1] === ' ' || before[blanks - 1] === '\t')) blanks--;
    const start = { line, character: blanks };
    const what = doc.getText(d.range);
    out.push(
      edit(
        doc,
        { start, end: d.range.end },
        '',
        d.code === 'arg.extra' ? `Remove the extra argument '${what}'` : `Remove the second '${what}'`,
        [d],
        true,
      ),
    );
  }
  // A global error raised at a line: acknowledge it the way drivers do, GERRORN = GERROR (§6.3.20).
  const raised = diagnostics.find(
    (d) =>
      typeof d.code === 'string' &&
      d.code.startsWith('gerror.') &&
      d.range.start.line >= range.start.line &&
      d.range.start.line <= range.end.line,
  );
  if (raised && options.execute) {
    const line = raised.range.start.line;
    const { engine } = modelAtLine(check, line, workspace.runsFor(doc.uri));
    const gerror = engine.smmu.peek('GERROR');
    const active = gerror ^ engine.smmu.peek('GERRORN');
    if (active !== 0n) {
      const names = getRegister('GERROR')
        .fields.filter((f) => (active >> BigInt(f.lsb)) & 1n)
        .map((f) => f.name);
      const insertAt = { line: line + 1, character: 0 };
      out.push({
        title: `Acknowledge ${names.join(', ')} in GERRORN`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [raised],
        edit: {
          changes: {
            [doc.uri]: [
              {
                range: { start: insertAt, end: insertAt },
                newText: `write32 GERRORN ${hex(gerror)}  # acknowledge ${names.join(', ')} (GERRORN = GERROR)\n`,
              },
            ],
          },
        },
      });
    }
  }
  return out;
}
