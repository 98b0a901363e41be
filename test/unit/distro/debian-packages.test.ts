// What the host prefetches for a Debian build: package-installs through pkg-map, plus what
// DIB's element scripts install by name, and how DIB's debootstrap is pointed at the result.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianPackageSet, mapPackage } from '../../../src/distro/debian-packages.js';
import { aptSourcesConf, seedAptArchives, upstreamRepoDefaults } from '../../../src/distro/debian-upstream.js';
import { flattenPkgMap } from '../../../src/elements/package-installs.js';
import { dib, noDibReason } from '../elements/dib-oracle.js';

const bookworm = { distro: 'debian', family: 'debian', release: 'bookworm' };

describe('mapPackage (DIB pkg-map precedence)', () => {
  const map = flattenPkgMap(
    {
      default: { growpart: 'cloud-utils-default', 'dhcp-client': 'isc-dhcp-client', ndisc6: '' },
      family: { debian: { growpart: 'cloud-utils', ndisc6: 'ndisc6' }, redhat: { growpart: 'cloud-utils-growpart' } },
      distro: { debian: { 'grub-efi': 'grub-efi grub-pc-bin' } },
      release: { debian: { bullseye: { growpart: 'old' } } },
    },
    'e',
  );
  it('release > distro > family > default > the name itself', () => {
    expect(mapPackage(map, 'growpart', bookworm)).toEqual(['cloud-utils']);
    expect(mapPackage(map, 'growpart', { ...bookworm, release: 'bullseye' })).toEqual(['old']);
    expect(mapPackage(map, 'dhcp-client', bookworm)).toEqual(['isc-dhcp-client']);
    expect(mapPackage(map, 'grub-efi', bookworm)).toEqual(['grub-efi', 'grub-pc-bin']);
    expect(mapPackage(map, 'less', bookworm)).toEqual(['less']);
    expect(mapPackage(map, 'ndisc6', { distro: 'fedora', family: 'redhat', release: '40' })).toEqual([]);
  });
});

describe.skipIf(!dib)(`debianPackageSet over DIB's own elements${dib ? '' : ` (${noDibReason})`}`, () => {
  const els = ['base', 'bootloader', 'debian-minimal', 'debootstrap', 'dhcp-all-interfaces', 'growroot'].map((name) => ({ name, path: join(dib!.elementsDir, name) }));
  it('maps package-installs through each element\'s pkg-map and adds what DIB scripts install by name', () => {
    const set = debianPackageSet(els, { arch: 'amd64', distro: bookworm, isBuiltin: () => false });
    expect(set).toEqual(expect.arrayContaining(['isc-dhcp-client', 'ifupdown', 'ndisc6', 'cloud-utils', 'linux-image-amd64', 'locales', 'grub-pc', 'python3', 'open-iscsi']));
    expect(set).not.toContain('dhcp-client');
    expect(set).not.toContain('cloud-initramfs-growroot'); // mapped to nothing but on bullseye
    expect(set).not.toContain('linux-image-arm64');
  });
  it('adds nothing by name for kiln\'s own elements', () => {
    expect(debianPackageSet(els, { arch: 'amd64', distro: bookworm, isBuiltin: () => true })).not.toContain('software-properties-common');
  });
});

describe('DIB debootstrap on the local repository', () => {
  const real = { mirror: 'http://deb.debian.org/debian', securityMirror: 'http://deb.debian.org/debian-security', suite: 'bookworm', components: ['main', 'contrib'] };
  it('the image keeps the real mirror in its sources, debootstrap reads the repository', () => {
    // DIB_RELEASE is the elements' own (the repository is made for the release they ask for)
    const d = upstreamRepoDefaults({}, real);
    expect(d).toEqual({
      DIB_APT_SOURCES_CONF:
        'default:deb http://deb.debian.org/debian bookworm main contrib\nupdates:deb http://deb.debian.org/debian bookworm-updates main contrib\nsecurity:deb http://deb.debian.org/debian-security bookworm-security main contrib',
      DIB_DISTRIBUTION_MIRROR: 'file:///kiln/repo',
      DIB_DEBOOTSTRAP_EXTRA_ARGS: '--no-check-gpg',
    });
  });
  it("keeps the user's release and sources, extends their debootstrap args", () => {
    const d = upstreamRepoDefaults({ DIB_RELEASE: 'trixie', DIB_APT_SOURCES_CONF: 'x:deb y z', DIB_DEBOOTSTRAP_EXTRA_ARGS: '--foo' }, { ...real, suite: 'trixie' });
    expect(d.DIB_RELEASE).toBeUndefined(); // the user's own stays in the user's layer
    expect(d.DIB_APT_SOURCES_CONF).toBe('x:deb y z');
    expect(d.DIB_DEBOOTSTRAP_EXTRA_ARGS).toBe('--foo --no-check-gpg');
  });
  it('leaves everything alone when the user names a mirror through DIB_DEBIAN_DISTRIBUTION_MIRROR', () => {
    expect(upstreamRepoDefaults({ DIB_DEBIAN_DISTRIBUTION_MIRROR: 'http://m/debian' }, real)).toEqual({});
  });
  it('testing and unstable have no -updates or -security', () => {
    expect(aptSourcesConf({ ...real, suite: 'sid', components: ['main'] })).toBe('default:deb http://deb.debian.org/debian sid main');
  });
  it('seeds apt\'s archives from the repository, never failing on an empty one', () => {
    expect(seedAptArchives('/kiln/build/mnt')).toBe('set -e\nmkdir -p /kiln/build/mnt/var/cache/apt/archives\ncp -n /kiln/repo/archives/*.deb /kiln/build/mnt/var/cache/apt/archives/ 2>/dev/null || true\n');
  });
});

describe('the release of a Debian build', () => {
  it("is the user's, else the one the elements ask for, else today's stable (trixie)", async () => {
    const { debianArchive, DEBIAN_DEFAULT_RELEASE } = await import('../../../src/distro/debian.js');
    expect(debianArchive({ DIB_RELEASE: 'bookworm' }, 'stable').suite).toBe('bookworm');
    expect(debianArchive({}, 'stable').suite).toBe('stable');
    expect(debianArchive({}).suite).toBe(DEBIAN_DEFAULT_RELEASE);
    expect(DEBIAN_DEFAULT_RELEASE).toBe('trixie');
  });
});
