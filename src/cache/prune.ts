// A bound on the cache: `kiln cache prune --max-size SIZE` (and, with KILN_CACHE_MAX_SIZE set,
// the end of every build) removes what was used least recently until the whole cache dir fits.
// What can go, one unit at a time: downloaded .debs, their uncompressed copies, repository
// images, a mirror's package index, entries of the host image cache, appliances but the
// newest per architecture. What stays: the helper drive (one file; `kiln cache clear` empties
// it) and that appliance. "Used" is a unit's mtime: kiln touches what a build uses (apt/local-repo.ts).
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CacheLayout } from './layout.js';

export interface CacheUnit {
  path: string;
  /** Disk space it takes (allocated blocks). */
  bytes: number;
  /** When a build last used it (ms). */
  usedMs: number;
  what: 'package' | 'uncompressed package' | 'repository image' | 'package index' | 'image cache entry' | 'appliance';
  /** A unit a running build may be about to use: pruned only when older than this (ms). */
  graceMs?: number;
}

/** Repository images are attached by builds a moment after they are chosen (apt/local-repo.ts keeps an hour too). */
const REPO_IMAGE_GRACE_MS = 3600_000;

/**
 * Space and newest mtime of a file or tree (of its files: a directory's own changes with any
 * entry), symlinks not followed, a file with several links counted once.
 */
async function measure(path: string, seen = new Set<string>()): Promise<{ bytes: number; newestMs: number }> {
  const s = await lstat(path).catch(() => undefined);
  if (!s) return { bytes: 0, newestMs: 0 };
  if (!s.isDirectory()) {
    const id = `${s.dev}:${s.ino}`;
    if (s.nlink > 1 && seen.has(id)) return { bytes: 0, newestMs: s.mtimeMs };
    seen.add(id);
    return { bytes: s.blocks * 512, newestMs: s.mtimeMs };
  }
  let bytes = s.blocks * 512;
  let newestMs = 0;
  for (const name of await readdir(path)) {
    const m = await measure(join(path, name), seen);
    bytes += m.bytes;
    newestMs = Math.max(newestMs, m.newestMs);
  }
  return { bytes, newestMs: newestMs || s.mtimeMs };
}

async function entries(dir: string, filter: (name: string) => boolean = () => true): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((n) => !n.startsWith('.') && filter(n)).map((n) => join(dir, n));
}

async function unit(path: string, what: CacheUnit['what'], graceMs?: number): Promise<CacheUnit> {
  const m = await measure(path);
  return { path, bytes: m.bytes, usedMs: m.newestMs, what, graceMs };
}

/** Every unit prune may remove, oldest use first. */
export async function prunableUnits(c: CacheLayout): Promise<CacheUnit[]> {
  const units: CacheUnit[] = [];
  for (const root of await entries(c.apt)) {
    for (const deb of await entries(join(root, 'cache', 'archives'), (n) => n.endsWith('.deb'))) units.push(await unit(deb, 'package'));
    // a mirror's index: the lists and apt's binary caches of them (its time: the lists dir, touched on use)
    const index = [join(root, 'state'), ...(await entries(join(root, 'cache'), (n) => n.endsWith('.bin')))];
    const parts = await Promise.all(index.map((p) => measure(p)));
    if (parts.some((p) => p.bytes > 0)) {
      const listsTime = (await lstat(join(root, 'state', 'lists')).catch(() => undefined))?.mtimeMs ?? 0;
      units.push({ path: join(root, 'state'), bytes: parts.reduce((a, p) => a + p.bytes, 0), usedMs: listsTime, what: 'package index' });
    }
  }
  for (const deb of await entries(c.debsUncompressed, (n) => n.endsWith('.deb'))) units.push(await unit(deb, 'uncompressed package'));
  for (const img of await entries(c.repoImages, (n) => n.endsWith('.sqfs'))) units.push(await unit(img, 'repository image', REPO_IMAGE_GRACE_MS));
  for (const e of await entries(c.imageCache)) units.push(await unit(e, 'image cache entry'));
  const current = await currentAppliances(c.appliances);
  for (const dir of await entries(c.appliances, (n) => /^[0-9a-f]{32}$/.test(n) && !current.has(n))) units.push(await unit(dir, 'appliance'));
  return units.sort((a, b) => a.usedMs - b.usedMs);
}

/**
 * The appliances kept whatever the bound: per architecture the newest one a recipe points at
 * (the recipe of an older kiln, or of other --suite/--mirror choices, points at older ones:
 * those go when space is short, and are rebuilt if asked for again).
 */
async function currentAppliances(store: string): Promise<Set<string>> {
  const newest = new Map<string, { key: string; builtMs: number }>();
  for (const ptr of await entries(store, (n) => n.startsWith('recipe-'))) {
    const key = (await readFile(ptr, 'utf8')).trim();
    const manifest = await readFile(join(store, key, 'manifest.json'), 'utf8').then((t) => JSON.parse(t) as { arch?: string; builtAt?: string }, () => undefined);
    if (!manifest) continue;
    const arch = manifest.arch ?? 'amd64';
    const builtMs = Date.parse(manifest.builtAt ?? '') || 0;
    if (builtMs >= (newest.get(arch)?.builtMs ?? -1)) newest.set(arch, { key, builtMs });
  }
  return new Set([...newest.values()].map((v) => v.key));
}

export interface PrunePlan {
  /** The whole cache dir before. */
  totalBytes: number;
  remove: CacheUnit[];
  /** The cache dir after removing `remove`. */
  afterBytes: number;
}

/** Which units to remove, least recently used first, for the cache to fit `maxBytes` (pure). */
export function planPrune(units: readonly CacheUnit[], totalBytes: number, maxBytes: number, nowMs: number): PrunePlan {
  const remove: CacheUnit[] = [];
  let after = totalBytes;
  for (const u of [...units].sort((a, b) => a.usedMs - b.usedMs)) {
    if (after <= maxBytes) break;
    if (u.graceMs !== undefined && nowMs - u.usedMs < u.graceMs) continue;
    remove.push(u);
    after -= u.bytes;
  }
  return { totalBytes, remove, afterBytes: after };
}

/** The cache dir's size and what to remove to fit `maxBytes`. */
export async function prunePlanFor(c: CacheLayout, maxBytes: number): Promise<PrunePlan> {
  const total = (await measure(c.root)).bytes;
  return planPrune(await prunableUnits(c), total, maxBytes, Date.now());
}

/** Remove a plan's units (the caller holds the host caches' lock). */
export async function applyPrune(plan: PrunePlan): Promise<void> {
  for (const u of plan.remove) {
    if (u.what === 'package index') {
      // the lists and apt's caches of them; the mirror's downloaded .debs are units of their own
      await rm(u.path, { recursive: true, force: true });
      const cacheDir = join(u.path, '..', 'cache');
      for (const bin of await entries(cacheDir, (n) => n.endsWith('.bin'))) await rm(bin, { force: true });
    } else {
      await rm(u.path, { recursive: true, force: true });
      // an appliance goes with the recipe pointers that name it
      if (u.what === 'appliance') for (const ptr of await entries(join(u.path, '..'), (n) => n.startsWith('recipe-'))) if ((await readFile(ptr, 'utf8')).trim() === basename(u.path)) await rm(ptr, { force: true });
    }
  }
}
