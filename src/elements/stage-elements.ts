// The element set as a directory of its own: one copy of each element of the build, named
// by the element, so that what elements look up by name (DIB's package-installs-squash walks
// ELEMENTS_PATH; pkg-map, svc-map and block-device lookups read IMAGE_ELEMENT_YAML) finds
// exactly the elements of this build, once each, on the host and, after one transfer, in
// the guest. ELEMENTS_PATH itself would not do: with -p, kiln's built-in elements and DIB's
// share names, and DIB 3.13's squash reads every directory on the path that has the name.
import { cpSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { imageElementEnv, type ImageElementEnv } from './env.js';
import { ElementFileError } from './errors.js';
import type { ElementRef } from './scripts.js';

/** What staging skips, as stageHooks does: compiled Python is the host's, never the element's. */
function wanted(src: string): boolean {
  const name = basename(src);
  return name !== '__pycache__' && !name.endsWith('.pyc');
}

/** Copy every element (symlinks followed) to `${dir}/<name>`; returns dir. */
export function stageElements(elements: readonly ElementRef[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const e of elements) {
    try {
      cpSync(e.path, join(dir, e.name), { recursive: true, dereference: true, preserveTimestamps: true, filter: wanted });
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
