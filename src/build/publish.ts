// Outputs reach the user's directory only when the whole build has succeeded, by rename from
// the staging dir on the same filesystem: an image is replaced only by a complete new one,
// and NAME.d/ is merged (the user's own files in it stay). A failed build leaves every file
// that was there before exactly as it was. Before anything starts, the output paths are
// checked for what would make publishing fail after a long build.
import { constants, existsSync, rmdirSync, statSync } from 'node:fs';
import { access, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KilnError, UsageError } from '../errors.js';
import { outputFileName } from '../outputs/index.js';
import type { BuildOptions } from '../options.js';
import { onInterrupt } from '../signals.js';

/** The top-level paths a build of `o` will publish (besides kernels elements leave). */
export function plannedOutputs(o: BuildOptions): { dotD: string; files: string[] } {
  const files = o.ramdisk ? [] : o.formats.flatMap((f) => {
    const file = outputFileName(o.imageBase, f);
    return [file, ...o.checksums.map((k) => `${file}.${k}`)];
  });
  return { dotD: `${o.imageBase}.d`, files };
}

/**
 * The output directory: made when missing (the dirs made are returned, so a failed build can
 * take them away again), and every planned output checked for type.
 */
export async function prepareOutputDir(o: BuildOptions): Promise<{ dir: string; made: string[] }> {
  const dir = dirname(o.imageBase);
  const { dotD, files } = plannedOutputs(o);
  let made: string[] = [];
  try {
    const existing = nearestExisting(dir);
    if (!statSync(existing).isDirectory()) throw new UsageError(`-o ${o.name}: ${existing} is a file, not a directory`, { hint: 'choose an output name in a directory' });
    const first = await mkdir(dir, { recursive: true });
    if (first) made = madeDirs(first, dir);
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`-o ${o.name}: ${dir} is not a directory`);
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    if (e instanceof KilnError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`-o ${o.name}: cannot write into ${dir} (${code ?? (e as Error).message})`, { hint: 'choose an output directory you can write to', cause: e });
  }
  for (const f of files) {
    if (existsSync(f) && statSync(f).isDirectory()) throw new UsageError(`-o ${o.name}: ${f} is a directory; kiln would write the image there`, { hint: 'move it away or choose another -o name' });
  }
  if (existsSync(dotD) && !statSync(dotD).isDirectory()) throw new UsageError(`-o ${o.name}: ${dotD} is a file; kiln writes NAME.d/ as a directory`, { hint: 'move it away or choose another -o name' });
  return { dir, made };
}

/** Remove the output dirs this build made, if they are still empty (a failed build). */
export function removeMadeDirs(made: readonly string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (a kept work dir, something else written there) or gone: left as it is
    }
  }
}

/**
 * An interrupted build ends with kiln's exit, not with its own unwinding: the output dirs it
 * made go then, if empty. Call it after making the build's work dir inside them: scratch.ts's
 * exit teardown, registered by then, runs first and removes that dir (unless it was kept for
 * --no-delete-on-failure, and then the dirs holding it stay too). Returns the function that
 * unregisters it, for a build that ended by itself.
 */
export function removeMadeDirsOnInterrupt(made: readonly string[]): () => void {
  if (made.length === 0) return () => {};
  return onInterrupt(() => removeMadeDirs(made), 'exit');
}

/**
 * Move everything under `staging` into `dest`: files replace files of the same name, dirs are
 * merged. Returns the top-level paths published, in the order given by `order` first.
 */
export async function publish(staging: string, dest: string, order: readonly string[] = []): Promise<string[]> {
  const names = await readdir(staging);
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  function rank(n: string): number {
    const i = order.indexOf(join(dest, n));
    return i < 0 ? order.length : i;
  }
  for (const n of names) await move(join(staging, n), join(dest, n));
  return names.map((n) => join(dest, n));
}

async function move(from: string, to: string): Promise<void> {
  const st = await stat(from);
  if (st.isDirectory()) {
    if (!existsSync(to)) {
      await rename(from, to);
      return;
    }
    if (!statSync(to).isDirectory()) throw new KilnError(`cannot publish ${to}: it is a file now, and kiln's output there is a directory`, { hint: 'move it away and build again' });
    for (const n of await readdir(from)) await move(join(from, n), join(to, n));
    return;
  }
  try {
    await rename(from, to);
  } catch (e) {
    throw new KilnError(`cannot publish ${basename(to)} into ${dirname(to)}: ${(e as Error).message}`, { hint: 'check that the output directory is writable and that nothing of that name is a directory', cause: e });
  }
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

/** The dirs mkdir -p made: `first` and each below it down to `dir`. */
export function madeDirs(first: string, dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) {
    out.unshift(d);
    if (d === first) break;
  }
  return out;
}
