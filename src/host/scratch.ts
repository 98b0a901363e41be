// Scratch directories (a build's work dir next to its outputs, the appliance builder's in the
// store): private (0700), removed when their work ends, when kiln is interrupted
// (SIGINT/SIGTERM/SIGHUP), and, when kiln was killed outright (SIGKILL), by its lock's holder
// at once, or (power loss) by the next kiln that looks: each holds a lock (host/lock.ts) for
// as long as its kiln lives, so "dead" is the kernel's word, not a guess from a pid that may
// have been reused.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onInterrupt } from '../signals.js';
import { isLocked, pidAlive, tryLock, type HeldLock } from './lock.js';

/** The lock file inside every scratch dir. */
const LOCK = '.kiln-lock';
/** Marks a dir kept on purpose (--no-delete-on-failure): never removed as dead. */
const KEPT = '.kiln-kept';
/** Dirs made by kilns that predate the lock: stale once this old (or when their pid is gone). */
const LEGACY_STALE_MS = 6 * 3600_000;

const live = new Set<string>();
/** Scratch dirs being created: an interrupt waits for them, or mkdtemp would leave one. */
const creating = new Set<Promise<string>>();
let unregister: (() => void) | undefined;

/** Removed on an interrupt: removed once more as kiln exits (the build, still unwinding, may have made a directory in one again). */
const interrupted = new Set<string>();

function hook(): void {
  if (unregister) return;
  const files = onInterrupt(async () => {
    await Promise.allSettled([...creating]);
    for (const d of live) {
      interrupted.add(d);
      rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    }
    live.clear();
  });
  const exit = onInterrupt(() => {
    for (const d of interrupted) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  }, 'exit');
  unregister = () => (files(), exit());
}

function unhookIfIdle(): void {
  if (live.size > 0 || creating.size > 0) return;
  unregister?.();
  unregister = undefined;
}

export interface ScratchDir {
  path: string;
  /** Remove it; safe to call twice. */
  remove(): Promise<void>;
  /** Leave it where it is for the user to look at: no longer removed, by this kiln or the next. */
  keep(): Promise<void>;
}

/** A new private dir `parent/PREFIX<pid>-XXXXXX`, locked while this process lives. */
export async function makeScratchDir(parent: string, prefix: string): Promise<ScratchDir> {
  hook();
  const made = mkdtemp(join(parent, `${prefix}${process.pid}-`)).then((p) => (live.add(p), p));
  creating.add(made);
  let path: string;
  try {
    path = await made;
  } finally {
    creating.delete(made);
  }
  let lock: HeldLock | undefined;
  try {
    // kiln killed outright: the lock's holder removes the dir (the next kiln would otherwise)
    lock = await tryLock(join(path, LOCK), { removeOnDeath: path });
  } catch (e) {
    await rm(path, { recursive: true, force: true });
    live.delete(path);
    unhookIfIdle();
    throw e;
  }
  const done = async () => {
    live.delete(path);
    unhookIfIdle();
    await lock?.release();
  };
  return {
    path,
    // live until it is gone: an interrupt during the removal finishes it before kiln exits
    remove: async () => {
      if (!live.has(path)) return;
      await rm(path, { recursive: true, force: true });
      await done();
    },
    keep: async () => {
      if (!live.has(path)) return;
      await writeFile(join(path, KEPT), `${process.pid}\n`).catch(() => {});
      await done();
    },
  };
}

/** Remove the `PREFIX*` dirs under `parent` whose kiln is gone; returns their names. */
export async function removeDeadScratchDirs(parent: string, prefix: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const dead: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    if (live.has(dir) || existsSync(join(dir, KEPT))) continue;
    if (!(await isDead(dir, name.slice(prefix.length), now))) continue;
    await rm(dir, { recursive: true, force: true });
    dead.push(name);
  }
  return dead;
}

async function isDead(dir: string, rest: string, now: number): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  const lock = join(dir, LOCK);
  if (existsSync(lock)) return !isLocked(lock);
  // a dir without a lock: being made this instant, or made by an older kiln
  const pid = /^(\d+)-/.exec(rest)?.[1];
  if (pid && Number(pid) !== process.pid && !pidAlive(Number(pid))) return true;
  return now - info.mtimeMs > LEGACY_STALE_MS;
}
