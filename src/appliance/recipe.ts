// The appliance's inputs as data: package lists and guest files from appliance/, and the
// hashes that address a built appliance in the cache.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../arch.js';
import { ApplianceError } from '../errors.js';
import { applianceDataDir } from '../paths.js';
import { parseModuleList, type ModuleSpec } from './kernel.js';

/** Bump when the builder changes what it makes from the same inputs. */
export const BUILDER_VERSION = 2;

/** Files of appliance/ that go into the appliance; each change makes a new appliance. */
export const recipeFiles = ['packages', 'kernel', 'modules', 'initramfs-init', 'init', 'sshd_config', 'execd', 'readdrive'] as const;

export interface Recipe {
  /** The Debian architecture of every package (and so of the appliance VM). */
  arch: Arch;
  packages: string[];
  kernelPackage: string;
  modules: ModuleSpec[];
  files: Record<(typeof recipeFiles)[number], string>;
  /** Hash of the recipe files alone: names a recipe before apt has resolved versions. */
  recipeHash: string;
}

export function parseList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

export async function loadRecipe(dir: string = applianceDataDir, arch: Arch = 'amd64'): Promise<Recipe> {
  const files = {} as Recipe['files'];
  for (const f of recipeFiles) files[f] = await readFile(join(dir, f), 'utf8');
  return {
    arch,
    packages: parseList(files.packages),
    kernelPackage: kernelFor(files.kernel, arch, join(dir, 'kernel')),
    modules: parseModuleList(files.modules),
    files,
    // the same files make a different appliance per architecture
    recipeHash: hashParts([`builder ${BUILDER_VERSION}`, `arch ${arch}`, ...recipeFiles.map((f) => `${f}\n${files[f]}`)]),
  };
}

/** appliance/kernel: one `ARCH PACKAGE` line per architecture. */
export function kernelFor(text: string, arch: Arch, file = 'appliance/kernel'): string {
  const lines = parseList(text).map((l) => l.split(/\s+/));
  const bad = lines.find((w) => w.length !== 2);
  if (bad) throw new ApplianceError(`${file}: '${bad.join(' ')}' is not 'ARCH PACKAGE'`);
  const mine = lines.filter((w) => w[0] === arch).map((w) => w[1]!);
  if (mine.length !== 1) {
    throw new ApplianceError(`${file} must name exactly one kernel package for ${arch}, not ${mine.length}`, {
      hint: `architectures it names: ${[...new Set(lines.map((w) => w[0]))].join(', ') || 'none'}`,
    });
  }
  return mine[0]!;
}

/** The appliance key: what was resolved (every package and version) plus the recipe. */
export function applianceKey(recipe: Recipe, debs: { name: string; version: string; arch: string }[]): string {
  const pkgs = debs.map((d) => `${d.name} ${d.version} ${d.arch}`).sort();
  return hashParts([recipe.recipeHash, ...pkgs]);
}

export function hashParts(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p}`);
  return h.digest('hex').slice(0, 32);
}
