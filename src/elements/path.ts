// The element search path: -p/--element-path first, then ELEMENTS_PATH, then kiln's built-in
// elements. An element found in an earlier directory shadows one of the same name later on,
// exactly as DIB's ELEMENTS_PATH works (DIB appends its own elements dir last, as kiln does).
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { builtinElementsDir } from '../paths.js';

export interface ElementPathOptions {
  /** Append kiln's built-in elements dir (default true). Off to compare with DIB on equal terms. */
  builtin?: boolean;
  /** Directory relative entries are resolved against; default process.cwd(). */
  cwd?: string;
  /** The built-in dir to use; default builtinElementsDir (tests point it elsewhere). */
  builtinDir?: string;
}

/**
 * The ordered list of directories to search for elements.
 * cliPaths are the -p values in the order given; each may itself be a colon list.
 * Empty entries ("a::b", a trailing colon) are skipped rather than rejected: DIB would
 * fail on them, but they carry no meaning and shells produce them easily.
 */
export function elementPathFromOptions(
  cliPaths: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  opts: ElementPathOptions = {},
): string[] {
  const cwd = opts.cwd ?? process.cwd();
  const entries = [...cliPaths.flatMap(splitPathList), ...splitPathList(env.ELEMENTS_PATH ?? '')];
  const out: string[] = [];
  for (const entry of entries) {
    const abs = resolve(cwd, entry);
    if (!out.includes(abs)) out.push(abs);
  }
  const builtin = opts.builtinDir ?? builtinElementsDir;
  // The built-in dir may be absent from a trimmed install; a missing user dir is an error
  // (reported by discovery), a missing built-in dir is simply nothing to search.
  if (opts.builtin !== false && existsSync(builtin) && !out.includes(builtin)) out.push(builtin);
  return out;
}

export function splitPathList(list: string): string[] {
  return list.split(delimiter).filter((p) => p.length > 0);
}

/** Whether an element is one of kiln's own (its built-in elements dir), not a user's or DIB's. */
export function isBuiltinElement(e: { path: string }, builtinDir: string = builtinElementsDir): boolean {
  const root = existsSync(builtinDir) ? realpathSync(builtinDir) : builtinDir;
  return e.path.startsWith(`${root}/`);
}
