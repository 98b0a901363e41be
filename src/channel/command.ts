// What running a command in the guest means, whichever lane carries it (kiln-execd or SSH).
import type { Readable } from 'node:stream';

/** Results are data: whoever calls decides whether a status is an error. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ExecOptions {
  /** Data for the command's stdin; closed afterwards. */
  stdin?: string | Buffer | Readable;
  /** Stream output here instead of (or as well as, see collect) collecting it. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Collect output into the result (default true; off for large outputs). */
  collect?: boolean;
}

/** Runs a shell command line in the guest. */
export interface CommandRunner {
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
}
