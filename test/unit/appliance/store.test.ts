// Read-only appliance stores (KILN_APPLIANCE_PATH): what a container image ships its
// prebuilt appliance in, searched after the cache's own store.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAppliance, readOnlyStores, setRecipePointer } from '../../../src/appliance/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiln-store-test-'));
  dirs.push(d);
  return d;
}

async function fakeAppliance(dir: string, recipeHash: string, key: string): Promise<void> {
  mkdirSync(join(dir, key), { recursive: true });
  for (const f of ['kernel', 'initrd', 'root.sqfs']) writeFileSync(join(dir, key, f), f);
  writeFileSync(join(dir, key, 'manifest.json'), JSON.stringify({ key, recipeHash }));
  await setRecipePointer(dir, recipeHash, key);
}

describe('read-only appliance stores', () => {
  it('KILN_APPLIANCE_PATH is a colon-separated list, empty parts ignored', () => {
    expect(readOnlyStores({})).toEqual([]);
    expect(readOnlyStores({ KILN_APPLIANCE_PATH: '/a::/b/' })).toEqual(['/a', '/b']);
  });

  it('finds the appliance in a read-only store when the cache has none', async () => {
    const own = store();
    const ro = store();
    await fakeAppliance(ro, 'r1', 'k-ro');
    const a = await findAppliance('r1', own, { KILN_APPLIANCE_PATH: ro });
    expect(a?.dir).toBe(join(ro, 'k-ro'));
    expect(await findAppliance('r1', own, {})).toBeUndefined();
    expect(await findAppliance('other', own, { KILN_APPLIANCE_PATH: ro })).toBeUndefined();
  });

  it("prefers the cache's own store, then the read-only ones in order", async () => {
    const own = store();
    const ro1 = store();
    const ro2 = store();
    await fakeAppliance(ro2, 'r1', 'k2');
    await fakeAppliance(ro1, 'r1', 'k1');
    expect((await findAppliance('r1', own, { KILN_APPLIANCE_PATH: `${ro1}:${ro2}` }))?.dir).toBe(join(ro1, 'k1'));
    await fakeAppliance(own, 'r1', 'k0');
    expect((await findAppliance('r1', own, { KILN_APPLIANCE_PATH: `${ro1}:${ro2}` }))?.dir).toBe(join(own, 'k0'));
  });
});
