// Quoting for the guest scripts kiln renders. Kept here (not imported from env/) so the
// renderers stay pure and self-contained; the rules are plain POSIX sh.

/** Quote one word for sh: safe words stay bare (readable scripts), the rest go in '...'. */
export function shQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shCommand(argv: string[]): string {
  return argv.map(shQuote).join(' ');
}

/** Every guest script starts the same way: POSIX sh, stop at the first failure. */
export function scriptHeader(what: string): string {
  return `#!/bin/sh\n# kiln: ${what} (rendered from the block-device plan)\nset -eu`;
}
