// The Debian packages a build will install, for the host-native package step
// (local-repo.ts): every element's package-installs entries, translated through that
// element's pkg-map as DIB's package-installs does in the chroot, plus what elements outside
// kiln install by name from their scripts. Names the index does not know are skipped later,
// so a condition decided only in the chroot (when:, installtype:) costs at most an unused
// download, and a missed name only a download in the guest.
import { squashPackageInstalls } from '../elements/package-installs.js';
import type { ElementRef } from '../elements/index.js';

/**
 * Packages DIB's elements install from their scripts rather than package-installs.yaml
 * (DIB 3.13): debian-minimal root.d/75-debian-minimal-baseinstall, base pre-install.d and
 * install.d (`-m base iscsi_package`), bootloader finalise.d (`-m bootloader grub-pc`).
 * Used only for elements that are not kiln's own (kiln's elements need none of it).
 */
export const SCRIPT_INSTALLS: Readonly<Record<string, readonly string[]>> = {
  'debian-minimal': ['systemd-sysv', 'busybox', 'sudo', 'gnupg2', 'python3'],
  base: ['software-properties-common', 'apt-transport-https', 'open-iscsi'],
  bootloader: ['grub-pc'],
};

export interface Distro {
  distro: string;
  /** DIB's os_family: debian for debian and ubuntu. */
  family: string;
  release: string;
}

/**
 * DIB's pkg-map lookup on kiln's flattened map (SCOPE \t NAME \t MAPPED lines, see
 * flattenPkgMap): release > distro > family > default, the name itself when unmapped;
 * a mapping may name several packages or none.
 */
export function mapPackage(flatMap: string, name: string, d: Distro): string[] {
  const scopes = [`release:${d.distro}:${d.release}`, `distro:${d.distro}`, `family:${d.family}`, 'default'];
  let best: { rank: number; value: string } | undefined;
  for (const line of flatMap.split('\n')) {
    const [scope, key, value = ''] = line.split('\t');
    if (key !== name) continue;
    const rank = scopes.indexOf(scope ?? '');
    if (rank >= 0 && (!best || rank < best.rank)) best = { rank, value };
  }
  return (best ? best.value : name).split(/\s+/).filter(Boolean);
}

/** Every package name the elements' package-installs and (for others' elements) scripts install. */
export function debianPackageSet(elements: readonly ElementRef[], o: { arch: string; distro: Distro; isBuiltin: (e: ElementRef) => boolean }): string[] {
  const squashed = squashPackageInstalls(elements, { arch: o.arch });
  const names = new Set<string>();
  for (const phase of Object.values(squashed.phases)) {
    for (const entry of phase.install) {
      const map = squashed.files[`kiln-pkg-map/${entry.element}`] ?? '';
      for (const n of mapPackage(map, entry.pkg, o.distro)) names.add(n);
    }
  }
  for (const e of elements) {
    if (!o.isBuiltin(e)) for (const n of SCRIPT_INSTALLS[e.name] ?? []) names.add(n);
  }
  return [...names];
}
