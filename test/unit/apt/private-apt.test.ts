// apt pointed at a private root: what it is told, and how downloaded files are named.
import { describe, expect, it } from 'vitest';
import { aptOptions, parseDebFilename, renderSourcesList } from '../../../src/apt/private-apt.js';

describe('parseDebFilename', () => {
  it('splits name_version_arch.deb', () => {
    expect(parseDebFilename('busybox-static_1%3a1.35.0-4+b3_amd64.deb')).toEqual({ name: 'busybox-static', version: '1:1.35.0-4+b3', arch: 'amd64' });
    expect(parseDebFilename('libc6_2.36-9+deb12u10_amd64.deb')).toEqual({ name: 'libc6', version: '2.36-9+deb12u10', arch: 'amd64' });
    expect(parseDebFilename('tzdata_2025b-0+deb12u1_all.deb')).toEqual({ name: 'tzdata', version: '2025b-0+deb12u1', arch: 'all' });
  });

  it('rejects anything else', () => {
    expect(() => parseDebFilename('README')).toThrow(/not a Debian package file name: README/);
    expect(() => parseDebFilename('a_b.deb')).toThrow();
    expect(() => parseDebFilename('a_b_c_d.deb')).toThrow();
  });
});

describe('renderSourcesList', () => {
  it('one signed-by line per source', () => {
    expect(
      renderSourcesList([
        { mirror: 'http://deb.debian.org/debian', suite: 'bookworm', components: ['main'], keyring: '/k.gpg' },
        { mirror: 'http://m/debian-security', suite: 'bookworm-security', components: ['main', 'contrib'], keyring: '/k.gpg' },
      ]),
    ).toBe('deb [signed-by=/k.gpg] http://deb.debian.org/debian bookworm main\ndeb [signed-by=/k.gpg] http://m/debian-security bookworm-security main contrib\n');
  });
});

describe('aptOptions', () => {
  const opts = (asRoot: boolean) => {
    const a = aptOptions('/p', 'amd64', asRoot);
    const m = new Map<string, string>();
    for (let i = 0; i < a.length; i += 2) {
      expect(a[i]).toBe('-o');
      const [k, ...v] = a[i + 1]!.split('=');
      m.set(k!, v.join('='));
    }
    return m;
  };

  it('keeps every piece of apt state under the private root and off the host', () => {
    const o = opts(false);
    expect(o.get('Dir::State')).toBe('/p/state');
    expect(o.get('Dir::State::status')).toBe('/p/status');
    expect(o.get('Dir::Cache')).toBe('/p/cache');
    expect(o.get('Dir::Etc')).toBe('/p/etc');
    expect(o.get('Dir::Log')).toBe('/p/log');
    expect(o.get('Debug::NoLocking')).toBe('1');
    for (const v of o.values()) expect(v.startsWith('/var') || v.startsWith('/etc')).toBe(false);
  });

  it('one architecture, no recommends or suggests, no translations', () => {
    const o = opts(false);
    expect(o.get('APT::Architecture')).toBe('amd64');
    expect(o.get('APT::Architectures')).toBe('amd64');
    expect(o.get('APT::Install-Recommends')).toBe('false');
    expect(o.get('APT::Install-Suggests')).toBe('false');
    expect(o.get('Acquire::Languages')).toBe('none');
  });

  it('as root, apt must not drop to _apt (it could not write the private root)', () => {
    expect(opts(true).get('APT::Sandbox::User')).toBe('root');
    expect(opts(false).has('APT::Sandbox::User')).toBe(false);
  });
});
