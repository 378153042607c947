/** The options a command was given, parsed from its row of the option table (main.ts). */
export interface Options {
  json: boolean;
  trace: boolean;
  config?: string;
  /** `--max-guest-memory`, bytes. */
  maxGuestMemory?: number;
  /** `smmu replay --max-diagnostics N`: diagnostics shown per rule. */
  maxDiagnostics?: number;
  stdio: boolean;
  /** `smmu qemu`: the emulator binary, extra -M options, guest RAM, the folder to keep, the time limit. */
  qemu?: string;
  machine?: string;
  memory?: { bytes: number; text: string };
  keep?: string;
  timeoutSeconds?: number;
  /** `smmu inspect`: the gdbstub (HOST:PORT as given). */
  gdb?: string;
  /** `smmu inspect`: QEMU's QMP socket (HOST:PORT or unix:PATH as given). */
  qmp?: string;
  /** `smmu export`: where to write (`-o`, `--output`); standard output otherwise. */
  output?: string;
  /** `smmu export svd --base`, `smmu inspect --base`: the SMMU's physical address, as given (each command parses it). */
  base?: string;
  positional: string[];
}
