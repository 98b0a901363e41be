// The build pipeline end to end on a tiny OS (busybox + bash from the appliance): every
// output format checked by a real consumer, the envvar rule, and a failing element script.
// Real appliance VMs under TCG; one build makes all formats.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocked } from '../../src/host/lock.js';
import { kiln, kilnBin, leftovers, snapshotLeftovers, tinyElements } from './helpers.js';

const before = await snapshotLeftovers();
const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-tiny-'));
const name = join(out, 'tiny');
let build: Awaited<ReturnType<typeof kiln>>;

beforeAll(async () => {
  build = await kiln(
    ['build', '-n', '-p', tinyElements, '-o', name, '-t', 'qcow2,raw,vhd,vmdk,tar,tgz,squashfs,docker', '--checksum', '--envvar', 'KILN_GREETING=hi', '--envvar', 'KILN_CARRIED', 'tiny-os', 'hello-config', 'env-probe'],
    { env: { KILN_CARRIED: 'carried-value', KILN_NOT_NAMED: 'must-not-leak' } },
  );
}, 600_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('kiln build (tiny OS)', () => {
  it('succeeds and lists its outputs', () => {
    expect(build.exitCode, build.all).toBe(0);
    for (const ext of ['qcow2', 'raw', 'vhd', 'vmdk', 'tar', 'tgz', 'squash', 'docker.tar']) expect(existsSync(`${name}.${ext}`), ext).toBe(true);
    expect(existsSync(`${name}.d/dib_environment`)).toBe(true);
  });

  it('applies the custom element: the config file is in the image (read without root)', async () => {
    const r = await execa('debugfs', ['-R', 'cat /etc/hello.conf', `${name}.raw`]);
    expect(r.stdout.trim()).toBe('greeting=hi');
  });

  it('writes disk formats that qemu-img accepts', async () => {
    for (const [ext, fmt] of [['qcow2', 'qcow2'], ['raw', 'raw'], ['vhd', 'vpc'], ['vmdk', 'vmdk']] as const) {
      const info = JSON.parse((await execa('qemu-img', ['info', '-f', fmt, '--output=json', `${name}.${ext}`])).stdout) as { format: string; 'virtual-size': number };
      expect(info.format).toBe(fmt);
      expect(info['virtual-size']).toBeGreaterThanOrEqual(256 * 1024 ** 2);
    }
    await execa('qemu-img', ['check', `${name}.qcow2`]);
    await execa('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', `${name}.raw`, `${name}.qcow2`]);
  });

  it('writes tree formats that tar, unsquashfs and docker load read', async () => {
    const tar = (await execa('tar', ['-tvf', `${name}.tar`])).stdout;
    expect(tar).toMatch(/ 0\/0 .* \.\/etc\/hello\.conf/);
    expect((await execa('tar', ['-tzf', `${name}.tgz`])).stdout).toContain('./etc/hello.conf');
    expect((await execa('unsquashfs', ['-lls', `${name}.squash`])).stdout).toMatch(/root\/root .*etc\/hello\.conf/);
    const manifest = JSON.parse((await execa('tar', ['-xOf', `${name}.docker.tar`, 'manifest.json'])).stdout) as { RepoTags: string[]; Layers: string[] }[];
    expect(manifest[0]!.RepoTags).toEqual(['tiny:latest']);
    expect(manifest[0]!.Layers).toHaveLength(1);
  });

  it('writes checksums that md5sum and sha256sum verify', async () => {
    await execa('sha256sum', ['-c', 'tiny.qcow2.sha256'], { cwd: out });
    await execa('md5sum', ['-c', 'tiny.raw.md5'], { cwd: out });
  });

  it('passes only --envvar variables, to the host phase and the guest phases alike', () => {
    const tarText = (file: string) => execa('tar', ['-xOf', `${name}.tar`, `./etc/env-probe/${file}`]).then((r) => r.stdout);
    return Promise.all(['extra-data', 'root', 'install'].map(tarText)).then((envs) => {
      for (const env of envs) {
        expect(env).toContain('KILN_CARRIED=carried-value');
        expect(env).toContain('KILN_GREETING=hi');
        expect(env).not.toContain('must-not-leak');
        expect(env).toContain('IMAGE_NAME=tiny');
      }
    });
  });

  it('reports a failing element script with its tail, leaves no output and no VM', async () => {
    const failName = join(out, 'broken');
    const r = await kiln(['build', '-n', '-p', tinyElements, '-o', failName, 'tiny-os', 'failing-script']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('element failing-script: install.d/50-fail exited with status 3');
    expect(r.stderr).toContain('failing-script line 30');
    expect(r.stderr).toContain('about to fail');
    expect(r.stderr).not.toContain('failing-script line 10\n');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(out).filter((f) => f.startsWith('broken') || f.startsWith('.kiln-build'))).toEqual([]);
    expect(await leftovers(before)).toEqual([]);
  }, 300_000);
});

it('two builds at once on one helper drive: both succeed on overlays of their own, neither waits, one lineage is merged back; the drive passes e2fsck -fn', async () => {
  const drive = join(out, 'helper.qcow2');
  const one = (n: string) => kiln(['build', '-n', '-p', tinyElements, '--drive', drive, '-o', join(out, n), 'tiny-os', 'hello-config']);
  const results = await Promise.all([one('c1'), one('c2')]);
  for (const r of results) expect(r.exitCode, r.all).toBe(0);
  expect(results.filter((r) => /waiting for it/.test(r.stderr))).toEqual([]);
  // each says what became of its additions; at least one's are in the drive
  for (const r of results) expect(r.stderr).toMatch(/helper drive: (merged this build's additions|.*this build's additions are dropped)/);
  expect(results.filter((r) => /helper drive: merged this build's additions/.test(r.stderr)).length).toBeGreaterThanOrEqual(1);
  // the lock file stays beside the drive (flock): what counts is that nobody holds it
  expect(isLocked(`${drive}.lock`)).toBe(false);
  // the drive holds ext4 on the whole disk: check it read-only through a raw copy (no root)
  const raw = join(out, 'helper.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', drive, raw]);
  const fsck = await execa('e2fsck', ['-fn', raw], { reject: false });
  expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
  rmSync(raw);
}, 600_000);

it('an interrupted build (SIGINT) leaves no build directory, no output, not the output dir it made, no lock and no VM', async () => {
  const dir = join(out, 'interrupted');
  const drive = join(out, 'int-helper.qcow2');
  const child = execa('node', [kilnBin, 'build', '-n', '-p', tinyElements, '--drive', drive, '-o', join(dir, 'x'), 'tiny-os', 'hello-config'], { reject: false, all: true, buffer: true });
  await new Promise<void>((resolve) => {
    child.all!.on('data', (c: Buffer) => {
      if (c.toString().includes('root.d')) resolve();
    });
  });
  child.kill('SIGINT');
  const r = await child;
  expect(r.exitCode, r.all).toBe(130);
  // kiln made the output dir: it goes with the build, whether kiln exits before the build unwinds or after
  expect(existsSync(dir), existsSync(dir) ? readdirSync(dir).join(' ') : '').toBe(false);
  // the lock file stays beside the drive (flock): what counts is that nobody holds it
  expect(isLocked(`${drive}.lock`)).toBe(false);
  expect(await leftovers(before)).toEqual([]);
}, 300_000);

it('leaves no QEMU process and no temp dir after the builds', async () => {
  expect(await leftovers(before)).toEqual([]);
});
