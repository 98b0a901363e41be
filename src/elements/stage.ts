// Staging: copy every element's files into one hooks tree, laid out as DIB lays out
// TMP_HOOKS_PATH (common-functions generate_hooks), so it can go into the appliance in one
// transfer and the guest's dib-run-parts finds <phase>.d exactly where DIB's would:
//  - each top-level directory of an element (symlinks followed; not "tests", not
//    "__pycache__") is merged into hooks/<dir>/: its entries (dot files skipped, as `ls`
//    skips them) are copied like `cp -a`; an entry already there as a file is a duplicate
//    hook (an error, naming both elements); directories of the same name merge;
//  - each top-level file of an element (symlinks followed; not *.pyc) is copied to hooks/,
//    the later element replacing the earlier: every element has a README.rst and an
//    element-deps there, and DIB's copies overwrite each other the same way.
// Elements are staged in the resolved (sorted) order, so which copy of a shared top-level
// file survives is the same on every run; in DIB it depends on bash's hash order.
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { ElementError } from '../errors.js';
import { imageElementEnv } from './env.js';
import { ElementFileError } from './errors.js';
import { byteOrder } from './order.js';
import type { Resolution } from './resolve.js';
import { duplicateHook, PHASES, type ElementRef } from './scripts.js';

export interface StageOptions {
  /** --exclude-script: names in phase directories and environment.d not to stage (so they never run). */
  excludeScripts?: readonly string[];
}

export interface ReplacedHookFile {
  /** Path relative to the hooks tree. */
  hook: string;
  /** The element whose copy was replaced. */
  element: string;
  /** The element whose copy is in the tree. */
  by: string;
}

export interface StagedHooks {
  /** The hooks tree: TMP_HOOKS_PATH on the host. */
  hooksPath: string;
  /** IMAGE_ELEMENT, IMAGE_ELEMENT_YAML and the get_image_element_array body, as DIB defines them. */
  imageElement: string;
  imageElementYaml: string;
  imageElementArray: string;
  /** Every file and symlink staged (relative path) and the element it came from. */
  owners: Map<string, string>;
  /** Files one element's copy replaced another's: inside merged directories, and shared top-level
   * files other than each element's own metadata (README, element-deps, package-installs, ...). */
  replaced: ReplacedHookFile[];
}

const SKIPPED_DIRS = new Set(['tests', '__pycache__']);
const SCRIPT_DIRS = new Set([...PHASES.map((p) => `${p}.d`), 'environment.d']);
/** Top-level files every element has for itself and that are read from the element dir, never from the hooks tree. */
const OWN_FILE = /^(README(\..*)?|element-deps|element-provides|package-installs\.(yaml|json)|pkg-map|svc-map|block-device-.*\.yaml|__init__\.py|\.gitignore)$/;

/**
 * Stage the elements' files into `${destDir}/hooks`. destDir must exist (a private temp dir
 * the caller owns and removes); hooks must not exist yet, so nothing stale is ever merged in.
 * Run collectScripts first: it validates excludeScripts and reports duplicates with more context.
 */
export function stageHooks(resolved: Resolution | readonly ElementRef[], destDir: string, opts: StageOptions = {}): StagedHooks {
  const elements: readonly ElementRef[] = 'elements' in resolved ? resolved.elements : resolved;
  const hooksPath = join(destDir, 'hooks');
  const stager = new Stager(hooksPath, new Set(opts.excludeScripts ?? []));
  try {
    mkdirSync(hooksPath);
  } catch (err) {
    throw new ElementFileError(`cannot create the hooks tree ${hooksPath}: ${(err as Error).message}`, {
      cause: err,
      hint: 'stage into a fresh private directory',
    });
  }
  for (const element of elements) {
    try {
      stager.element(element);
    } catch (err) {
      if (err instanceof ElementError) throw err;
      throw new ElementFileError(`element ${element.name}: cannot stage ${element.path} into ${hooksPath}: ${(err as Error).message}`, { cause: err });
    }
  }
  const env = imageElementEnv(elements);
  return {
    hooksPath,
    imageElement: env.IMAGE_ELEMENT,
    imageElementYaml: env.IMAGE_ELEMENT_YAML,
    imageElementArray: env.imageElementArray,
    owners: stager.owners,
    replaced: stager.replaced,
  };
}

class Stager {
  readonly owners = new Map<string, string>();
  readonly replaced: ReplacedHookFile[] = [];
  readonly #sources = new Map<string, string>();

  constructor(
    readonly hooks: string,
    readonly exclude: ReadonlySet<string>,
  ) {}

