// The host packages kiln needs, read from scripts/host-packages (one list for scripts/setup and
// kiln doctor): per Debian package, what kiln runs or reads from it and the Fedora package of
// the same, and the one command that installs what is missing on this host.
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { findTool } from './tools.js';

export interface HostPackage {
  debian: string;
  fedora: string;
  /** Alternatives, each one or more programs (or absolute files) that must all be there. */
  provides: string[][];
  /** What kiln needs it for. */
  purpose: string;
  /** Only some builds need it (arm64 images): its lack is a warning, not a failure. */
  optional: boolean;
}

export const HOST_PACKAGES_FILE = join(packageRoot, 'scripts/host-packages');

/** Parse the list: `debian  a,b|c  fedora  [optional]  # purpose` per line; comments and blank lines skipped. */
export function parseHostPackages(text: string): HostPackage[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .map((l) => {
      const hash = l.indexOf('#');
      const [debian, provides, fedora, flag, ...rest] = (hash >= 0 ? l.slice(0, hash) : l).trim().split(/\s+/);
      if (!debian || !provides || !fedora || (flag !== undefined && flag !== 'optional') || rest.length) {
        throw new Error(`scripts/host-packages: want "debian-package what-it-provides fedora-package [optional]", got: ${l}`);
      }
      return { debian, fedora, provides: provides.split('|').map((alt) => alt.split(',')), purpose: hash >= 0 ? l.slice(hash + 1).trim() : '', optional: flag === 'optional' };
    });
}

export async function hostPackages(file = HOST_PACKAGES_FILE): Promise<HostPackage[]> {
  return parseHostPackages(await readFile(file, 'utf8'));
}

/** Whether a program (PATH or sbin) or an absolute file is there. */
async function present(what: string): Promise<boolean> {
  if (what.startsWith('/')) return access(what, constants.R_OK).then(() => true, () => false);
  return (await findTool(what)) !== undefined;
}

/** The packages of the list whose programs or files this host lacks (every alternative lacking something). */
export async function missingHostPackages(list: readonly HostPackage[]): Promise<HostPackage[]> {
  const lacking = await Promise.all(list.map(async (p) => !(await anyAsync(p.provides, async (alt) => (await Promise.all(alt.map(present))).every(Boolean)))));
  return list.filter((_, i) => lacking[i]);
}

async function anyAsync<T>(xs: readonly T[], f: (x: T) => Promise<boolean>): Promise<boolean> {
  for (const x of xs) if (await f(x)) return true;
  return false;
}

export type HostFamily = 'debian' | 'fedora' | 'unknown';

/** The family of the host, from /etc/os-release's ID and ID_LIKE (Ubuntu is Debian's, RHEL and CentOS Fedora's). */
export function hostFamily(osRelease: string): HostFamily {
  const field = (k: string) => new RegExp(`^${k}=["']?([^"'\\n]*)`, 'm').exec(osRelease)?.[1]?.toLowerCase().split(/\s+/) ?? [];
  const ids = [...field('ID'), ...field('ID_LIKE')];
  if (ids.some((i) => ['debian', 'ubuntu'].includes(i))) return 'debian';
  if (ids.some((i) => ['fedora', 'rhel', 'centos'].includes(i))) return 'fedora';
  return 'unknown';
}

export async function readHostFamily(file = '/etc/os-release'): Promise<HostFamily> {
  return hostFamily(await readFile(file, 'utf8').catch(() => ''));
}

/** The one command that installs `missing` on a host of `family` (as root: sudo when not). */
export function installCommand(family: Exclude<HostFamily, 'unknown'>, missing: readonly HostPackage[], asRoot: boolean): string {
  const sudo = asRoot ? '' : 'sudo ';
  if (family === 'debian') return `${sudo}apt-get install --no-install-recommends ${missing.map((p) => p.debian).join(' ')}`;
  return `${sudo}dnf install ${[...new Set(missing.map((p) => p.fedora))].join(' ')}`;
}
