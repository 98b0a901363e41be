// `kiln cache export FILE` / `kiln cache import FILE`: the helper drive, the host package
// caches and the appliance as one tar archive (compressed as FILE's suffix says: .tar.zst,
// .tar.gz, .tar.xz, or a plain .tar), so a fleet of workers starts warm from an artifact
// store. An archive carries a manifest (kiln-cache.json) and nothing host-specific: no locks,
// no half-written files, no KVM verdict. Import checks the helper drive before it uses it,
// puts it in place of the local one (builds running meanwhile drop their merges, never
// corrupt it), and adds to the host caches what they lack, keeping what they have.
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { KilnError } from '../errors.js';
import { run } from '../host/run.js';
import type { Logger } from '../log.js';
import { newLineage, withHelperDriveLock } from './helper-drive.js';
import { withHostCaches } from './host-lock.js';
import { privateDir, type CacheLayout } from './layout.js';

/** Bump when an archive's layout changes: an import refuses what it does not know. */
export const CACHE_ARCHIVE_FORMAT = 1;
const MANIFEST = 'kiln-cache.json';

export interface CacheManifest {
  format: number;
  kiln: string;
  /** The host architecture that made it (appliances and packages are per architecture). */
  hostArch: string;
  createdAt: string;
  members: string[];
}

/** The parts of the cache dir an archive holds, by their names in it. */
export function cacheMembers(c: CacheLayout): { name: string; path: string }[] {
  return [c.helperDrive, c.apt, c.debsUncompressed, c.repoImages, c.imageCache, c.appliances].map((path) => ({ name: basename(path), path }));
}

/** Left out of every archive: locks, half-written files, scratch dirs, apt's logs. */
const EXCLUDES = ['*.lock', '*.partial', 'apt/*/log', 'apt/*/state/lists/partial', 'apt/*/cache/archives/partial', 'appliance/.build-*', 'appliance/.recipe-*'];

export async function exportCache(c: CacheLayout, file: string, o: { kiln: string; log: Logger }): Promise<CacheManifest> {
  const members = cacheMembers(c).filter((m) => existsSync(m.path)).map((m) => m.name);
  if (members.length === 0) throw new KilnError(`the cache ${c.root} is empty: nothing to export`, { hint: 'build once to fill it (or point KILN_CACHE_DIR at the cache to export)' });
  const target = resolve(file);
  // written next to the target under a hidden name with the same suffix (tar -a reads it), renamed when whole
  const partial = join(dirname(target), `.kiln-export-${process.pid}-${basename(target)}`);
  const meta = await mkdtemp(join(tmpdir(), 'kiln-export-'));
  const manifest: CacheManifest = { format: CACHE_ARCHIVE_FORMAT, kiln: o.kiln, hostArch: process.arch, createdAt: new Date().toISOString(), members };
  try {
    await writeFile(join(meta, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // the helper drive's lock: no merge renames a new drive in while tar reads it
    await withHostCaches(c, o.log, 'exporting', () =>
      withHelperDriveLock(c.helperDrive, o.log, 'exporting', () =>
        run('tar', ['--create', '--auto-compress', '--sparse', '--file', partial, ...EXCLUDES.map((x) => `--exclude=${x}`), '-C', meta, MANIFEST, '-C', c.root, ...members], { what: `write the cache archive ${file}` }),
      ),
    );
    await rename(partial, target);
    return manifest;
  } finally {
    await rm(partial, { force: true });
    await rm(meta, { recursive: true, force: true });
  }
}

export interface ImportResult {
  manifest: CacheManifest;
  helperDrive: boolean;
  /** Files and directories added to the host caches and the appliance store. */
  added: number;
  /** Kept as they were: the local cache had them already. */
  kept: number;
}

export async function importCache(c: CacheLayout, file: string, log: Logger): Promise<ImportResult> {
  if (!existsSync(file)) throw new KilnError(`${file}: no such cache archive`);
  await privateDir(c.root);
  const staging = await mkdtemp(join(c.root, '.kiln-import-'));
  try {
    await run('tar', ['--extract', '--file', resolve(file), '-C', staging], { what: `unpack the cache archive ${file}` });
    const manifest = await readManifest(staging, file);
    const drive = join(staging, basename(c.helperDrive));
    const hasDrive = existsSync(drive);
    if (hasDrive) await run('qemu-img', ['check', '-q', '-f', 'qcow2', drive], { what: `check the helper drive in ${file}` });
    let added = 0;
    let kept = 0;
    await withHostCaches(c, log, 'importing', () =>
      withHelperDriveLock(c.helperDrive, log, 'importing', async () => {
        if (hasDrive) {
          await rename(drive, c.helperDrive);
          // builds that started on the drive it replaces drop their merges
          await newLineage(c.helperDrive);
        }
        for (const m of cacheMembers(c).filter((x) => x.path !== c.helperDrive)) {
          const r = await addMissing(join(staging, m.name), m.path);
          added += r.added;
          kept += r.kept;
        }
      }),
    );
    return { manifest, helperDrive: hasDrive, added, kept };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readManifest(staging: string, file: string): Promise<CacheManifest> {
  const text = await readFile(join(staging, MANIFEST), 'utf8').catch(() => undefined);
  if (text === undefined) throw new KilnError(`${file}: not a kiln cache archive (it has no ${MANIFEST})`, { hint: 'make one with kiln cache export FILE' });
  const m = JSON.parse(text) as CacheManifest;
  if (m.format !== CACHE_ARCHIVE_FORMAT) {
    throw new KilnError(`${file}: a cache archive of format ${m.format} (kiln ${m.kiln}); this kiln reads format ${CACHE_ARCHIVE_FORMAT}`, { hint: 'export it again with this kiln, or let the first build fill the cache' });
  }
  return m;
}

/** Move into `to` what `from` has and `to` lacks; a directory both have is merged entry by entry. */
export async function addMissing(from: string, to: string): Promise<{ added: number; kept: number }> {
  const src = await lstat(from).catch(() => undefined);
  if (!src) return { added: 0, kept: 0 };
  const dst = await stat(to).catch(() => undefined);
  if (!dst) {
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await rename(from, to);
    return { added: 1, kept: 0 };
  }
  if (!src.isDirectory() || !dst.isDirectory()) return { added: 0, kept: 1 };
  let added = 0;
  let kept = 0;
  for (const name of await readdir(from)) {
    const r = await addMissing(join(from, name), join(to, name));
    added += r.added;
    kept += r.kept;
  }
  return { added, kept };
}
