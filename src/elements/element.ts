// One element: a directory found on the element path. Its element-deps and element-provides
// are read on first use, because a build touches a few dozen of the hundreds of elements a
// path may hold and reading them all is most of what a naive resolver spends its time on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElementFileError } from './errors.js';

export class Element {
  #depends?: ReadonlySet<string>;
  #provides?: ReadonlySet<string>;

  constructor(
    /** The element's name: the basename of its real path, as DIB names it (so a symlink takes its target's name). */
    readonly name: string,
    /** Real path of the element directory (DIB realpath()s it; IMAGE_ELEMENT_YAML shows this). */
    readonly path: string,
    /** The element path entry it was found in. */
    readonly root: string,
  ) {}

  /** Names listed in element-deps (empty when the file is absent). */
  get depends(): ReadonlySet<string> {
    return (this.#depends ??= readNameList(join(this.path, 'element-deps'), this.name));
  }

  /** Names listed in element-provides (empty when the file is absent). */
  get provides(): ReadonlySet<string> {
    return (this.#provides ??= readNameList(join(this.path, 'element-provides'), this.name));
  }
}

/**
 * Parse an element-deps / element-provides file: one name per line, surrounding whitespace
 * stripped, blank lines dropped — DIB's rule. kiln also drops lines whose first non-blank
 * character is '#': DIB would look for an element called "# ..." and fail, so accepting
 * comments changes nothing that works in DIB. A '#' later on a line is not a comment (DIB
 * reads the whole line as one name, and so does kiln).
 */
export function parseNameList(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    names.add(line);
  }
  return names;
}

function readNameList(file: string, element: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new ElementFileError(`element ${element}: cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: 'element-deps and element-provides must be readable text files, one element name per line',
    });
  }
  return parseNameList(text);
}
