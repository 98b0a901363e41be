import { describe, expect, it } from 'vitest';
import { parseEnvvar, redactor, userEnvironment } from '../../../src/env/envvar.js';
import { guestEnvironment, hostEnvironment, type DibSettings } from '../../../src/env/dib.js';
import { phaseTable } from '../../../src/elements/phases.js';
import { quote } from '../../../src/quote.js';
import { runHostScript } from '../../../src/host/run.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const settings: DibSettings = {
  imageName: 'img',
  arch: 'amd64',
  imageElement: 'a b',
  imageElementYaml: 'a: /x\n',
  elementsPath: '/e',
  offline: false,
  debugTrace: 0,
  installType: 'source',
  user: { FOO: 'bar', DIB_RELEASE: 'trixie' },
  kiln: { KILN_LOCAL_REPO: '/kiln/repo', DIB_DISTRIBUTION_MIRROR: 'file:///kiln/repo' },
};
const blockDevice = { DIB_ROOT_LABEL: 'cloudimg-rootfs' };

describe('--envvar', () => {
  it('parses NAME and NAME=VALUE (values may contain =)', () => {
    expect(parseEnvvar('HTTP_PROXY')).toEqual({ name: 'HTTP_PROXY' });
    expect(parseEnvvar('A=b=c')).toEqual({ name: 'A', value: 'b=c' });
  });

  it('rejects a bad name with a message naming it', () => {
    expect(() => parseEnvvar('1X=2')).toThrow(/"1X" is not a valid variable name/);
  });

  it('carries only named variables; --dib-env adds DIB_*', () => {
    const host = { A: '1', B: '2', DIB_RELEASE: 'trixie' };
    expect(userEnvironment([{ name: 'A' }, { name: 'MISSING' }, { name: 'C', value: '3' }], host)).toEqual({ A: '1', C: '3' });
    expect(userEnvironment([], host, true)).toEqual({ DIB_RELEASE: 'trixie' });
  });

  it('redacts secret values', () => {
    expect(redactor({ TOKEN: 's3cret' })('token is s3cret!')).toBe('token is ****!');
    expect(redactor({ PIN: 'q7' })('pin q7 set')).toBe('pin **** set');
  });
});

describe('DIB environment', () => {
  it('gives guest phases the guest paths, TARGET_ROOT outside the chroot only, and the user variables', () => {
    const root = guestEnvironment(settings, phaseTable.root, blockDevice);
    expect(root).toMatchObject({ TARGET_ROOT: '/kiln/build/mnt', TMP_HOOKS_PATH: '/kiln/build/hooks', DIB_IMAGE_CACHE: '/kiln/cache', _LIB: '/kiln/lib', IMAGE_NAME: 'img', ARCH: 'amd64', FOO: 'bar', DIB_ROOT_LABEL: 'cloudimg-rootfs' });
    expect(guestEnvironment(settings, phaseTable.install, blockDevice).TARGET_ROOT).toBeUndefined();
    expect(root.DIB_OFFLINE).toBe('');
    expect(guestEnvironment({ ...settings, offline: true }, phaseTable.root, blockDevice).DIB_OFFLINE).toBe('1');
    expect(root.SOURCE_DATE_EPOCH).toBeUndefined();
    expect(guestEnvironment({ ...settings, sourceDateEpoch: 1700000000 }, phaseTable.install, blockDevice).SOURCE_DATE_EPOCH).toBe('1700000000');
  });

  it("keeps the guest's DIB_IMAGE_CACHE and DIB_LOCKFILES when the caller's (host paths, carried by --dib-env) come along", () => {
    const user = { ...settings.user, DIB_IMAGE_CACHE: '/home/ci/.cache/image-create', DIB_LOCKFILES: '/home/ci/.cache/dib/lockfiles' };
    expect(guestEnvironment({ ...settings, user }, phaseTable.root, blockDevice)).toMatchObject({ DIB_IMAGE_CACHE: '/kiln/cache', DIB_LOCKFILES: '/kiln/build' });
    // on the host (extra-data.d) the caller's image cache is the one DIB would use
    const host = hostEnvironment({ ...settings, user }, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/kiln-cache/image-cache', path: '/bin', home: '/root' }, blockDevice);
    expect(host.DIB_IMAGE_CACHE).toBe('/home/ci/.cache/image-create');
  });

  it("puts kiln's own variables above the user's, and keeps DIB_ENV to the user's", () => {
    const env = guestEnvironment({ ...settings, user: { ...settings.user, DIB_DISTRIBUTION_MIRROR: 'http://mine' } }, phaseTable.root, blockDevice);
    expect(env.DIB_DISTRIBUTION_MIRROR).toBe('file:///kiln/repo');
    expect(env.KILN_LOCAL_REPO).toBe('/kiln/repo');
    expect(env.DIB_ENV).toContain('declare -x DIB_DISTRIBUTION_MIRROR="http://mine"');
    expect(env.DIB_ENV).toContain('declare -x DIB_RELEASE="trixie"');
    expect(env.DIB_ENV).not.toContain('file:///kiln/repo');
  });

  it('gives extra-data.d the host paths, and a host script sees nothing of the host environment', async () => {
    const env = hostEnvironment(settings, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/c', path: '/usr/bin:/bin', home: '/home/u' }, blockDevice);
    expect(env).toMatchObject({ TMP_HOOKS_PATH: '/h', TARGET_ROOT: '/t', _LIB: '/l', PATH: '/usr/bin:/bin', FOO: 'bar' });
    // the real guard is in how the script is run: a variable of kiln's own process must not reach it
    const dir = mkdtempSync(join(tmpdir(), 'kiln-env-'));
    try {
      const script = join(dir, 'show-env');
      writeFileSync(script, '#!/bin/bash\nenv\n', { mode: 0o755 });
      process.env.KILN_TEST_HOST_ONLY = 'leaked';
      let out = '';
      const r = await runHostScript(script, { env, environment: '', cwd: dir, onOutput: (c) => (out += c.toString()) });
      expect(r.exitCode).toBe(0);
      expect(out).toContain('FOO=bar');
      expect(out).toContain('TARGET_ROOT=/t');
      expect(out).not.toContain('KILN_TEST_HOST_ONLY');
      expect(out).not.toMatch(/^HOME=(?!\/home\/u$)/m);
    } finally {
      delete process.env.KILN_TEST_HOST_ONLY;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('quote', () => {
  it('leaves plain words and quotes the rest', () => {
    expect(quote('/a/b-c_1.x')).toBe('/a/b-c_1.x');
    expect(quote("a b'c")).toBe("'a b'\\''c'");
    expect(quote('')).toBe("''");
  });
});
