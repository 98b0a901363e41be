// Shell text helpers for the block-device scripts; quoting is kiln's one POSIX sh quote.
import { quote } from '../../quote.js';

export const shQuote = quote;

export function shCommand(argv: string[]): string {
  return argv.map(shQuote).join(' ');
}

/** Every guest script starts the same way: POSIX sh, stop at the first failure. */
export function scriptHeader(what: string): string {
  return `#!/bin/sh\n# kiln: ${what} (rendered from the block-device plan)\nset -eu`;
}
