import { describe, expect, it } from 'vitest';
import { parseEnvvar, redactor, userEnvironment } from '../../../src/env/envvar.js';
import { guestEnvironment, hostEnvironment, type DibSettings } from '../../../src/env/dib.js';
import { phaseTable } from '../../../src/phases/table.js';
import { quote } from '../../../src/env/quote.js';

const settings: DibSettings = {
  imageName: 'img',
  arch: 'amd64',
  imageElement: 'a b',
  imageElementYaml: 'a: /x\n',
  elementsPath: '/e',
  offline: false,
  debugTrace: 0,
  installType: 'source',
  blockDevice: { DIB_ROOT_LABEL: 'cloudimg-rootfs' },
  user: { FOO: 'bar' },
};

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
  });
});

describe('DIB environment', () => {
  it('gives guest phases the guest paths, TARGET_ROOT outside the chroot only, and the user variables', () => {
    const root = guestEnvironment(settings, phaseTable.root);
    expect(root).toMatchObject({ TARGET_ROOT: '/kiln/build/mnt', TMP_HOOKS_PATH: '/kiln/build/hooks', DIB_IMAGE_CACHE: '/kiln/cache', _LIB: '/kiln/lib', IMAGE_NAME: 'img', ARCH: 'amd64', FOO: 'bar', DIB_ROOT_LABEL: 'cloudimg-rootfs' });
    expect(guestEnvironment(settings, phaseTable.install).TARGET_ROOT).toBeUndefined();
    expect(root.DIB_OFFLINE).toBe('');
    expect(guestEnvironment({ ...settings, offline: true }, phaseTable.root).DIB_OFFLINE).toBe('1');
    expect(root.SOURCE_DATE_EPOCH).toBeUndefined();
    expect(guestEnvironment({ ...settings, sourceDateEpoch: 1700000000 }, phaseTable.install).SOURCE_DATE_EPOCH).toBe('1700000000');
  });

  it('gives extra-data.d the host paths and nothing from the host environment', () => {
    const env = hostEnvironment(settings, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/c', path: '/bin', home: '/home/u' });
    expect(env).toMatchObject({ TMP_HOOKS_PATH: '/h', TARGET_ROOT: '/t', _LIB: '/l', PATH: '/bin', FOO: 'bar' });
    expect(Object.keys(env)).not.toContain('USER');
  });
});

describe('quote', () => {
  it('leaves plain words and quotes the rest', () => {
    expect(quote('/a/b-c_1.x')).toBe('/a/b-c_1.x');
    expect(quote("a b'c")).toBe("'a b'\\''c'");
    expect(quote('')).toBe("''");
  });
});
