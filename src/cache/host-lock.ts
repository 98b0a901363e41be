// The host caches (apt's lists and downloads, the uncompressed debs, the repository images)
// are shared by every build of a user: apt runs there without its own locking, so one kiln at
// a time fills them, and `kiln cache export|import|prune` wait for that (it takes seconds once
// the cache is warm). Builds run side by side otherwise.
import type { Logger } from '../log.js';
import { lockOwner, tryLock, waitLock } from '../host/lock.js';
import { privateDir, type CacheLayout } from './layout.js';

export async function withHostCaches<T>(c: CacheLayout, log: Logger, why: string, fn: () => Promise<T>): Promise<T> {
  await privateDir(c.root);
  let lock = await tryLock(c.hostLock);
  if (!lock) {
    log.info(`waiting for another kiln (pid ${lockOwner(c.hostLock) ?? '?'}) to finish with the host package cache before ${why}`);
    lock = await waitLock(c.hostLock);
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
