// Scratch directories of the appliance builder, on a real filesystem.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorkDir, removeStaleWorkDirs } from '../../../src/appliance/work-dir.js';

let store = '';
beforeEach(() => {
  store = mkdtempSync(join(tmpdir(), 'kiln-workdir-'));
});
afterEach(() => rmSync(store, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe('appliance build scratch directories', () => {
  it('are named after the building process and removed when done (twice is fine)', async () => {
    const w = await makeWorkDir(store);
    expect(w.path).toMatch(new RegExp(`/\\.build-${process.pid}-\\w+$`));
    expect(existsSync(w.path)).toBe(true);
    await w.remove();
    await w.remove();
    expect(existsSync(w.path)).toBe(false);
  });

  it('the next build removes those of dead processes and old nameless ones, and keeps the rest', async () => {
    const dead = join(store, `.build-${deadPid()}-abc123`);
    const mine = join(store, `.build-${process.pid}-def456`);
    const alive = join(store, '.build-1-ghi789'); // init never exits
    const oldLegacy = join(store, '.build-Xy12Zq');
    const newLegacy = join(store, '.build-Ab34Cd');
    const other = join(store, 'abcdef0123456789');
    for (const d of [dead, mine, alive, oldLegacy, newLegacy, other]) mkdirSync(join(d, 'sub'), { recursive: true });
    const day = Date.now() / 1000 - 86400;
    utimesSync(oldLegacy, day, day);
    expect((await removeStaleWorkDirs(store)).sort()).toEqual([dead, oldLegacy].map((d) => d.slice(store.length + 1)).sort());
    for (const d of [mine, alive, newLegacy, other]) expect(existsSync(d)).toBe(true);
  });
});
