// Built appliances in the cache: <cache>/appliance/<key>/ holds kernel, initrd, root.sqfs
// and manifest.json; recipe-<hash> points at the key last built from a recipe, so a
// cached build needs neither network nor apt.
import { access, readFile, rename, writeFile, stat } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Arch } from '../arch.js';
import { ApplianceError } from '../errors.js';
import { cacheLayout } from '../cache/layout.js';

export interface ApplianceManifest {
  key: string;
  recipeHash: string;
  /** Absent in manifests written before appliances had an architecture: amd64. */
  arch?: Arch;
  kernelVersion: string;
  kernelPackage: string;
  /** How QEMU starts the kernel file: an ELF at its PVH entry, the bzImage as packaged, or an arm64 Image. */
  kernelBoot: 'pvh' | 'bzimage' | 'image';
  packages: { name: string; version: string; arch: string }[];
  suite: string;
  mirror: string;
  builtAt: string;
  sizes: { kernel: number; initrd: number; root: number };
}

export interface Appliance {
  dir: string;
  kernel: string;
  initrd: string;
  root: string;
  manifest: ApplianceManifest;
}

export function storeDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheLayout(env).appliances;
}

/**
 * The built appliance in `dir`; undefined if nothing was built there. A manifest whose
 * kernel, initrd or root is missing or unreadable is a damaged cache entry: an error that
 * says which file and how to rebuild, rather than a QEMU failure later.
 */
export async function openAppliance(dir: string): Promise<Appliance | undefined> {
  const mf = join(dir, 'manifest.json');
  if (!existsSync(mf)) return undefined;
  const manifest = JSON.parse(await readFile(mf, 'utf8')) as ApplianceManifest;
  const a = { dir, kernel: join(dir, 'kernel'), initrd: join(dir, 'initrd'), root: join(dir, 'root.sqfs'), manifest };
  for (const [what, f] of [['kernel', a.kernel], ['initramfs', a.initrd], ['root image', a.root]] as const) {
    try {
      await access(f, constants.R_OK);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new ApplianceError(`the cached appliance is damaged: its ${what} ${f} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code})`}`, {
        hint: 'rebuild it: kiln appliance build --refresh',
        cause: e,
      });
    }
  }
  return a;
}

/** Like openAppliance, but a damaged entry counts as absent (the builder replaces it). */
export async function openIfIntact(dir: string): Promise<Appliance | undefined> {
  return openAppliance(dir).catch(() => undefined);
}

/**
 * Stores of prebuilt appliances that kiln only reads: KILN_APPLIANCE_PATH, ':'-separated.
 * A container image ships its appliance this way, so a build whose cache is an empty volume
 * starts without building one (and without network for it).
 */
export function readOnlyStores(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KILN_APPLIANCE_PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((p) => resolve(p));
}

/** The appliance built for a recipe: the cache's own store first, then the read-only ones. */
export async function findAppliance(recipeHash: string, store = storeDir(), env: NodeJS.ProcessEnv = process.env): Promise<Appliance | undefined> {
  for (const s of [store, ...readOnlyStores(env).filter((r) => r !== resolve(store))]) {
    const hit = await applianceForRecipe(recipeHash, s);
    if (hit) return hit;
  }
  return undefined;
}

export async function applianceForRecipe(recipeHash: string, store = storeDir()): Promise<Appliance | undefined> {
  const ptr = join(store, `recipe-${recipeHash}`);
  if (!existsSync(ptr)) return undefined;
  const key = (await readFile(ptr, 'utf8')).trim();
  return openAppliance(join(store, key));
}

/** Point a recipe at a key; written then renamed so a reader never sees half a pointer. */
export async function setRecipePointer(store: string, recipeHash: string, key: string): Promise<void> {
  const tmp = join(store, `.recipe-${recipeHash}.${process.pid}`);
  await writeFile(tmp, key + '\n');
  await rename(tmp, join(store, `recipe-${recipeHash}`));
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** The architecture of a built appliance (amd64 for manifests that predate the field). */
export function applianceArch(a: Appliance): Arch {
  return a.manifest.arch ?? 'amd64';
}
