// Which files of which elements run in which phase, in what order — what dib-run-parts would
// run from the staged hooks tree, worked out from the element directories before staging:
//  - a script is a file directly in <phase>.d (a symlink counts if it leads to a file),
//    executable, named by ^[0-9A-Za-z_-]+$ (dib-run-parts' default RUN_PARTS_REGEX);
//    anything else in the directory is data for the scripts and never runs;
//  - scripts run in `LANG=C sort -n` order of their names across all elements, since DIB
//    merges every element's <phase>.d into one directory;
//  - environment.d files are sourced before each phase's scripts: regular files named by
//    ^[0-9A-Za-z_.-]+$ (no executable bit needed), in byte order of their names;
//  - the same name in the same directory of two elements is an error (DIB's "duplicated
//    hook"), unless both are directories, which DIB merges.
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { DuplicateHookError, ElementFileError } from './errors.js';
import { environmentOrder, runPartsOrder } from './order.js';
import { closeMatches } from './suggest.js';

/** DIB's script phases, in the order disk-image-create runs them (block-device is run as a
 * hook directory too, between post-root and pre-finalise, when the image is partitioned). */
export const PHASES = [
  'root',
  'extra-data',
  'pre-install',
  'install',
  'post-install',
  'post-root',
  'block-device',
  'pre-finalise',
  'finalise',
  'cleanup',
] as const;
export type Phase = (typeof PHASES)[number];

/** dib-run-parts' default RUN_PARTS_REGEX: which names in a phase directory are scripts. */
export const SCRIPT_NAME = /^[0-9A-Za-z_-]+$/;
/** The name filter dib-run-parts applies to environment.d files. */
export const ENVIRONMENT_NAME = /^[0-9A-Za-z_.-]+$/;

/** The element-like shape the script scan needs (ResolvedElement and Element both fit). */
export interface ElementRef {
  name: string;
  path: string;
}

export interface ElementScript {
  /** The phase ("install") or "environment" for environment.d files. */
  phase: Phase | 'environment';
  /** The file name: what dib-run-parts prints and what --exclude-script matches. */
  name: string;
  element: string;
  /** The file in the element directory. */
  source: string;
  /** Where it lands relative to the hooks tree: "install.d/50-foo". */
  hook: string;
}

/** Why dib-run-parts passes a file by, in a user's words. */
export const IGNORED_BECAUSE: Record<IgnoredHookFile['reason'], string> = {
  'not executable': 'it is not executable (chmod +x it)',
  'name not allowed': 'dib-run-parts runs only names of letters, digits, - and _ (no dots)',
  'not a regular file': 'it is not a regular file (a dangling symlink, or a link loop)',
};

export interface IgnoredHookFile {
  element: string;
  /** "install.d/README.rst" */
  hook: string;
  reason: 'not executable' | 'name not allowed' | 'not a regular file';
}

export interface ScriptPlan {
  /** Per phase, the scripts in the order they run. Every phase is present, possibly empty. */
  phases: Record<Phase, ElementScript[]>;
  /** environment.d files, in the order they are sourced. */
  environment: ElementScript[];
  /** Files in phase directories that will not run, with why (dib-run-parts reports these under DIB_DEBUG_TRACE). */
  ignored: IgnoredHookFile[];
  /** Scripts left out by excludeScripts. */
  excluded: ElementScript[];
}

export interface CollectOptions {
  /** --exclude-script: script names (in any phase, and environment.d) that are neither staged nor run. */
  excludeScripts?: readonly string[];
}

export function collectScripts(elements: readonly ElementRef[], opts: CollectOptions = {}): ScriptPlan {
  const exclude = new Set(opts.excludeScripts ?? []);
  const phases = Object.fromEntries(PHASES.map((p) => [p, [] as ElementScript[]])) as Record<Phase, ElementScript[]>;
  const environment: ElementScript[] = [];
  const ignored: IgnoredHookFile[] = [];
  const excluded: ElementScript[] = [];
  const seen = new Map<string, { element: string; isDir: boolean; source: string }>();
  const everyName = new Set<string>();

  for (const dirName of [...PHASES.map((p) => `${p}.d`), 'environment.d']) {
    const phase = dirName === 'environment.d' ? 'environment' : (dirName.slice(0, -2) as Phase);
    for (const element of elements) {
      for (const entry of listHookDir(join(element.path, dirName), element.name)) {
        if (entry.name.startsWith('.')) continue; // DIB copies with `ls`, which never lists dot files
        const source = join(element.path, dirName, entry.name);
        const hook = `${dirName}/${entry.name}`;
        const st = statThrough(source); // through symlinks, like find -xtype; undefined if dangling or a loop
        const isDir = st?.isDirectory() ?? false;
        everyName.add(entry.name);
        const script: ElementScript = { phase, name: entry.name, element: element.name, source, hook };
        if (!isDir && exclude.has(entry.name)) {
          excluded.push(script);
          continue;
        }
        const prior = seen.get(hook);
        if (prior && !(prior.isDir && isDir)) throw duplicateHook(hook, prior, { element: element.name, source });
        if (!prior) seen.set(hook, { element: element.name, isDir, source });
        if (isDir) continue; // data for scripts (e.g. source-repository install dirs); merged by staging
        if (!st?.isFile()) {
          ignored.push({ element: element.name, hook, reason: 'not a regular file' });
        } else if (!(phase === 'environment' ? ENVIRONMENT_NAME : SCRIPT_NAME).test(entry.name)) {
          ignored.push({ element: element.name, hook, reason: 'name not allowed' });
        } else if (phase !== 'environment' && (st.mode & 0o111) === 0) {
          // dib-run-parts asks find(1) for -executable; the guest runs it as root, for whom any x bit will do.
          ignored.push({ element: element.name, hook, reason: 'not executable' });
        } else {
          (phase === 'environment' ? environment : phases[phase]).push(script);
        }
      }
    }
  }
  for (const list of Object.values(phases)) list.sort((a, b) => runPartsOrder(a.name, b.name));
  environment.sort((a, b) => environmentOrder(a.name, b.name));

  const unmatched = [...exclude].filter((n) => !everyName.has(n));
  if (unmatched.length) {
    const similar = unmatched.flatMap((n) => closeMatches(n, everyName));
    throw new ElementFileError(`--exclude-script ${unmatched.join(', ')}: no element in the set has a hook of that name`, {
      hint: similar.length ? `did you mean ${[...new Set(similar)].join(', ')}?` : 'kiln element-info --scripts ELEMENT... lists every script',
    });
  }
  return { phases, environment, ignored, excluded };
}

/** stat through symlinks; a link that leads nowhere (dangling, or a loop) is no file at all, as find(1) sees it. */
function statThrough(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  }
}

function listHookDir(dir: string, element: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new ElementFileError(`element ${element}: cannot list ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

export function duplicateHook(
  hook: string,
  first: { element: string; source: string },
  second: { element: string; source: string },
): DuplicateHookError {
  const name = hook.slice(hook.indexOf('/') + 1);
  return new DuplicateHookError(
    hook,
    [first.element, second.element],
    `${hook} is in two elements: ${first.element} (${first.source}) and ${second.element} (${second.source}); DIB stops here too ("There is a duplicated hook in your elements")`,
    { hint: `rename one of them, drop one of the two elements, or skip it with --exclude-script ${name}` },
  );
}
