// The main job, for real: `kiln build -o debian debian-minimal vm` from kiln's built-in
// elements with no release given (today's stable, trixie: the one cold trixie build of the
// suite; later files reuse its caches), booted to a login prompt with `kiln boot`, and its
// kernel read back with get-kernel. Independent of every other file.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_TIMEOUT_MS, expectLogin, kiln, leftovers, printLogOnFailure, snapshotLeftovers } from './helpers.js';

const before = await snapshotLeftovers();
let out = '';
let name = '';
let build: Awaited<ReturnType<typeof kiln>>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'kiln-e2e-debian-'));
  name = join(out, 'debian');
  const t0 = performance.now();
  build = await kiln(['build', '-o', name, '-t', 'qcow2,tar', '--logfile', join(out, 'build.log'), 'debian-minimal', 'vm']);
  console.log(`build of debian-minimal vm: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}, 2_400_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('kiln build -o debian debian-minimal vm', () => {
  it('builds', () => {
    printLogOnFailure(build, join(out, 'build.log'));
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
    expect(existsSync(`${name}.qcow2`)).toBe(true);
    expect(readdirSync(`${name}.d`)).toEqual(expect.arrayContaining(['dib_environment', 'kiln-manifest.json']));
  });

  it('is Debian 13 (trixie), the release DIB builds when none is given', async () => {
    const version = (await execa('tar', ['-xOf', `${name}.tar`, './etc/debian_version'])).stdout.trim();
    expect(version).toMatch(/^13(\.|$)/);
    const sources = (await execa('tar', ['-xOf', `${name}.tar`, './etc/apt/sources.list.d/default.list'])).stdout;
    expect(sources).toMatch(/^deb http:\/\/deb\.debian\.org\/debian trixie main/m);
  });

  it('boots to a login prompt (kiln boot)', () => expectLogin(`${name}.qcow2`), BOOT_TIMEOUT_MS);

  it('get-kernel extracts the very kernel that is in the image', async () => {
    const r = await kiln(['get-kernel', '-d', out, '-o', 'got', `${name}.qcow2`]);
    expect(r.exitCode, r.all).toBe(0);
    const list = (await execa('tar', ['-tf', `${name}.tar`])).stdout.split('\n');
    const vmlinuz = list.filter((f) => /^\.\/boot\/vmlinuz-/.test(f)).sort().pop()!;
    const inImage = (await execa('tar', ['-xOf', `${name}.tar`, vmlinuz], { encoding: 'buffer' })).stdout;
    expect(Buffer.compare(readFileSync(join(out, 'got-vmlinuz')), Buffer.from(inImage))).toBe(0);
    expect(existsSync(join(out, 'got-initrd'))).toBe(true);
  }, 300_000);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
