/**
 * "SMMU: Decode Selection As…": the numbers selected in any file (C sources of an emulation, a
 * log) decoded as a register value, a command, an event record, an STE or a CD. Called with
 * (kind, text) it returns the decoded text without prompting (tests, keybindings with arguments);
 * with text only, it asks for the kind as from the context menu.
 */
import * as vscode from 'vscode';
import { coreTables } from '../lazy';
import {
  DECODE_REQUEST,
  DECODE_STRUCTURE_REQUEST,
  type DecodeParams,
  type DecodeResult,
  type DecodeStructureParams,
} from '../../server/lsp/lsp-ext';
import type { Ctx } from '../ctx';
import { showDecoded } from './decode-document';

const STRUCTURES = [
  { label: 'cmd', detail: 'a command-queue entry (2 doublewords)' },
  { label: 'event', detail: 'an event record (4 doublewords)' },
  { label: 'pri', detail: 'a PRI page request (2 doublewords)' },
  { label: 'ste', detail: 'a stream table entry (8 doublewords)' },
  { label: 'cd', detail: 'a context descriptor (8 doublewords)' },
  { label: 'l1std', detail: 'a level-1 stream table descriptor' },
  { label: 'l1cd', detail: 'a level-1 CD descriptor' },
];

/**
 * The numbers in a selection. Logs and C sources surround values with indices (`cmd[0] = 0x…`),
 * so when there are hex numbers only those count; otherwise decimal ones do.
 */
export function numbersIn(text: string): string[] {
  const hex = text.match(/\b0[xX][0-9A-Fa-f_]+\b/g) ?? [];
  return hex.length ? hex : (text.match(/\b[0-9]+\b/g) ?? []);
}

/** What to decode in a selection: the numbers, and the register an access on a trace line names. */
export interface DecodeTarget {
  readonly numbers: string[];
  /** The register at the offset of the MMIO access the selection records, if it is one. */
  readonly register?: string;
}

/**
 * A trace line records an access (a QEMU `smmuv3_write_mmio addr: 0x20 val:0x1d size: 0x4(0)`,
 * an `.smmutrace` `W 0x20 4 0x1d`): its value is what to decode, as the register at its offset
 * (the page as the replay takes it, core/trace/parse-qemu.ts), not the offset or the size. Other
 * text: the numbers labelled `val`/`value` if any (a log line cut short), else every number.
 */
export function decodeTarget(text: string): DecodeTarget {
  const t = coreTables();
  const parsed = t.looksLikeQemu(text) ? t.parseQemuTrace(text) : t.parseLineTrace(text);
  const access = parsed.records.find((r) => r.kind === 'access' && r.value !== undefined);
  if (access?.kind === 'access' && access.value !== undefined) {
    const register = t.REGISTERS.find((r) => r.offset === access.offset)?.name;
    return { numbers: [`0x${access.value.toString(16).toUpperCase()}`], ...(register ? { register } : {}) };
  }
  const labelled = [...text.matchAll(/\b(?:val|value)\s*[:=]\s*(0[xX][0-9A-Fa-f_]+|[0-9]+)\b/g)].map(
    (m) => m[1] as string,
  );
  return { numbers: labelled.length ? labelled : numbersIn(text) };
}

export function decodeSelection(ctx: Ctx) {
  return async (kind?: string, text?: string): Promise<string | undefined> => {
    const interactive = kind === undefined || text === undefined;
    const editor = vscode.window.activeTextEditor;
    if (text === undefined) text = editor ? editor.document.getText(editor.selection) : '';
    const target = decodeTarget(text);
    const numbers = target.numbers;
    if (!numbers.length) {
      if (interactive) void vscode.window.showErrorMessage('Select one or more numbers to decode (0x… or decimal).');
      return undefined;
    }
    if (kind === undefined) {
      const registers = coreTables().REGISTERS.map((r) => ({ label: r.name, detail: r.summary, description: '' }));
      // The register the access is to comes first, so Enter decodes the value as it.
      const at = registers.findIndex((r) => r.label === target.register);
      const first =
        at >= 0 ? registers.splice(at, 1).map((r) => ({ ...r, description: 'the register this access is to' })) : [];
      const pick = await vscode.window.showQuickPick([...first, ...STRUCTURES, ...registers], {
        placeHolder: `Decode ${numbers.join(' ')} as…`,
        matchOnDetail: true,
      });
      if (!pick) return undefined;
      kind = pick.label;
    }
    const uri = editor?.document.uri.toString();
    const structure = STRUCTURES.some((s) => s.label === kind);
    const [method, params] = structure
      ? [DECODE_STRUCTURE_REQUEST, { kind, dwords: numbers, uri } satisfies DecodeStructureParams]
      : [DECODE_REQUEST, { register: kind, value: numbers[0] ?? '0', uri } satisfies DecodeParams];
    const result = await ctx.request<DecodeResult>(method, params);
    if (result.error) {
      if (interactive) void vscode.window.showErrorMessage(result.error);
      return result.error;
    }
    if (interactive)
      await showDecoded(
        `${kind} ${numbers.length > 2 ? `${numbers.slice(0, 2).join(' ')} …` : numbers.join(' ')}`,
        method,
        params,
        result.text,
      );
    return result.text;
  };
}
