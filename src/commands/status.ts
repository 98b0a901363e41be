// Each command's action ends in an exit status: a number it returns (0 when it returns
// nothing), or an error it throws. The status goes to the one place that sets it (cli.ts);
// no command touches process.exitCode.
import type { Command } from 'commander';

export class ExitStatus {
  code = 0;
}

export type Register = (program: Command, status: ExitStatus) => void;

/** A commander action whose return value becomes the process's exit status. */
export function statusAction<A extends unknown[]>(status: ExitStatus, fn: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    status.code = (await fn(...args)) ?? 0;
  };
}
