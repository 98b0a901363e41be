// kiln where DIB's callers run it, for real: the executables `npm install -g` puts on PATH
// (disk-image-create with nodepool-builder's exact argument shape, element-info), DIB's YAML
// image file (two images built, --dry-run, --stop-on-failure), and a cache exported, imported
// into a fresh cache dir and used by an --offline Debian build. Runs after debian.test.ts
// (vitest.config.ts E2E_ORDER) and reuses its warm cache; alone it fills the cache first.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, leftovers, repo, snapshotLeftovers, tinyElements } from './helpers.js';

const before = await snapshotLeftovers();
const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-dib-compat-'));
const prefix = join(out, 'prefix');
/** The caller's environment: kiln's executables first on PATH, as after `npm install -g`. */
const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, ELEMENTS_PATH: tinyElements };
const run = (file: string, args: string[], extra: Record<string, string> = {}, cwd = out) => execa(file, args, { env: { ...env, ...extra }, cwd, reject: false, all: true, timeout: 1_800_000 });
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(0)}s`;

beforeAll(async () => {
  // a folder install links the package: its bin entries land in PREFIX/bin, executable
  const r = await execa('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', repo], { reject: false, all: true });
  expect(r.exitCode, r.all).toBe(0);
}, 300_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("DIB's executables, as npm install -g puts them on PATH", () => {
  it('puts disk-image-create, ramdisk-image-create, disk-image-get-kernel, element-info and diskimage-builder there, beside kiln and kiln-dib', () => {
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['disk-image-create', 'disk-image-get-kernel', 'diskimage-builder', 'element-info', 'kiln', 'kiln-dib', 'ramdisk-image-create']);
  });

  it('element-info expands from ELEMENTS_PATH, as DIB\'s', async () => {
    const r = await run('element-info', ['tiny-applets', 'hello-config']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.trim().split(' ').sort()).toEqual(['hello-config', 'tiny-applets', 'tiny-os']);
  });

  it("disk-image-create with nodepool-builder's argument shape builds the image, both formats and their checksums", async () => {
    const t0 = performance.now();
    const name = join(out, 'nodepool', 'tiny-0000000001');
    // nodepool-builder: DIB_* of its diskimage's env-vars, ELEMENTS_PATH, then this command line (base is added: no -n)
    const r = await run('disk-image-create', ['-x', '-t', 'qcow2,raw', '--checksum', '--no-tmpfs', '--qemu-img-options', 'compat=0.10', '-o', name, 'tiny-os', 'tiny-applets', 'hello-config'], { DIB_AVOID_PACKAGES_UPDATE: '1' });
    console.log(`disk-image-create (nodepool shape, tiny OS): ${seconds(t0)}`);
    expect(r.exitCode, r.all.slice(-4000)).toBe(0);
    for (const f of ['qcow2', 'raw', 'qcow2.md5', 'qcow2.sha256', 'raw.md5', 'raw.sha256']) expect(existsSync(`${name}.${f}`), f).toBe(true);
    // nodepool reads the first 32 / 64 characters of NAME.FORMAT.md5 / .sha256
    await execa('md5sum', ['-c', 'tiny-0000000001.qcow2.md5'], { cwd: join(out, 'nodepool') });
    await execa('sha256sum', ['-c', 'tiny-0000000001.raw.sha256'], { cwd: join(out, 'nodepool') });
    expect(readFileSync(`${name}.qcow2.md5`, 'utf8')).toMatch(/^[0-9a-f]{32}\s/);
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', `${name}.qcow2`])).stdout) as { 'format-specific': { data: { compat: string } } };
    expect(info['format-specific'].data.compat).toBe('0.10');
    // base came along (nodepool passes no -n), the caller's DIB_* reached the elements, -x traced their scripts
    expect((await execa('debugfs', ['-R', 'cat /etc/hostname', `${name}.raw`])).stdout.trim()).toBe('localhost');
    expect(readFileSync(join(`${name}.d`, 'dib_environment'), 'utf8')).toContain('DIB_AVOID_PACKAGES_UPDATE');
    expect(r.all).toMatch(/^\+ /m);
  }, 900_000);
});

describe("DIB's YAML image file", () => {
  const images = join(out, 'images.yaml');
  const failing = join(out, 'failing.yaml');

  beforeAll(() => {
    writeFileSync(
      images,
      `- imagename: ${join(out, 'yaml', 'one')}
  skip-base: true
  elements: [tiny-os, hello-config]
  environment:
    ELEMENTS_PATH: ${tinyElements}
