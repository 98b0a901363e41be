// The builder's scratch directory in the store, .build-<pid>-XXXXXX: removed when the build
// ends, when kiln is interrupted (SIGINT/SIGTERM/SIGHUP), and, for a build that was killed
// outright (SIGKILL, power loss), by the next build once the owning process is gone.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { onInterrupt } from '../signals.js';
import { pidAlive } from '../vm/disks.js';

const PREFIX = '.build-';
/** Scratch dirs of kilns that predate the pid in the name: stale once this old. */
const LEGACY_STALE_MS = 6 * 3600_000;

const live = new Set<string>();
/** Scratch dirs being created: an interrupt waits for them, or mkdtemp would leave one. */
const creating = new Set<Promise<string>>();
let unregister: (() => void) | undefined;

function hook(): void {
  unregister ??= onInterrupt(async () => {
    await Promise.allSettled([...creating]);
    for (const d of live) rmSync(d, { recursive: true, force: true });
    live.clear();
  });
}

function unhookIfIdle(): void {
  if (live.size > 0 || creating.size > 0) return;
  unregister?.();
  unregister = undefined;
}

export interface WorkDir {
  path: string;
  /** Remove it; safe to call twice. */
  remove(): Promise<void>;
}

export async function makeWorkDir(store: string): Promise<WorkDir> {
  hook();
  const made = mkdtemp(join(store, `${PREFIX}${process.pid}-`)).then((p) => (live.add(p), p));
  creating.add(made);
  let path: string;
  try {
    path = await made;
  } finally {
    creating.delete(made);
  }
  return {
    path,
    // live until it is gone: an interrupt during the removal finishes it before kiln exits
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      live.delete(path);
      unhookIfIdle();
    },
  };
}

/** Remove scratch dirs whose build is gone; returns their names. */
export async function removeStaleWorkDirs(store: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(store).catch(() => [] as string[]);
  const stale: string[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const m = /^\.build-(\d+)-/.exec(name);
    const dir = join(store, name);
    const gone = m ? Number(m[1]) !== process.pid && !pidAlive(Number(m[1])) : now - (await stat(dir).then((s) => s.mtimeMs, () => now)) > LEGACY_STALE_MS;
    if (!gone) continue;
    await rm(dir, { recursive: true, force: true });
    stale.push(name);
  }
  return stale;
}
