// The appliance's cache address: stable for the same inputs, different for any change.
import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applianceKey, hashParts, kernelFor, loadRecipe, parseList, recipeFiles } from '../../../src/appliance/recipe.js';
import { applianceDataDir } from '../../../src/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recipe hashing', () => {
  it('hashParts is stable and length-prefixed (no ambiguity between splits)', () => {
    expect(hashParts(['a', 'b'])).toBe(hashParts(['a', 'b']));
    expect(hashParts(['a', 'b'])).toMatch(/^[0-9a-f]{32}$/);
    expect(hashParts(['ab', ''])).not.toBe(hashParts(['a', 'b']));
    expect(hashParts(['a', 'b'])).not.toBe(hashParts(['b', 'a']));
  });

  it('the recipe of appliance/ hashes the same every time it is loaded', async () => {
    const a = await loadRecipe();
    const b = await loadRecipe(applianceDataDir);
    expect(a.recipeHash).toBe(b.recipeHash);
    expect(a.packages).toContain('openssh-server');
    expect(a.packages).toContain('busybox-static');
    expect(a.kernelPackage).toMatch(/^linux-image-/);
  });

  it('a change to any recipe file changes the hash; a copy does not', async () => {
    const base = await loadRecipe();
    const copy = join(dir, 'copy');
    cpSync(applianceDataDir, copy, { recursive: true });
    expect((await loadRecipe(copy)).recipeHash).toBe(base.recipeHash);
    const seen = new Set([base.recipeHash]);
    for (const f of recipeFiles) {
      const d = join(dir, f);
      cpSync(applianceDataDir, d, { recursive: true });
      appendFileSync(join(d, f), '\n# changed\n');
      const h = (await loadRecipe(d)).recipeHash;
      expect(seen.has(h)).toBe(false);
      seen.add(h);
    }
  });

  it('applianceKey does not depend on package order, and does on any version', async () => {
    const r = await loadRecipe();
    const debs = [
      { name: 'a', version: '1', arch: 'amd64' },
      { name: 'b', version: '2', arch: 'all' },
    ];
    expect(applianceKey(r, debs)).toBe(applianceKey(r, [...debs].reverse()));
    expect(applianceKey(r, debs)).not.toBe(applianceKey(r, [debs[0]!, { ...debs[1]!, version: '2+b1' }]));
  });

  it('parseList drops comments and blank lines', () => {
    expect(parseList('# x\n a \n\nb # c\n')).toEqual(['a', 'b']);
  });

  it('a kernel file naming two packages is refused', async () => {
    const d = join(dir, 'twokernels');
    cpSync(applianceDataDir, d, { recursive: true });
    writeFileSync(join(d, 'kernel'), 'amd64 linux-image-amd64\namd64 linux-image-cloud-amd64\n');
    await expect(loadRecipe(d)).rejects.toThrow(/exactly one kernel package for amd64/);
  });

  it('each architecture has its own kernel and its own recipe hash from the same files', async () => {
    const amd = await loadRecipe(applianceDataDir, 'amd64');
    const arm = await loadRecipe(applianceDataDir, 'arm64');
    expect(amd.kernelPackage).toBe('linux-image-cloud-amd64');
    expect(arm.kernelPackage).toBe('linux-image-cloud-arm64');
    expect(arm.arch).toBe('arm64');
    expect(arm.recipeHash).not.toBe(amd.recipeHash);
    expect(arm.packages).toEqual(amd.packages);
  });

  it('an architecture the kernel file does not name is refused, naming those it does', () => {
    expect(() => kernelFor('amd64 linux-image-cloud-amd64\n', 'arm64')).toThrow(/for arm64, not 0/);
    expect(() => kernelFor('linux-image-cloud-amd64\n', 'amd64')).toThrow(/is not 'ARCH PACKAGE'/);
  });
});
