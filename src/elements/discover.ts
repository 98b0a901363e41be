// Finding elements: every directory directly inside an element path entry is an element,
// named by the basename of its real path; the first path entry that has a name wins.
// This is DIB's rule (element_dependencies._find_all_elements), including its quirks: any
// directory counts (DIB's own tree has a "__pycache__" element), and a symlinked element
// is named after its target.
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';
import { Element } from './element.js';
import { ElementPathError } from './errors.js';
import { byteOrder } from './order.js';
import { closeMatches } from './suggest.js';

/** An element hidden by one of the same name earlier on the path (DIB logs these as warnings). */
export interface ElementOverride {
  name: string;
  /** The path of the element that is used. */
  used: string;
  /** The path of the element it hides. */
  shadowed: string;
}

/** Every element on an element path, by name. */
export class ElementIndex {
  readonly #byName = new Map<string, Element>();
  readonly overrides: ElementOverride[] = [];

  constructor(readonly paths: readonly string[]) {
    for (const dir of paths) {
      for (const element of scanDir(dir)) {
        const seen = this.#byName.get(element.name);
        if (seen) {
          if (seen.path !== element.path) this.overrides.push({ name: element.name, used: seen.path, shadowed: element.path });
          continue;
        }
        this.#byName.set(element.name, element);
      }
    }
  }

  get(name: string): Element | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** All element names, sorted (C order, so output is the same in every locale). */
  names(): string[] {
    return [...this.#byName.keys()].sort(byteOrder);
  }

  /** All elements, sorted by name. */
  all(): Element[] {
    return this.names().map((n) => this.#byName.get(n)!);
  }

  /** Elements whose element-provides lists `name`. Reads every element-provides: for error messages and listings only. */
  providersOf(name: string): Element[] {
    return this.all().filter((e) => e.provides.has(name));
  }

  /** Known element names close to `name`, for "did you mean". */
  suggest(name: string): string[] {
    return closeMatches(name, this.#byName.keys());
  }
}

export function discoverElements(paths: readonly string[]): ElementIndex {
  return new ElementIndex(paths);
}

function scanDir(dir: string): Element[] {
  let real: string;
  let entries: Dirent[];
  try {
    real = realpathSync(dir);
    if (!statSync(real).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    entries = readdirSync(real, { withFileTypes: true });
  } catch (err) {
    throw new ElementPathError(`element path entry ${dir} is not a directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      cause: err,
      hint: 'check the directories given with -p/--element-path and in ELEMENTS_PATH',
    });
  }
  // Sorted so that two entries resolving to the same name (a symlink and its target) pick
  // the same winner on every filesystem; DIB leaves that to readdir order.
  entries.sort((a, b) => byteOrder(a.name, b.name));
  const found: Element[] = [];
  for (const entry of entries) {
    let path: string;
    if (entry.isDirectory()) {
      path = join(real, entry.name);
    } else if (entry.isSymbolicLink()) {
      try {
        path = realpathSync(join(real, entry.name));
        if (!statSync(path).isDirectory()) continue;
      } catch {
        continue; // dangling link: not a directory, so not an element (DIB's isdir() says the same)
      }
    } else {
      continue;
    }
    found.push(new Element(basename(path), path, dir));
  }
  return found;
}
