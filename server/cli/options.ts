/** The options a command was given, parsed from its row of the option table (main.ts). */
export interface Options {
  json: boolean;
  trace: boolean;
  config?: string;
  /** `--max-guest-memory`, bytes. */
  maxGuestMemory?: number;
  stdio: boolean;
  positional: string[];
}
