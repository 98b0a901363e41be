// arm64 on this amd64 host, as an ordinary user, without root, binfmt or KVM: `kiln build -a
// arm64 -o arm debian-minimal vm` builds inside an arm64 appliance (qemu-system-aarch64, TCG),
// the image records `uname -m` of its own chroot (test/fixtures/elements/arch/record-arch), and
// `kiln boot` starts it under AAVMF to a login prompt (the architecture read from the build's
// manifest). The one cold arm64 build of the suite.
import { execa } from 'execa';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageLayout } from '../../src/vm/image-layout.js';
import { unprivilegedUser } from '../integration/appliance/helpers.js';
import { BOOT_TIMEOUT_MS, kilnAs, leftovers, printLogOnFailure, repo, snapshotLeftovers } from './helpers.js';

const before = await snapshotLeftovers();
const user = unprivilegedUser();
let out = '';
let name = '';
let cache = '';
let build: Awaited<ReturnType<typeof kilnAs>>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'kiln-e2e-arm64-'));
  if (user) chownSync(out, user.uid, user.gid);
  name = join(out, 'arm');
  // the user's own cache (an ordinary user's ~/.cache would do; this one goes away afterwards)
  cache = join(out, 'cache');
  const t0 = performance.now();
  build = await kilnAs(user?.name, ['build', '-a', 'arm64', '-o', name, '-t', 'qcow2,tar', '-p', join(repo, 'test/fixtures/elements/arch'), '--logfile', join(out, 'build.log'), 'debian-minimal', 'vm', 'record-arch'], { KILN_CACHE_DIR: cache });
  console.log(`arm64 build of debian-minimal vm as ${user?.name ?? 'this user'}: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}, 3_600_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`kiln build -a arm64 debian-minimal vm (as ${user?.name ?? 'this non-root user'})`, () => {
  it('builds', () => {
    printLogOnFailure(build, join(out, 'build.log'));
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
  });

  it('is an aarch64 Debian image: its own chroot said so, and its packages are arm64', async () => {
    const read = async (f: string) => (await execa('tar', ['-xOf', `${name}.tar`, f])).stdout.trim();
    expect(await read('./etc/kiln-uname-m')).toBe('aarch64');
    expect(await read('./etc/kiln-dpkg-arch')).toBe('arm64');
    const manifest = JSON.parse(readFileSync(`${name}.d/kiln-manifest.json`, 'utf8')) as { arch: string; packages: { name: string; arch: string }[] };
    expect(manifest.arch).toBe('arm64');
    expect(manifest.packages.find((p) => p.name === 'linux-image-cloud-arm64')?.arch).toBe('arm64');
    expect(await readImageLayout(`${name}.qcow2`, 'qcow2')).toMatchObject({ table: 'gpt', esp: true });
  });

  it('boots under AAVMF to a login prompt (kiln boot reads the arch from the manifest)', async () => {
    const r = await kilnAs(user?.name, ['boot', '--timeout', '900', `${name}.qcow2`], { KILN_CACHE_DIR: cache });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/arm64, UEFI/);
    expect(r.stderr).toContain('booted: login prompt');
  }, BOOT_TIMEOUT_MS);

  it('kiln appliance info --arch arm64 shows the arm64 appliance; kiln cache info its size', async () => {
    const info = await kilnAs(user?.name, ['appliance', 'info', '--arch', 'arm64'], { KILN_CACHE_DIR: cache });
    expect(info.exitCode, info.all).toBe(0);
    expect(info.stdout).toMatch(/arm64/);
    const cacheInfo = await kilnAs(user?.name, ['cache', 'info'], { KILN_CACHE_DIR: cache });
    expect(cacheInfo.exitCode, cacheInfo.all).toBe(0);
    expect(cacheInfo.stdout).toMatch(/appliances: +1 /);
  });

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
