// Built appliances in the cache: <cache>/appliance/<key>/ holds vmlinuz, initrd, root.sqfs
// and manifest.json; recipe-<hash> points at the key last built from a recipe, so a
// cached build needs neither network nor apt.
import { readFile, rename, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths.js';

export interface ApplianceManifest {
  key: string;
  recipeHash: string;
  kernelVersion: string;
  kernelPackage: string;
  packages: { name: string; version: string; arch: string }[];
  suite: string;
  mirror: string;
  builtAt: string;
  sizes: { vmlinuz: number; initrd: number; root: number };
}

export interface Appliance {
  dir: string;
  vmlinuz: string;
  initrd: string;
  root: string;
  manifest: ApplianceManifest;
}

export function storeDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'appliance');
}

export async function openAppliance(dir: string): Promise<Appliance | undefined> {
  const mf = join(dir, 'manifest.json');
  if (!existsSync(mf)) return undefined;
  const manifest = JSON.parse(await readFile(mf, 'utf8')) as ApplianceManifest;
  const a = { dir, vmlinuz: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd'), root: join(dir, 'root.sqfs'), manifest };
  for (const f of [a.vmlinuz, a.initrd, a.root]) if (!existsSync(f)) return undefined;
  return a;
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