- imagename: ${join(out, 'yaml', 'two')}
  skip-base: true
  types: [raw]
  checksum: true
- imagename: ${join(out, 'yaml', 'two')}
  elements: [tiny-os]
`,
    );
    writeFileSync(
      failing,
      `- imagename: ${join(out, 'fail', 'bad')}
  skip-base: true
  elements: [tiny-os, failing-script]
- imagename: ${join(out, 'fail', 'good')}
  skip-base: true
  elements: [tiny-os]
`,
    );
  });

  it('--dry-run prints each image\'s command and builds nothing (kiln build --file)', async () => {
    const r = await kiln(['build', '--file', images, '--dry-run']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      `ELEMENTS_PATH=${tinyElements} disk-image-create -o ${join(out, 'yaml', 'one')} -n tiny-os hello-config`,
      `disk-image-create -o ${join(out, 'yaml', 'two')} -t raw --checksum -n tiny-os`,
    ]);
    expect(existsSync(join(out, 'yaml'))).toBe(false);
  });

  it('diskimage-builder FILE builds both images, each as its entries say', async () => {
    const t0 = performance.now();
    const r = await run('diskimage-builder', [images]);
    console.log(`diskimage-builder, two tiny images: ${seconds(t0)}`);
    expect(r.exitCode, r.all.slice(-4000)).toBe(0);
    expect(existsSync(join(out, 'yaml', 'one.qcow2'))).toBe(true);
    expect(existsSync(join(out, 'yaml', 'two.raw'))).toBe(true);
    expect(existsSync(join(out, 'yaml', 'two.raw.sha256'))).toBe(true);
    expect(existsSync(join(out, 'yaml', 'two.qcow2'))).toBe(false);
  }, 900_000);

  it('--stop-on-failure stops at the failing image with a named error', async () => {
    const t0 = performance.now();
    const r = await run('diskimage-builder', ['--stop-on-failure', failing]);
    console.log(`diskimage-builder --stop-on-failure, a failing tiny image: ${seconds(t0)}`);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/element failing-script: install\.d\/\S+ exited with status/);
    expect(r.stderr).toContain(`kiln: error: image ${join(out, 'fail', 'bad')} failed (exit status 1); --stop-on-failure: not building ${join(out, 'fail', 'good')}`);
    expect(existsSync(join(out, 'fail', 'good.qcow2'))).toBe(false);
  }, 900_000);
});

describe('kiln cache export, import into a fresh cache dir, --offline build from it', () => {
  const archive = join(out, 'cache.tar');
  const fresh = join(out, 'fresh-cache');

  beforeAll(async () => {
    // alone (debian.test.ts not run before), the cache has no Debian packages yet: fill it once
    const lists = (await kiln(['cache', 'info'])).stdout;
    if (!/helper drive: .*\(/.test(lists) || /host caches:\s+0 MB/.test(lists)) {
      const fill = await kiln(['build', '-o', join(out, 'fill', 'debian'), 'debian-minimal', 'vm']);
      expect(fill.exitCode, fill.all.slice(-3000)).toBe(0);
    }
  }, 2_400_000);

  it('exports, imports, and builds debian-minimal vm --offline --no-network from the imported cache', async () => {
    let t0 = performance.now();
    const ex = await kiln(['cache', 'export', archive]);
    expect(ex.exitCode, ex.all).toBe(0);
    console.log(`cache export: ${seconds(t0)}, ${(statSync(archive).size / 1e6).toFixed(0)} MB: ${ex.stdout.trim()}`);
    t0 = performance.now();
    const im = await kiln(['cache', 'import', archive], { env: { KILN_CACHE_DIR: fresh } });
    expect(im.exitCode, im.all).toBe(0);
    console.log(`cache import: ${seconds(t0)}: ${im.stdout.trim()}`);
    rmSync(archive);
    t0 = performance.now();
    const name = join(out, 'offline', 'debian');
    const b = await kiln(['build', '--offline', '--no-network', '-o', name, 'debian-minimal', 'vm'], { env: { KILN_CACHE_DIR: fresh } });
    console.log(`--offline --no-network debian-minimal vm from the imported cache: ${seconds(t0)}`);
    expect(b.exitCode, b.all.slice(-4000)).toBe(0);
    expect(existsSync(`${name}.qcow2`)).toBe(true);
    expect(b.stderr).not.toMatch(/building the appliance|resolving \d+ appliance packages/);
  }, 2_400_000);
});

describe('afterwards', () => {
  it('leaves no QEMU and no temp dirs behind', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
