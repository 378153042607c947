/**
 * The debug adapter for the in-process (inline) `smmu` debug type, in its own bundle
 * (dist/debug-adapter.js) loaded when the first session starts: it carries the whole model, which
 * activation must not pay for (see scripts/build.mjs and client/debug.ts).
 */
export { SmmuDebugSession } from '../server/dap/session';
export { isPresetName } from '../core/config/default';
