// Each command's action ends in an exit status: a number it returns (0 when it returns
// nothing), or an error it throws. The status goes to the one place that sets it (cli.ts);
// no command touches process.exitCode.
import type { Command } from 'commander';
import type { Sink } from '../log.js';

export class ExitStatus {
  code = 0;
  /**
   * Where a command that shows events (kiln build) sends them: cli.ts sends the final
   * `result` or `error` event there too, then closes it, so a --machine-readable stream
   * ends with one and a live display gives the terminal back before the error is shown.
   */
  sink?: Sink;
}

export type Register = (program: Command, status: ExitStatus) => void;

/** A commander action whose return value becomes the process's exit status. */
export function statusAction<A extends unknown[]>(status: ExitStatus, fn: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    status.code = (await fn(...args)) ?? 0;
  };
}
