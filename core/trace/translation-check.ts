/**
 * The translations an emulation reports (QEMU's `smmuv3_translate_*`), checked against the
 * model's own walk of the same transaction — when the replay has the state the walk needs.
 *
 * What a walk reads: SMMU registers (CR0.SMMUEN, GBPA, STRTAB_BASE/_CFG), which the trace's
 * accesses give the model; and guest memory (the STE, the L1 descriptors, the CD, the page-table
 * descriptors), which a QEMU log does not show. A translation is **checked** only when every byte
 * of guest memory the model's walk read was written by the trace's own memory records (`M`): then
 * the model walks the guest's tables as the guest wrote them. Otherwise it is **not checked**,
 * counted, and said so once per StreamID with the first structure the trace does not show. A
 * translation with SMMUEN = 0 reads no memory, so it is always checked.
 *
 * The walk is a probe: no event records, no stalls, no Access-flag or dirty-state updates
 * (engine.suppressEvents), so it changes nothing QEMU's log could show differently. It fills the
 * model's configuration cache and TLB as a real SMMU's walk fills its own.
 */
import type { Engine } from '../engine/engine';
import type { TransactionResult } from '../engine/transaction';
import type { Access } from '../translation/types';
import { hex } from '../registers/codec';
import type { MemoryRecord, TranslationRecord } from './types';

export interface TranslationCounts {
  /** Compared with the model's walk. */
  readonly checked: number;
  /** Of those, where the model did something else (errors). */
  readonly diverged: number;
  /** Not compared: the walk needed guest memory the trace does not show. */
  readonly unchecked: number;
}

export interface TranslationFinding {
  readonly severity: 'error' | 'info';
  readonly code: string;
  readonly message: string;
  readonly section?: string;
}

const hx = (v: bigint) => hex(v, 64);

function accessOf(write: boolean): Access {
  // QEMU's DMA through the edu device and PCI devices generally: data, unprivileged (§13.7).
  return { read: !write, write, exec: false, priv: false };
}

export class TranslationChecker {
  /** Doublewords (address >> 3) the trace's memory records wrote (bigint: a record may name any 64-bit address). */
  private readonly shown = new Set<bigint>();
  private checked = 0;
  private diverged = 0;
  private unchecked = 0;
  /** StreamIDs whose unchecked translations were already explained. */
  private readonly explained = new Set<number>();

  get counts(): TranslationCounts {
    return { checked: this.checked, diverged: this.diverged, unchecked: this.unchecked };
  }

  /** A memory record the replay applied: the walk may read these bytes as the guest wrote them. */
  noteMemory(rec: MemoryRecord): void {
    const last = (rec.address + BigInt(rec.size) - 1n) >> 3n;
    for (let d = rec.address >> 3n; d <= last; d++) this.shown.add(d);
  }

  /** The model's outcome for the transaction, and the first memory it read that the trace does not show. */
  private probe(engine: Engine, sid: number, iova: bigint, write: boolean): { r: TransactionResult; unseen?: string } {
    const recording = engine.recording;
    const suppress = engine.suppressEvents;
    const from = engine.activity.length;
    engine.recording = true;
    engine.suppressEvents = true;
    let r: TransactionResult;
    let unseen: string | undefined;
    try {
      r = engine.translate({ sid, address: iova, access: accessOf(write) });
      for (const a of engine.activity.slice(from)) {
        if (a.kind !== 'fetch' || a.address === undefined) continue;
        const bytes = a.words ? a.words.length * 4 : 8;
        const last = (a.address + BigInt(bytes) - 1n) >> 3n;
        for (let d = a.address >> 3n; d <= last && !unseen; d++) if (!this.shown.has(d)) unseen = a.text;
        if (unseen) break;
      }
    } finally {
      engine.activity.length = from;
      engine.recording = recording;
      engine.suppressEvents = suppress;
    }
    return unseen ? { r, unseen } : { r };
  }

  /** Check one reported translation; the findings go on its line. */
  check(engine: Engine, rec: TranslationRecord): TranslationFinding[] {
    // translate_success does not say the access; its perm is the page's: probe a read when the
    // page is readable, else a write, and then every other access perm grants.
    const perm = rec.perm ?? 0;
    const write = rec.outcome === 'translated' ? (perm & 1) === 0 && (perm & 2) !== 0 : rec.write === true;
    const first = this.probe(engine, rec.sid, rec.iova, write);
    const probes = [{ write, ...first }];
    if (rec.outcome === 'translated' && (perm & 3) === 3)
      probes.push({ write: true, ...this.probe(engine, rec.sid, rec.iova, true) });
    const unseen = probes.find((p) => p.unseen)?.unseen;
    if (unseen) {
      this.unchecked++;
      if (this.explained.has(rec.sid)) return [];
      this.explained.add(rec.sid);
      return [
        {
          severity: 'info',
          code: 'replay.translation-unchecked',
          message: `${rec.event}: not checked: the model's walk for StreamID 0x${rec.sid.toString(16)} reads guest memory the trace does not show (${unseen}); QEMU's log has no guest memory, add the guest's memory writes as M records to check it. Later translations of this StreamID that cannot be checked are only counted`,
        },
      ];
    }
    this.checked++;
    // The first access that diverges (a read and a write to a wrong PA are one divergence).
    const problems = probes.map((p) => this.compare(engine, rec, p.r, p.write)).find((x) => x.length) ?? [];
    if (problems.length) this.diverged++;
    return problems;
  }

  private compare(engine: Engine, rec: TranslationRecord, r: TransactionResult, write: boolean): TranslationFinding[] {
    const what = `${write ? 'a write' : 'a read'} of StreamID 0x${rec.sid.toString(16)} at IOVA ${hx(rec.iova)}`;
    const model =
      r.outcome === 'translated'
        ? `translates it to ${hx(r.pa)} (${r.detail})`
        : r.outcome === 'bypass'
          ? `passes it through untranslated to ${hx(r.pa)} (${r.detail})`
          : r.outcome === 'raz-wi'
            ? `completes it without memory access (${r.detail})`
            : `${r.outcome === 'stalled' ? 'stalls' : 'terminates'} it (${r.detail})`;
    const err = (message: string, section?: string): TranslationFinding[] => [
      { severity: 'error', code: 'replay.translation', message, ...(section ? { section } : {}) },
    ];
    const smmuen = engine.smmuEnabled();
    switch (rec.outcome) {
      case 'translated':
        if (r.outcome === 'translated' && r.pa === rec.pa) return [];
        return err(
          `the emulation translated ${what} to ${hx(rec.pa ?? 0n)}${rec.perm !== undefined ? ` (perm 0x${rec.perm.toString(16)})` : ''}; the model ${model}`,
        );
      case 'bypass':
        if (smmuen && r.outcome === 'bypass' && r.pa === rec.iova) return [];
        return err(`the emulation passed ${what} through by its STE (Config bypass); the model ${model}`, '5.2');
      case 'disabled':
        if (!smmuen && r.outcome === 'bypass' && r.pa === rec.iova) return [];
        return err(
          smmuen
            ? `the emulation passed ${what} through as with SMMUEN = 0, but SMMU_CR0.SMMUEN is 1 in the model; the model ${model}`
            : `the emulation passed ${what} through with SMMUEN = 0; the model ${model}: with SMMUEN = 0, SMMU_GBPA.ABORT decides`,
          smmuen ? '6.3.9' : '6.3.14',
        );
      case 'abort':
        if (r.outcome === 'abort') return [];
        return err(`the emulation aborted ${what} without a fault event; the model ${model}`);
    }
  }
}
