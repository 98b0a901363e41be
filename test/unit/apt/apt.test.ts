import { cacheLayout } from '../../../src/cache/layout.js';
import { execa } from 'execa';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseControl, renderPackagesEntry, renderRelease, requiredPackages } from '../../../src/apt/index-file.js';
import { REPO_IMAGES_KEPT, writeRepo } from '../../../src/apt/local-repo.js';
import { parseAr, renderAr, uncompressDeb } from '../../../src/apt/repack.js';

describe('Packages index', () => {
  const text = 'Package: a\nPriority: required\nDescription: x\n more\n\nPackage: b\nPriority: optional\n\nPackage: a\nPriority: required\n';
  it('parses records and the required set', () => {
    const recs = parseControl(text);
    expect(recs).toHaveLength(3);
    expect(recs[0]!.Description).toBe('x\n more');
    expect(requiredPackages(recs)).toEqual(['a']);
  });

  it('writes entries and a Release that lists the index with its hash', () => {
    const entry = renderPackagesEntry('Package: a\nVersion: 1\n', { filename: 'pool/a.deb', size: 3, sha256: 'ff', md5: 'ee' });
    expect(entry).toBe('Package: a\nVersion: 1\nFilename: pool/a.deb\nSize: 3\nMD5sum: ee\nSHA256: ff\n\n');
    const rel = renderRelease({ suite: 'bookworm', codename: 'bookworm', component: 'main', arch: 'amd64', packages: Buffer.from(entry), date: new Date(0) });
    expect(rel).toContain(`main/binary-amd64/Packages`);
    expect(rel).toMatch(/SHA256:\n [0-9a-f]{64} \d+ main\/binary-amd64\/Packages/);
  });
});

describe('deb repack', () => {
  it('round-trips ar archives', () => {
    const members = [{ name: 'debian-binary', data: Buffer.from('2.0\n') }, { name: 'odd', data: Buffer.from('abc') }];
    expect(parseAr(renderAr(members)).map((m) => [m.name, m.data.toString()])).toEqual([['debian-binary', '2.0\n'], ['odd', 'abc']]);
  });

  it('stores data.tar uncompressed and keeps the package contents identical (checked by dpkg-deb)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-deb-'));
    mkdirSync(join(dir, 'pkg/DEBIAN'), { recursive: true });
    mkdirSync(join(dir, 'pkg/usr/share/x'), { recursive: true });
    writeFileSync(join(dir, 'pkg/DEBIAN/control'), 'Package: x\nVersion: 1\nArchitecture: all\nMaintainer: k <k@k>\nDescription: x\n');
    writeFileSync(join(dir, 'pkg/usr/share/x/file'), 'hello\n'.repeat(1000));
    await execa('dpkg-deb', ['--root-owner-group', '-Zxz', '-b', join(dir, 'pkg'), join(dir, 'x.deb')]);
    const raw = await uncompressDeb(readFileSync(join(dir, 'x.deb')));
    writeFileSync(join(dir, 'raw.deb'), raw);
    expect(parseAr(raw).map((m) => m.name)).toEqual(['debian-binary', 'control.tar.xz', 'data.tar']);
    const a = await execa('dpkg-deb', ['--fsys-tarfile', join(dir, 'x.deb')], { encoding: 'buffer' });
    const b = await execa('dpkg-deb', ['--fsys-tarfile', join(dir, 'raw.deb')], { encoding: 'buffer' });
    expect(Buffer.compare(Buffer.from(a.stdout), Buffer.from(b.stdout))).toBe(0);
    expect((await execa('dpkg-deb', ['-f', join(dir, 'raw.deb'), 'Package'])).stdout.trim()).toBe('x');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('local repository image cache', () => {
  const req = { mirror: 'http://m/debian', securityMirror: 'http://m/sec', suite: 'bookworm', components: ['main'], keyring: '', arch: 'amd64', packages: [], offline: false };

  async function deb(dir: string, name: string, version: string): Promise<string> {
    mkdirSync(join(dir, name, 'DEBIAN'), { recursive: true });
    writeFileSync(join(dir, name, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: k <k@k>\nDescription: ${name}\n`);
    const file = join(dir, `${name}_${version}_all.deb`);
    await execa('dpkg-deb', ['--root-owner-group', '-b', join(dir, name), file]);
    return file;
  }

  it('makes one image per package set, reuses it, and keeps only the newest few', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-repo-'));
    try {
      const cache = cacheLayout({ KILN_CACHE_DIR: join(dir, 'cache') });
      const a = await deb(dir, 'a', '1');
      const b = await deb(dir, 'b', '1');
      const first = await writeRepo([a, b], req, join(dir, 'w1'), cache);
      expect(first).toMatchObject({ packages: 2 });
      const listing = (await execa('unsquashfs', ['-l', first.image])).stdout;
      expect(listing).toContain('squashfs-root/dists/bookworm/main/binary-amd64/Packages');
      expect(listing).toContain('squashfs-root/pool/a_1_all.deb');
      const made = statSync(first.image).ino;
      // the same set in another order: the cached image, not a new one
      const again = await writeRepo([b, a], req, join(dir, 'w2'), cache);
      expect(again.image).toBe(first.image);
      expect(statSync(again.image).ino).toBe(made);
      // another set: another image; old ones beyond the newest few go once unused for an hour
      const others = [];
      for (let i = 2; i <= REPO_IMAGES_KEPT + 1; i++) others.push((await writeRepo([a, await deb(dir, 'c', String(i))], req, join(dir, `w${i + 1}`), cache)).image);
      expect(new Set(others).size).toBe(REPO_IMAGES_KEPT);
      expect(existsSync(first.image)).toBe(true);
      const old = new Date(Date.now() - 2 * 3600_000);
      utimesSync(first.image, old, old);
      await writeRepo([b], req, join(dir, 'w9'), cache);
      expect(existsSync(first.image)).toBe(false);
      expect(readdirSync(cache.repoImages).filter((f) => f.endsWith('.sqfs'))).toHaveLength(REPO_IMAGES_KEPT + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
