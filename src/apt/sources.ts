// A Debian archive as kiln uses it — the appliance's packages, a build's local repository,
// the image's own apt sources — in one shape, and the apt source lines it stands for.
import type { AptSource } from './private-apt.js';

export interface Archive {
  /** e.g. http://deb.debian.org/debian */
  mirror: string;
  securityMirror: string;
  /** The release: a codename (trixie) or a suite (stable, sid). */
  suite: string;
  components: string[];
  /** The keyring that signs the mirror's Release files. */
  keyring: string;
}

/** Debian's own archive: what kiln uses when nobody names another. */
export const DEBIAN_ARCHIVE: Omit<Archive, 'suite'> = {
  mirror: 'http://deb.debian.org/debian',
  securityMirror: 'http://deb.debian.org/debian-security',
  components: ['main'],
  keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
};

/** Releases that have no -updates or -security suites of their own. */
export function isRolling(suite: string): boolean {
  return ['testing', 'unstable', 'sid', 'experimental'].includes(suite);
}

/** The release, its -updates and its -security suite (only the release for rolling ones). */
export function archiveSources(a: Archive): AptSource[] {
  const line = (mirror: string, suite: string): AptSource => ({ mirror, suite, components: a.components, keyring: a.keyring });
  if (isRolling(a.suite)) return [line(a.mirror, a.suite)];
  return [line(a.mirror, a.suite), line(a.mirror, `${a.suite}-updates`), line(a.securityMirror, `${a.suite}-security`)];
}
