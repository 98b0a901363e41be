import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tryLock } from '../../../src/vm/disks.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tryLock (the helper drive lock)', () => {
  it('is exclusive while held, free again once released, and leaves no stray files', () => {
    const lock = join(dir, 'a.lock');
    const release = tryLock(lock);
    expect(release).toBeDefined();
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    expect(tryLock(lock)).toBeUndefined();
    release!();
    expect(existsSync(lock)).toBe(false);
    const again = tryLock(lock);
    expect(again).toBeDefined();
    again!();
    expect(readdirSync(dir).filter((f) => f.startsWith('a.lock'))).toEqual([]);
  });

  it('takes over a lock whose owner is gone', () => {
    const lock = join(dir, 'b.lock');
    const dead = spawnSync('true').pid!;
    writeFileSync(lock, `${dead}\n`);
    const release = tryLock(lock);
    expect(release).toBeDefined();
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    release!();
  });

  it('leaves a lock held by another live process alone', () => {
    const lock = join(dir, 'c.lock');
    writeFileSync(lock, `${process.ppid}\n`);
    expect(tryLock(lock)).toBeUndefined();
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.ppid));
  });
});
