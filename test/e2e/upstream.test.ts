// diskimage-builder's own elements, unchanged, built by kiln and booted: today's DIB (sid's
// python3-diskimage-builder, 3.40.x, unpacked by scripts/dib-oracles) on -p ahead of kiln's
// built-in elements of the same names, with no DIB_RELEASE given, so DIB's debian-minimal asks
// for `stable` and kiln's local repository is made for it: a trixie image (named trixie where
// the mirror's stable alias has expired, see stableAliasUsable). Plus an element of
// the user's with a package-installs.yaml (DIB's package-installs installs it; its install.d
// fails the build if the packages are missing). Runs after debian.test.ts (vitest.config.ts
// orders the files), so the appliance is warm; alone, it is correct, only slower.
// KILN_E2E_UPSTREAM=0 skips it; KILN_E2E_UPSTREAM=all also builds with trixie's and bookworm's DIB.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dibOracles, type DibOracle } from '../support/dib-oracles.js';
import { stableAliasUsable } from '../support/mirror.mjs';
import { BOOT_TIMEOUT_MS, expectLogin, kiln, leftovers, printLogOnFailure, repo, snapshotLeftovers } from './helpers.js';

const ELEMENTS = ['debian-minimal', 'vm', 'devuser', 'growroot', 'cloud-init-datasources', 'dhcp-all-interfaces', 'kiln-packages'];
const mode = process.env.KILN_E2E_UPSTREAM ?? 'sid';
const { oracles, missing } = mode === '0' ? { oracles: [], missing: [] } : dibOracles();
const chosen = oracles.filter((o) => mode === 'all' || o.suite === mode);
const before = await snapshotLeftovers();

// DIB's debian-minimal asks for `stable`; where the mirror's alias has expired (this
// machine's), the release is given by its codename: the same trixie, only named. The unit
// tests read `stable` from DIB's environment.d regardless.
const stableUsable = chosen.length > 0 ? await stableAliasUsable() : true;
if (!stableUsable) console.log("upstream e2e: the mirror's stable-security has expired here; DIB's debian-minimal gets DIB_RELEASE=trixie");

describe.skipIf(chosen.length === 0)(`kiln build with DIB's elements${chosen.length ? '' : ` (skipped: KILN_E2E_UPSTREAM=${mode}${missing.length ? `; ${missing.join('; ')}` : ''})`}`, () => {
  for (const dib of chosen) describeOne(dib);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});

function describeOne(dib: DibOracle): void {
  // bookworm's DIB 3.13 cannot build trixie (its debian-minimal knows no trixie security path)
  const suite = dib.suite === 'bookworm' ? 'bookworm' : stableUsable ? 'stable' : 'trixie';
  const release = suite === 'stable' ? [] : ['--envvar', `DIB_RELEASE=${suite}`];
  const expectRelease = dib.suite === 'bookworm' ? /^12(\.|$)/ : /^13(\.|$)/;
  let out = '';
  let name = '';
  let build: Awaited<ReturnType<typeof kiln>>;

  describe(`DIB ${dib.version} (${dib.suite}): ${ELEMENTS.join(' ')}`, () => {
    beforeAll(async () => {
      out = mkdtempSync(join(tmpdir(), `kiln-e2e-upstream-${dib.suite}-`));
      name = join(out, 'up');
      const t0 = performance.now();
      const env = [
        // DIB's cloud-init-datasources fails without it; nothing of the host's environment is passed
        '--envvar', 'DIB_CLOUD_INIT_DATASOURCES=NoCloud,ConfigDrive',
        // DIB's default security mirror is security.debian.org; this machine reaches deb.debian.org only
        '--envvar', 'DIB_DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security',
        ...release,
      ];
      build = await kiln(['build', '-p', dib.elementsDir, '-p', join(repo, 'test/fixtures/elements/upstream'), '-o', name, '-t', 'qcow2,tar', ...env, '--logfile', join(out, 'build.log'), ...ELEMENTS]);
      console.log(`build of DIB ${dib.version}'s ${ELEMENTS.join(' ')}: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
    }, 2_400_000);

    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("builds, with DIB's elements ahead of kiln's", () => {
      printLogOnFailure(build, join(out, 'build.log'));
      expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
      expect(build.stderr).toContain(`element debootstrap: using ${dib.elementsDir}/debootstrap`);
      expect(build.stderr).toContain("pointed at kiln's local repository");
      expect(build.stderr).toContain("adding kiln's kiln-initramfs");
      expect(existsSync(`${name}.qcow2`)).toBe(true);
    });

    it(`is the release DIB's debian-minimal asks for, with real apt sources (not kiln's local repository)`, async () => {
      const version = (await execa('tar', ['-xOf', `${name}.tar`, './etc/debian_version'])).stdout.trim();
      expect(version).toMatch(expectRelease);
      const sources = (await execa('tar', ['-xOf', `${name}.tar`, './etc/apt/sources.list.d/default.list'])).stdout;
      expect(sources).toMatch(new RegExp(`^deb http://deb\\.debian\\.org/debian ${suite} main`, 'm'));
      // only what the user passed is recorded: none of kiln's own rewrites
      const env = readFileSync(`${name}.d/dib_environment`, 'utf8');
      expect(env).toContain('DIB_CLOUD_INIT_DATASOURCES=NoCloud,ConfigDrive');
      expect(env).not.toContain('file:///kiln/repo');
    });

    it("has the user's packages and DIB's devuser, growroot and dhcp-all-interfaces", async () => {
      const files = (await execa('tar', ['-tf', `${name}.tar`])).stdout.split('\n');
      expect(files).toContain('./usr/bin/tree');
      expect(files).toContain('./etc/kiln-packages');
      expect(files).toContain('./home/devuser/');
      expect(files).toContain('./usr/local/sbin/growroot');
      expect(files).toContain('./etc/systemd/system/multi-user.target.wants/growroot.service');
      expect(files).toContain('./usr/local/sbin/dhcp-all-interfaces.sh');
    });

    it('boots to a login prompt (kiln boot)', () => expectLogin(`${name}.qcow2`), BOOT_TIMEOUT_MS);
  });
}
