// The kernel-held locks (flock) behind the helper drive and scratch dirs, for real.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLocked, lockOwner, tryLock } from '../../../src/host/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

describe('tryLock', () => {
  it('is exclusive while held, free as soon as release() resolves (twice is fine), and records the pid', async () => {
    const lock = join(dir, 'a.lock');
    const held = await tryLock(lock);
    expect(held).toBeDefined();
    expect(lockOwner(lock)).toBe(process.pid);
    expect(isLocked(lock)).toBe(true);
    expect(await tryLock(lock)).toBeUndefined();
    await held!.release();
    // the holder is gone when release resolves: a kiln that exits right after leaves no flock behind
    expect(isLocked(lock)).toBe(false);
    await held!.release();
    const again = await tryLock(lock);
    expect(again).toBeDefined();
    await again!.release();
  });

  it('a lock file naming a live pid but held by nobody is free (a reused pid fools nothing)', async () => {
    const lock = join(dir, 'b.lock');
    writeFileSync(lock, `${process.ppid}\n`);
    expect(isLocked(lock)).toBe(false);
    const held = await tryLock(lock);
    expect(held).toBeDefined();
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    await held!.release();
  });

  it('is dropped by the kernel when its holder is SIGKILLed', async () => {
    const lock = join(dir, 'c.lock');
    const src = join(import.meta.dirname, '../../../dist/host/lock.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(src)}); await m.tryLock(${JSON.stringify(lock)}); console.log('held'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    });
    expect(isLocked(lock)).toBe(true);
    expect(await tryLock(lock)).toBeUndefined();
    child.kill('SIGKILL');
    expect(await until(() => !isLocked(lock))).toBe(true);
  });

  it('a missing lock file is not locked, and checking does not create it', () => {
    const lock = join(dir, 'missing.lock');
    expect(isLocked(lock)).toBe(false);
    expect(existsSync(lock)).toBe(false);
  });
});
