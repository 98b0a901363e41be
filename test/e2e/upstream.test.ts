// diskimage-builder's own elements, unchanged, built by kiln and booted: Debian's
// python3-diskimage-builder (DIB 3.13) on -p ahead of kiln's built-in elements of the same
// names, plus an element of the user's with a package-installs.yaml (DIB's package-installs
// installs it; its install.d fails the build if the packages are missing). Runs after
// debian.test.ts (vitest.config.ts orders the files), so the appliance and the host's
// package downloads are warm; run alone, it is correct, only slower.
// kiln adds its kiln-initramfs element (DIB's dpkg element would let every kernel and hook
// package make an initramfs under emulation): the generic kernel's is made once. About 10
// minutes on an idle 2-core TCG host. KILN_E2E_UPSTREAM=0 skips it.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dib, noDibReason } from '../unit/elements/dib-oracle.js';
import { BOOT_TIMEOUT_MS, expectLogin, kiln, leftovers, repo, snapshotLeftovers } from './helpers.js';

/** The upstream elements of the build; the closing list of what was tried lives in docs/upstream-elements.md. */
const ELEMENTS = ['debian-minimal', 'vm', 'devuser', 'cloud-init-datasources', 'dhcp-all-interfaces', 'growroot', 'kiln-packages'];

const before = await snapshotLeftovers();
let out = '';
let name = '';
let build: Awaited<ReturnType<typeof kiln>>;

const why = !dib ? ` (${noDibReason})` : process.env.KILN_E2E_UPSTREAM === '0' ? ' (KILN_E2E_UPSTREAM=0)' : '';
describe.skipIf(why !== '')(`kiln build with DIB's elements${why}`, () => {
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'kiln-e2e-upstream-'));
    name = join(out, 'up');
    const t0 = performance.now();
    // DIB's cloud-init-datasources fails without it; nothing of the host's environment is passed
    const env = ['--envvar', 'DIB_CLOUD_INIT_DATASOURCES=NoCloud,ConfigDrive'];
    build = await kiln(['build', '-p', dib!.elementsDir, '-p', join(repo, 'test/fixtures/elements/upstream'), '-o', name, '-t', 'qcow2,tar', ...env, '--logfile', join(out, 'build.log'), ...ELEMENTS]);
    console.log(`build of DIB's ${ELEMENTS.join(' ')}: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
  }, 2_400_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds, with DIB\'s elements ahead of kiln\'s', () => {
    if (build.exitCode !== 0) console.log(existsSync(join(out, 'build.log')) ? readFileSync(join(out, 'build.log'), 'utf8').slice(-8000) : build.all);
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
    expect(build.stderr).toContain(`element debootstrap: using ${dib!.elementsDir}/debootstrap`);
    expect(build.stderr).toContain("pointed at kiln's local repository");
    expect(build.stderr).toContain("adding kiln's kiln-initramfs");
    expect(existsSync(`${name}.qcow2`)).toBe(true);
  });

  it("has the user's packages, DIB's devuser and real apt sources (not kiln's local repository)", async () => {
    const files = (await execa('tar', ['-tf', `${name}.tar`])).stdout.split('\n');
    expect(files).toContain('./usr/bin/tree');
    expect(files).toContain('./etc/kiln-packages');
    expect(files).toContain('./home/devuser/');
    // DIB's growroot and dhcp-all-interfaces, installed and enabled
    expect(files).toContain('./usr/local/sbin/growroot');
    expect(files).toContain('./etc/systemd/system/multi-user.target.wants/growroot.service');
    expect(files).toContain('./usr/local/sbin/dhcp-all-interfaces.sh');
    expect(files).toContain('./etc/udev/rules.d/99-dhcp-all-interfaces.rules');
    const sources = (await execa('tar', ['-xOf', `${name}.tar`, './etc/apt/sources.list.d/default.list'])).stdout;
    expect(sources).toMatch(/^deb http:\/\/deb\.debian\.org\/debian bookworm main/);
    const env = readFileSync(`${name}.d/dib_environment`, 'utf8');
    expect(env).toContain('DIB_DISTRIBUTION_MIRROR=file:///kiln/repo');
    expect(env).toContain('DIB_CLOUD_INIT_DATASOURCES=NoCloud,ConfigDrive');
  });

  it('boots to a login prompt (kiln boot)', () => expectLogin(`${name}.qcow2`), BOOT_TIMEOUT_MS);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
