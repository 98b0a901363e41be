// The element set as a directory of its own: one copy of each element of the build, named
// by the element, so that what elements look up by name (DIB's package-installs-squash walks
// ELEMENTS_PATH; pkg-map, svc-map and block-device lookups read IMAGE_ELEMENT_YAML) finds
// exactly the elements of this build, once each, on the host and, after one transfer, in
// the guest. ELEMENTS_PATH itself would not do: with -p, kiln's built-in elements and DIB's
// share names, and DIB 3.13's squash reads every directory on the path that has the name.
import { cpSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { imageElementEnv, type ImageElementEnv } from './env.js';
import { ElementFileError } from './errors.js';
import type { ElementRef } from './scripts.js';

/** What staging skips, as stageHooks does: compiled Python is the host's, never the element's. */
function wanted(src: string): boolean {
  const name = basename(src);
  return name !== '__pycache__' && !name.endsWith('.pyc');
}

/** A symlink that leads nowhere (dangling, or a loop): copied as the link it is, as DIB's cp -a does. */
function leadsNowhere(src: string): boolean {
  try {
    statSync(src);
    return false;
  } catch {
    return lstatSync(src, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  }
}

/** Copy every element (symlinks followed, those that lead nowhere kept as links) to `${dir}/<name>`; returns dir. */
export function stageElements(elements: readonly ElementRef[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const e of elements) {
    const dest = join(dir, e.name);
    const links: string[] = [];
    try {
      cpSync(e.path, dest, {
        recursive: true,
        dereference: true,
        preserveTimestamps: true,
        filter: (src) => {
          if (!wanted(src)) return false;
          if (!leadsNowhere(src)) return true;
          links.push(relative(e.path, src));
          return false;
        },
      });
      for (const rel of links) symlinkSync(readlinkSync(join(e.path, rel)), join(dest, rel));
    } catch (err) {
      throw new ElementFileError(`element ${e.name}: cannot copy ${e.path} into ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  return dir;
}

/** IMAGE_ELEMENT / IMAGE_ELEMENT_YAML naming the copies under `dir` (the guest's view). */
export function stagedElementEnv(elements: readonly ElementRef[], dir: string): ImageElementEnv {
  return imageElementEnv(elements.map((e) => ({ ...e, path: `${dir}/${e.name}` })));
}
