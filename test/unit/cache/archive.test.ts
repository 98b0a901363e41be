// kiln cache export / import without a VM: a cache dir with a (small) helper drive, apt's
// index and downloads and an appliance goes into one archive and comes out in a fresh cache
// dir whole; locks, half-written files and the KVM verdict stay behind; an import into a
// cache that has things already keeps them and adds the rest; a foreign tar is refused.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCache, importCache } from '../../../src/cache/archive.js';
import { cacheLayout } from '../../../src/cache/layout.js';
import type { Logger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log: Logger = { emit: () => {}, info: () => {}, warn: () => {}, debug: () => {} };

function put(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('kiln cache export / import', () => {
  const src = cacheLayout({ KILN_CACHE_DIR: join(dir, 'src') });
  const apt = join(src.apt, 'trixie-amd64-0123456789abcdef');
  const key = 'a'.repeat(32);
  const archive = join(dir, 'cache.tar.gz');

  it('exports the helper drive, the host caches and the appliance, and nothing host-specific', async () => {
    mkdirSync(src.root, { recursive: true });
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', src.helperDrive, '64M']);
    await execa('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 64k', src.helperDrive]);
    put(join(apt, 'state', 'lists', 'x_InRelease'), 'lists');
    put(join(apt, 'cache', 'archives', 'bash_5_amd64.deb'), 'deb');
    put(join(apt, 'cache', 'archives', 'partial', 'half.deb'), 'half');
    put(join(src.repoImages, 'r.sqfs.1234.partial'), 'half');
    put(join(src.appliances, key, 'kernel'), 'kernel');
    put(join(src.appliances, 'recipe-abc'), `${key}\n`);
    put(src.accelVerdicts, '{}');
    put(`${src.helperDrive}.lock`, '1');
    const m = await exportCache(src, archive, { kiln: '0.0.0', log });
    expect(m.members).toEqual(['helper.qcow2', 'apt', 'repo-images', 'appliance']);
    const list = (await execa('tar', ['-tzf', archive])).stdout.split('\n');
    expect(list).toContain('kiln-cache.json');
    expect(list).toContain('apt/trixie-amd64-0123456789abcdef/cache/archives/bash_5_amd64.deb');
    expect(list.filter((f) => /partial|\.lock|accel-verdicts/.test(f))).toEqual([]);
    expect(readdirHidden(dir)).toEqual([]);
  });

  it('imports into a fresh cache dir: the same drive, the same files', async () => {
    const dst = cacheLayout({ KILN_CACHE_DIR: join(dir, 'fresh') });
    const r = await importCache(dst, archive, log);
    expect(r).toMatchObject({ helperDrive: true, kept: 0, manifest: { format: 1, kiln: '0.0.0' } });
    await execa('qemu-img', ['compare', src.helperDrive, dst.helperDrive]);
    expect(readFileSync(join(dst.apt, 'trixie-amd64-0123456789abcdef', 'state', 'lists', 'x_InRelease'), 'utf8')).toBe('lists');
    expect(readFileSync(join(dst.appliances, 'recipe-abc'), 'utf8')).toBe(`${key}\n`);
    expect(existsSync(dst.accelVerdicts)).toBe(false);
    expect(readdirHidden(dst.root)).toEqual([]);
  });

  it('adds to a cache that has things already, keeping them', async () => {
    const dst = cacheLayout({ KILN_CACHE_DIR: join(dir, 'warm') });
    put(join(dst.apt, 'trixie-amd64-0123456789abcdef', 'state', 'lists', 'x_InRelease'), 'newer lists');
    put(join(dst.appliances, 'recipe-abc'), `${'b'.repeat(32)}\n`);
    const r = await importCache(dst, archive, log);
    expect(r.kept).toBe(2);
    expect(readFileSync(join(dst.apt, 'trixie-amd64-0123456789abcdef', 'state', 'lists', 'x_InRelease'), 'utf8')).toBe('newer lists');
    expect(readFileSync(join(dst.apt, 'trixie-amd64-0123456789abcdef', 'cache', 'archives', 'bash_5_amd64.deb'), 'utf8')).toBe('deb');
    expect(existsSync(join(dst.appliances, key, 'kernel'))).toBe(true);
  });

  it('refuses a tar that is not a kiln cache archive', async () => {
    put(join(dir, 'other', 'x'), 'x');
    await execa('tar', ['-cf', join(dir, 'other.tar'), '-C', join(dir, 'other'), 'x']);
    await expect(importCache(cacheLayout({ KILN_CACHE_DIR: join(dir, 'x') }), join(dir, 'other.tar'), log)).rejects.toThrow(/not a kiln cache archive \(it has no kiln-cache.json\)/);
  });
});

/** Leftovers of a run: hidden temp files or dirs (export partials, import staging). */
function readdirHidden(path: string): string[] {
  return (existsSync(path) ? readdirSync(path) : []).filter((f) => f.startsWith('.kiln-'));
}
