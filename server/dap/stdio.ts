/** `smmu dap`: the debug adapter on stdin/stdout, for nvim-dap and other DAP clients (docs/debugger.md). */
import { SmmuDebugSession } from './session';

export function startStdioAdapter(): void {
  const session = new SmmuDebugSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}
