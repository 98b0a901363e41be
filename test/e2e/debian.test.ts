// The main job, for real: `kiln build -o debian debian-minimal vm` from kiln's built-in
// elements (debootstrap in the appliance, TCG), then `kiln boot` to a login prompt; the
// kernel read back with get-kernel; then two warm rebuilds with no network at all, from
// the helper drive and host caches the first build filled, which must be bit for bit the
// same (SOURCE_DATE_EPOCH and --seed). One cold build serves them all.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDisks, compareTars, differingRegions } from '../support/compare.js';
import { BOOT_TIMEOUT_MS, diffLines, expectLogin, kiln, leftovers, sha256, snapshotLeftovers } from './helpers.js';

const before = await snapshotLeftovers();
const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-debian-'));
const name = join(out, 'debian');
let build: Awaited<ReturnType<typeof kiln>>;
let coldMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  build = await kiln(['build', '-o', name, '-t', 'qcow2,tar', '--logfile', join(out, 'build.log'), 'debian-minimal', 'vm']);
  coldMs = performance.now() - t0;
  console.log(`cold build of debian-minimal vm: ${(coldMs / 1000).toFixed(0)}s`);
}, 2_400_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('kiln build -o debian debian-minimal vm', () => {
  it('builds', () => {
    if (build.exitCode !== 0) console.log(existsSync(join(out, 'build.log')) ? readFileSync(join(out, 'build.log'), 'utf8').slice(-6000) : build.all);
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
    expect(existsSync(`${name}.qcow2`)).toBe(true);
    expect(readdirSync(`${name}.d`)).toContain('dib_environment');
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

  // The two reproducible builds: same inputs, the warm caches, --offline, one
  // SOURCE_DATE_EPOCH and seed. The first is also the build with no network at all.
  const repro = (dir: string) =>
    kiln(['build', '-o', join(out, dir, 'debian'), '-t', 'raw,qcow2,tar', '--no-network', '--offline', '--source-date-epoch', '1700000000', '--seed', 'kiln-e2e', 'debian-minimal', 'vm']);

  it('rebuilds warm with no network at all (--no-network --offline), from the caches', async () => {
    const t0 = performance.now();
    const r = await repro('r1');
    const warmMs = performance.now() - t0;
    console.log(`warm --no-network build: ${(warmMs / 1000).toFixed(0)}s (cold ${(coldMs / 1000).toFixed(0)}s, ratio ${(warmMs / coldMs).toFixed(2)})`);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect(existsSync(join(out, 'r1', 'debian.qcow2'))).toBe(true);
  }, 2_400_000);

  it('builds the same bytes twice: raw, qcow2 and tar (else says where they differ)', async () => {
    const t0 = performance.now();
    const r = await repro('r2');
    const warmMs = performance.now() - t0;
    console.log(`second warm build (every cache filled): ${(warmMs / 1000).toFixed(0)}s (cold ${(coldMs / 1000).toFixed(0)}s, ratio ${(warmMs / coldMs).toFixed(2)})`);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const a = (f: string) => join(out, 'r1', f);
    const b = (f: string) => join(out, 'r2', f);
    const report: string[] = [];
    for (const f of ['debian.raw', 'debian.qcow2', 'debian.tar', 'debian.d/kiln-manifest.json']) {
      if ((await sha256(a(f))) === (await sha256(b(f)))) continue;
      report.push(`${f} differs:`);
      if (f.endsWith('.tar')) report.push(...(await compareTars(a(f), b(f))));
      else if (f.endsWith('.raw')) report.push(...(await compareDisks(a(f), b(f))));
      else if (f.endsWith('.json')) report.push(...diffLines(readFileSync(a(f), 'utf8'), readFileSync(b(f), 'utf8')));
      else report.push(...(await differingRegions(a(f), b(f))).slice(0, 10).map((x) => `bytes ${x.start}..${x.end}`));
    }
    if (report.length) console.log(report.join('\n'));
    expect(report).toEqual([]);
    const manifest = JSON.parse(readFileSync(a('debian.d/kiln-manifest.json'), 'utf8')) as { packages: { name: string }[]; sourceDateEpoch: number };
    expect(manifest.sourceDateEpoch).toBe(1700000000);
    expect(manifest.packages.map((p) => p.name)).toContain('linux-image-cloud-amd64');
  }, 2_400_000);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
