// kiln cache prune: least recently used first until the cache dir fits, units as a build
// uses them (a deb, a mirror's index, a repository image...), never the helper drive or the
// appliance a recipe points at, and a repository image picked in the last hour stays.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCacheSize } from '../../../src/cache/bound.js';
import { cacheLayout } from '../../../src/cache/layout.js';
import { applyPrune, planPrune, prunableUnits, prunePlanFor, type CacheUnit } from '../../../src/cache/prune.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-prune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 ** 2;
const HOUR = 3600_000;

function file(path: string, mib: number, ageHours: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.alloc(mib * MiB, 1));
  const t = new Date(Date.now() - ageHours * HOUR);
  utimesSync(path, t, t);
}

describe('planPrune', () => {
  const u = (path: string, mib: number, usedMs: number, graceMs?: number): CacheUnit => ({ path, bytes: mib * MiB, usedMs, what: 'package', graceMs });
  it('removes least recently used first, only until the total fits', () => {
    const plan = planPrune([u('new', 10, 300), u('old', 10, 100), u('mid', 10, 200)], 50 * MiB, 35 * MiB, 1000);
    expect(plan.remove.map((x) => x.path)).toEqual(['old', 'mid']);
    expect(plan.afterBytes).toBe(30 * MiB);
  });
  it('removes nothing when the cache fits, and skips what is in its grace time', () => {
    expect(planPrune([u('a', 10, 0)], 10 * MiB, 20 * MiB, 1000).remove).toEqual([]);
    expect(planPrune([u('recent', 10, 900, 500), u('a', 10, 950)], 40 * MiB, 0, 1000).remove.map((x) => x.path)).toEqual(['a']);
  });
  it('reads sizes as people write them', () => {
    expect(parseCacheSize('20G', 'x')).toBe(20 * 1024 ** 3);
    expect(parseCacheSize('512M', 'x')).toBe(512 * MiB);
    expect(parseCacheSize('1.5T', 'x')).toBe(1.5 * 1024 ** 4);
    expect(parseCacheSize('4096', 'x')).toBe(4096);
    expect(() => parseCacheSize('lots', '--max-size')).toThrow(/--max-size lots: not a size/);
  });
});

describe('kiln cache prune on a cache dir', () => {
  const c = cacheLayout({ KILN_CACHE_DIR: join(dir, 'cache') });
  const apt = join(c.apt, 'bookworm-amd64-0123456789abcdef');
  file(c.helperDrive, 8, 100);
  file(join(apt, 'cache', 'archives', 'old_1_amd64.deb'), 4, 50);
  file(join(apt, 'cache', 'archives', 'new_1_amd64.deb'), 4, 1);
  file(join(apt, 'state', 'lists', 'deb.debian.org_debian_dists_bookworm_InRelease'), 2, 0);
  file(join(apt, 'cache', 'pkgcache.bin'), 1, 0);
  utimesSync(join(apt, 'state', 'lists'), new Date(), new Date(Date.now() - 20 * HOUR));
  file(join(c.debsUncompressed, 'old_1_amd64.deb'), 6, 40);
  file(join(c.repoImages, 'a.sqfs'), 5, 30);
  file(join(c.repoImages, 'fresh.sqfs'), 5, 0.1);
  file(join(c.imageCache, 'cloud.img'), 3, 10);
  file(join(c.appliances, '0'.repeat(32), 'kernel'), 3, 60);
  file(join(c.appliances, '1'.repeat(32), 'kernel'), 3, 200);
  writeFileSync(join(c.appliances, '1'.repeat(32), 'manifest.json'), JSON.stringify({ builtAt: '2026-01-02T00:00:00Z' }));
  writeFileSync(join(c.appliances, 'recipe-abc'), `${'1'.repeat(32)}\n`);
  // an older kiln's recipe still points at an older appliance: it may go, with its pointer
  file(join(c.appliances, '2'.repeat(32), 'kernel'), 2, 300);
  writeFileSync(join(c.appliances, '2'.repeat(32), 'manifest.json'), JSON.stringify({ builtAt: '2026-01-01T00:00:00Z' }));
  utimesSync(join(c.appliances, '2'.repeat(32), 'manifest.json'), new Date(), new Date(Date.now() - 300 * HOUR));
  writeFileSync(join(c.appliances, 'recipe-old'), `${'2'.repeat(32)}\n`);

  it('lists every unit but the helper drive and the newest appliance a recipe points at, oldest first', async () => {
    const units = await prunableUnits(c);
    expect(units.map((x) => [x.what, x.path.slice(c.root.length + 1)])).toEqual([
      ['appliance', `appliance/${'2'.repeat(32)}`],
      ['appliance', `appliance/${'0'.repeat(32)}`],
      ['package', 'apt/bookworm-amd64-0123456789abcdef/cache/archives/old_1_amd64.deb'],
      ['uncompressed package', 'debs-uncompressed/old_1_amd64.deb'],
      ['repository image', 'repo-images/a.sqfs'],
      ['package index', 'apt/bookworm-amd64-0123456789abcdef/state'],
      ['image cache entry', 'image-cache/cloud.img'],
      ['package', 'apt/bookworm-amd64-0123456789abcdef/cache/archives/new_1_amd64.deb'],
      ['repository image', 'repo-images/fresh.sqfs'],
    ]);
  });

  it('prunes to the bound and keeps the rest', async () => {
    const plan = await prunePlanFor(c, plannedBound(await prunePlanFor(c, Number.MAX_SAFE_INTEGER)));
    await applyPrune(plan);
    expect(plan.remove.map((x) => x.what)).toEqual(['appliance', 'appliance', 'package', 'uncompressed package', 'repository image', 'package index']);
    expect(existsSync(join(c.appliances, 'recipe-old'))).toBe(false);
    expect(existsSync(join(c.appliances, 'recipe-abc'))).toBe(true);
    expect(existsSync(join(apt, 'state'))).toBe(false);
    expect(existsSync(join(apt, 'cache', 'pkgcache.bin'))).toBe(false);
    expect(existsSync(join(apt, 'cache', 'archives', 'new_1_amd64.deb'))).toBe(true);
    expect(existsSync(c.helperDrive)).toBe(true);
    expect(existsSync(join(c.appliances, '1'.repeat(32)))).toBe(true);
    expect(plan.afterBytes).toBeLessThanOrEqual(plannedBound(plan));
  });

  /** A bound that the oldest six units must go for: the total less 21 MiB (the oldest five are 20). */
  function plannedBound(p: { totalBytes: number }): number {
    return p.totalBytes - 21 * MiB;
  }
});
