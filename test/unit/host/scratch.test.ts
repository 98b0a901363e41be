// Scratch directories (build work dirs, the appliance builder's), on a real filesystem.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeScratchDir, removeDeadScratchDirs } from '../../../src/host/scratch.js';

let parent = '';
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'kiln-scratch-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe('scratch directories', () => {
  it('are private, named after the process, and removed when done (twice is fine)', async () => {
    const w = await makeScratchDir(parent, '.build-');
    expect(w.path).toMatch(new RegExp(`/\\.build-${process.pid}-\\w+$`));
    expect(statSync(w.path).mode & 0o777).toBe(0o700);
    await w.remove();
    await w.remove();
    expect(existsSync(w.path)).toBe(false);
  });

  it('a live one is never taken for dead, even by this process', async () => {
    const w = await makeScratchDir(parent, '.build-');
    expect(await removeDeadScratchDirs(parent, '.build-')).toEqual([]);
    expect(existsSync(w.path)).toBe(true);
    await w.remove();
  });

  it('one whose kiln was SIGKILLed is removed by the next look, whatever its pid now names', async () => {
    // another node process makes a scratch dir and is killed outright
    // (the compiled module: `npm test` builds dist/ first)
    const src = join(import.meta.dirname, '../../../dist/host/scratch.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(src)}); const d = await m.makeScratchDir(${JSON.stringify(parent)}, '.kb-'); console.log(d.path); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const path = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (c: Buffer) => resolve(c.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the scratch dir maker exited early (${code})`)));
    });
    expect(await removeDeadScratchDirs(parent, '.kb-')).toEqual([]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // the lock holder sees EOF and exits: give it a moment
    for (let i = 0; i < 50 && existsSync(path); i++) {
      await removeDeadScratchDirs(parent, '.kb-');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(path)).toBe(false);
  });

  it("one whose kiln was SIGKILLed goes at once, with no next kiln: its lock's holder removes it", async () => {
    const src = join(import.meta.dirname, '../../../dist/host/scratch.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(src)}); const d = await m.makeScratchDir(${JSON.stringify(parent)}, '.kb-'); console.log(d.path); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const path = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (c: Buffer) => resolve(c.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the scratch dir maker exited early (${code})`)));
    });
    mkdirSync(join(path, 'partial', 'deep'), { recursive: true });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 50 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(path)).toBe(false);
  });

  it('a kept one survives its kiln: keeping lets go of the lock without removing', async () => {
    const src = join(import.meta.dirname, '../../../dist/host/scratch.js');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(src)}); const d = await m.makeScratchDir(${JSON.stringify(parent)}, '.kb-'); await d.keep(); console.log(d.path); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const path = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (c: Buffer) => resolve(c.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the scratch dir maker exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(path)).toBe(true);
  });

  it('kept ones stay; lockless ones of dead pids and old nameless ones go; the rest stays', async () => {
    const kept = await makeScratchDir(parent, '.build-');
    await kept.keep();
    const dead = join(parent, `.build-${deadPid()}-abc123`);
    const alive = join(parent, '.build-1-ghi789'); // init never exits
    const oldLegacy = join(parent, '.build-Xy12Zq');
    const newLegacy = join(parent, '.build-Ab34Cd');
    const other = join(parent, 'abcdef0123456789');
    for (const d of [dead, alive, oldLegacy, newLegacy, other]) mkdirSync(join(d, 'sub'), { recursive: true });
    const day = Date.now() / 1000 - 86400;
    utimesSync(oldLegacy, day, day);
    expect((await removeDeadScratchDirs(parent, '.build-')).sort()).toEqual([dead, oldLegacy].map((d) => d.slice(parent.length + 1)).sort());
    for (const d of [kept.path, alive, newLegacy, other]) expect(existsSync(d)).toBe(true);
  });
});
