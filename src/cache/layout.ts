// Where kiln keeps its caches on the host, in one place: `kiln build`, `kiln cache` and the
// appliance store all ask here, so what `cache info` reports and `cache clear` removes is
// what builds write. Everything under the cache dir is private to its user (0700 / 0600):
// it holds package downloads and images that other local users have no business reading.
import { statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** $XDG_CACHE_HOME/kiln, else ~/.cache/kiln; KILN_CACHE_DIR overrides both (tests, CI). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CACHE_DIR) return resolve(env.KILN_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'kiln');
}

export interface CacheLayout {
  root: string;
  /** Built appliances, content-addressed (src/appliance/store.ts). */
  appliances: string;
  /** The default helper drive (qcow2, ext4 inside): debootstrap trees, apt's cache, initramfs. */
  helperDrive: string;
  /** apt's private state and downloads per mirror, release and architecture (src/apt/). */
  apt: string;
  /** Local repository images, one per package set (src/apt/local-repo.ts). */
  repoImages: string;
  /** Debs with uncompressed data, what debootstrap installs from the local repository. */
  debsUncompressed: string;
  /** DIB_IMAGE_CACHE of extra-data.d on the host (cloud images, git repos elements fetch). */
  imageCache: string;
  /** Whether KVM worked on this host before (src/vm/accel.ts). */
  accelVerdicts: string;
  /** Held while apt fills the host caches and while `kiln cache` exports, imports or prunes them. */
  hostLock: string;
}

export function cacheLayout(env: NodeJS.ProcessEnv = process.env): CacheLayout {
  const root = cacheDir(env);
  return {
    root,
    appliances: join(root, 'appliance'),
    helperDrive: join(root, 'helper.qcow2'),
    apt: join(root, 'apt'),
    repoImages: join(root, 'repo-images'),
    debsUncompressed: join(root, 'debs-uncompressed'),
    imageCache: join(root, 'image-cache'),
    accelVerdicts: join(root, 'accel-verdicts.json'),
    hostLock: join(root, 'host-caches.lock'),
  };
}

/** The host caches builds fill besides the helper drive: what `kiln cache clear` removes. */
export const HOST_CACHES = ['apt', 'debsUncompressed', 'repoImages', 'imageCache'] as const satisfies readonly (keyof CacheLayout)[];

/**
 * mkdir -p of a directory of kiln's own (the cache dir and what is in it), private to the user.
 * One that already exists is made private only when it is the user's and deep enough to be
 * nobody else's business: a KILN_CACHE_DIR or --drive pointing at /tmp, /dev or a home dir
 * must never take those away from everyone else.
 */
export async function privateDir(path: string): Promise<string> {
  const made = await mkdir(path, { recursive: true, mode: 0o700 });
  if (made === undefined && ownedDeepDir(path)) await chmod(path, 0o700).catch(() => {});
  return path;
}

function ownedDeepDir(path: string): boolean {
  const abs = resolve(path);
  if (abs.split('/').filter(Boolean).length < 3 || abs === resolve(homedir())) return false;
  try {
    return statSync(abs).uid === process.getuid?.();
  } catch {
    return false;
  }
}