  element(element: ElementRef): void {
    for (const name of list(element.path, element.name)) {
      const src = join(element.path, name);
      const st = statSync(src, { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        if (!SKIPPED_DIRS.has(name)) this.hookDir(element, name, src);
      } else if (st?.isFile()) {
        if (!name.endsWith('.pyc')) this.topFile(element, name, src);
      }
    }
  }

  /** One top-level directory: its entries join hooks/<dir>/, a file already there is a duplicate. */
  hookDir(element: ElementRef, dir: string, srcDir: string): void {
    const destDir = join(this.hooks, dir);
    const existing = statSync(destDir, { throwIfNoEntry: false });
    if (!existing) mkdirSync(destDir);
    else if (!existing.isDirectory()) throw this.clash(dir, element, srcDir);
    for (const name of list(srcDir, element.name)) {
      if (name.startsWith('.')) continue;
      const rel = `${dir}/${name}`;
      const src = join(srcDir, name);
      const lst = lstatSync(src);
      if (this.exclude.has(name) && SCRIPT_DIRS.has(dir) && !statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
      const dest = join(destDir, name);
      const there = statSync(dest, { throwIfNoEntry: false });
      if (there?.isFile() || (there?.isDirectory() && !lst.isDirectory())) {
        throw duplicateHook(rel, { element: this.owners.get(rel) ?? '?', source: this.#sources.get(rel) ?? dest }, { element: element.name, source: src });
      }
      this.copy(element, rel, src, lst);
    }
  }

  /** One top-level file: copied to hooks/, replacing another element's copy. */
  topFile(element: ElementRef, name: string, src: string): void {
    const dest = join(this.hooks, name);
    const there = lstatSync(dest, { throwIfNoEntry: false });
    if (there?.isDirectory()) throw this.clash(name, element, src);
    this.copy(element, name, src, lstatSync(src));
  }

  /** `cp -a` of one entry: symlinks stay symlinks, modes and times are kept, directories merge. */
  copy(element: ElementRef, rel: string, src: string, lst: Stats): void {
    const dest = join(this.hooks, rel);
    try {
      if (lst.isDirectory()) {
        const there = lstatSync(dest, { throwIfNoEntry: false });
        if (there && !there.isDirectory()) throw this.clash(rel, element, src);
        if (!there) mkdirSync(dest, { mode: 0o700 });
        for (const name of list(src, element.name)) this.copy(element, `${rel}/${name}`, join(src, name), lstatSync(join(src, name)));
        // Mode and times last, as cp -a does: a read-only source directory must not stop its own copy.
        chmodSync(dest, lst.mode & 0o7777);
        utimesSync(dest, lst.atimeMs / 1000, lst.mtimeMs / 1000);
        return;
      }
      if (!lst.isFile() && !lst.isSymbolicLink()) return; // sockets, fifos, devices: nothing an element ships
      const prior = this.owners.get(rel);
      if (lstatSync(dest, { throwIfNoEntry: false })) {
        if (prior !== undefined && prior !== element.name && !(rel.indexOf('/') < 0 && OWN_FILE.test(rel))) {
          this.replaced.push({ hook: rel, element: prior, by: element.name });
        }
        rmSync(dest, { force: true });
      }
      if (lst.isSymbolicLink()) {
        symlinkSync(readlinkSync(src), dest);
      } else {
        copyFileSync(src, dest); // libuv gives the copy the source's mode
        utimesSync(dest, lst.atimeMs / 1000, lst.mtimeMs / 1000);
      }
      this.owners.set(rel, element.name);
      this.#sources.set(rel, src);
    } catch (err) {
      if (err instanceof ElementFileError) throw err;
      throw new ElementFileError(`element ${element.name}: cannot stage ${src} as ${rel}: ${(err as Error).message}`, { cause: err });
    }
  }

  clash(rel: string, element: ElementRef, src: string): ElementFileError {
    const other = this.owners.get(rel) ?? [...this.owners].find(([k]) => k.startsWith(`${rel}/`))?.[1] ?? 'another element';
    return new ElementFileError(`${rel}: element ${element.name} has a ${lstatSync(src).isDirectory() ? 'directory' : 'file'} (${src}) where ${other} has the other kind`, {
      hint: 'DIB cannot copy these two elements into one hooks tree either; rename one or drop one of the elements',
    });
  }
}

function list(dir: string, element: string): string[] {
  try {
    return readdirSync(dir).sort(byteOrder);
  } catch (err) {
    throw new ElementFileError(`element ${element}: cannot list ${dir}: ${(err as Error).message}`, { cause: err });
  }
}
