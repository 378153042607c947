/**
 * When the extension's code started running (this module is the bundle's first import, so its
 * statement runs before every other module of dist/extension.js) and how long activate() took.
 * Exposed in the extension's API and measured by the integration suite (the figure `npm run bench`
 * reports).
 */
import { performance } from 'perf_hooks';

export const moduleStart = performance.now();

/**
 * The extension host builds the `vscode` API object for an extension on its first
 * require('vscode'): VS Code's cost, not this bundle's, measured apart.
 */
export const vscodeApiMs = (() => {
  const t = performance.now();
  require('vscode');
  return performance.now() - t;
})();

let moduleEnd: number | undefined;

/** Called by the entry module's last statement: the bundle has been evaluated. */
export function markModuleEvaluated(): void {
  moduleEnd = performance.now();
}

export interface ActivationTiming {
  /** Evaluating dist/extension.js (its modules' top-level code), ms, without `vscodeApiMs`. */
  readonly moduleMs: number;
  /** VS Code building the `vscode` API object on the first require('vscode'), ms. */
  readonly vscodeApiMs: number;
  /** activate() alone, ms. */
  readonly activateMs: number;
}

export function activationTiming(activateStart: number): ActivationTiming {
  const end = performance.now();
  return {
    moduleMs: (moduleEnd ?? activateStart) - moduleStart - vscodeApiMs,
    vscodeApiMs,
    activateMs: end - activateStart,
  };
}
