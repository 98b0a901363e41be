// Locks that the kernel holds for kiln: flock(2) on a file, taken by a small `flock` child
// whose stdin only kiln holds. When kiln ends, however it ends (SIGKILL included), the pipe
// closes, the child exits and the kernel drops the lock; a reused pid can never make a dead
// build's lock look alive. The file also records the owner's pid, for messages only.
// A lock can also stand for a directory (a build's work dir): when kiln dies without letting
// go of it, the child removes the directory before the lock drops, so a SIGKILLed build
// leaves no work dir behind and nobody sees it half removed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KilnError, MissingToolError } from '../errors.js';
import { alsoOnInterrupt } from '../signals.js';

export interface HeldLock {
  /** Give the lock back; resolves when its holder is gone (at most a few seconds). Safe to call twice. */
  release(): Promise<void>;
}

/** How long a release waits for the holder to exit: a line to read, or a directory to remove (its retries take up to 5 s). */
const HOLDER_EXIT_MS = 8000;

/** flock's exit status when the lock is taken (its --conflict-exit-code). */
const BUSY = 75;

export interface LockOptions {
  /** A directory the lock stands for: removed by the lock holder if kiln dies holding the lock. */
  removeOnDeath?: string;
}

/** Take the lock on `path` (created if missing) if nobody holds it; undefined if somebody does. */
export function tryLock(path: string, opts: LockOptions = {}): Promise<HeldLock | undefined> {
  return takeLock(path, false, opts);
}

/** Take the lock on `path`, waiting for whoever holds it to let go. */
export async function waitLock(path: string): Promise<HeldLock> {
  return (await takeLock(path, true))!;
}

/**
 * The lock holder: says it holds the lock, then waits for kiln's word. "release" ends it
 * quietly; end of input without it means kiln died: the directory it stood for goes first,
 * tried again for a few seconds while a dying child of kiln's (apt's download methods, say)
 * may still write into it.
 */
const HOLDER =
  'echo locked; IFS= read -r word; [ "$word" = release ] || [ -z "$1" ] && exit 0; ' +
  'for i in 1 2 3 4 5 6 7 8 9 10; do rm -rf -- "$1" 2>/dev/null; [ -e "$1" ] || exit 0; sleep 0.5; done';

async function takeLock(path: string, wait: boolean, opts: LockOptions = {}): Promise<HeldLock | undefined> {
  const mode = wait ? [] : ['--nonblock', '--conflict-exit-code', String(BUSY)];
  // detached: a Ctrl-C to kiln's process group must not drop the lock before kiln has cleaned up
  const child = spawn('flock', ['--exclusive', ...mode, path, 'sh', '-c', HOLDER, 'kiln-lock', opts.removeOnDeath ?? ''], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {});
  const outcome = await new Promise<'locked' | { code: number | null; stderr: string; error?: Error }>((resolve) => {
    let stderr = '';
    child.stdout.once('data', () => resolve('locked'));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (error) => resolve({ code: null, stderr, error }));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
  if (outcome !== 'locked') {
    if (outcome.code === BUSY) return undefined;
    if ((outcome.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new MissingToolError('flock', 'util-linux', 'lock the helper drive and build directories');
    throw new KilnError(`cannot lock ${path}: ${outcome.stderr.trim() || outcome.error?.message || `flock exited with status ${outcome.code}`}`, {
      hint: 'check that the directory exists and is writable by you',
    });
  }
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch {
    // the lock is what counts; the pid is only for messages
  }
  const gone = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
  let released: Promise<void> | undefined;
  /** "release": the holder just exits. Without it (end of input) it first removes the directory it stands for, as if kiln had died. */
  const end = (word: string): Promise<void> => {
    released ??= (() => {
      unregister();
      // kept alive until the holder has gone (an awaited release must not end node early)
      child.ref();
      child.stdin.end(word);
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([gone, new Promise<void>((r) => (timer = setTimeout(r, HOLDER_EXIT_MS)))]).finally(() => clearTimeout(timer));
    })();
    return released;
  };
  // interrupted: the lock goes after what it guards, and kiln exits after its holder; a
  // directory the teardown could not remove (a dying child still writing) the holder removes
  const unregister = alsoOnInterrupt(() => end(''), 'locks');
  const release = () => end('release\n');
  return { release };
}

/** Whether somebody holds the lock on `path` now (a missing file is not locked). */
export function isLocked(path: string): boolean {
  if (!existsSync(path)) return false;
  const r = spawnSync('flock', ['--shared', '--nonblock', '--conflict-exit-code', String(BUSY), path, 'true'], { stdio: 'ignore' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingToolError('flock', 'util-linux', 'check the helper drive lock');
  return r.status === BUSY;
}

/** The pid recorded in a lock file, if any: who holds it, or who held it last. */
export function lockOwner(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` exists (another user's process counts). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
