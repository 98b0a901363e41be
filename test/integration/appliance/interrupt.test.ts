// An interrupted `kiln appliance build` leaves no scratch directory in the store: SIGINT
// removes its own; a SIGKILLed build's goes with it (its lock's holder removes it); one left
// by a kiln that could not clean up at all goes at the next build.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKiln, waitFor } from './helpers.js';

let cache = '';
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'kiln-interrupt-cache-'));
});
afterAll(() => {
  if (cache) rmSync(cache, { recursive: true, force: true });
});

const scratch = (store: string) => (existsSync(store) ? readdirSync(store).filter((n) => n.startsWith('.build-')) : []);

/** Start a build and wait until it has made its own scratch directory (not one of `others`). */
function buildUntilScratch(env: Record<string, string>, others: string[] = []) {
  const store = join(env.KILN_CACHE_DIR!, 'appliance');
  const kiln = startKiln(['appliance', 'build'], env);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => kiln.once('exit', (code, signal) => r({ code, signal })));
  let err = '';
  kiln.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const started = waitFor('the build to make its scratch directory', () => {
    if (kiln.exitCode !== null) throw new Error(`kiln exited early (${kiln.exitCode}): ${err}`);
    return scratch(store).some((n) => !others.includes(n));
  }, 60_000);
  return { kiln, exited, started, store };
}

describe('kiln appliance build, interrupted', () => {
  it('SIGINT: kiln exits and its .build-* directory is gone', { timeout: 90_000 }, async () => {
    const b = buildUntilScratch({ KILN_CACHE_DIR: join(cache, 'sigint') });
    await b.started;
    b.kiln.kill('SIGINT');
    const how = await b.exited;
    expect(how.signal === 'SIGINT' || how.code === 130, JSON.stringify(how)).toBe(true);
    expect(scratch(b.store)).toEqual([]);
  });

  it("SIGKILL: its lock's holder removes the .build-* directory at once", { timeout: 120_000 }, async () => {
    const env = { KILN_CACHE_DIR: join(cache, 'sigkill') };
    const first = buildUntilScratch(env);
    await first.started;
    first.kiln.kill('SIGKILL');
    await first.exited;
    await waitFor('the killed build\'s scratch directory to go', () => scratch(first.store).length === 0, 10_000);
  });

  it('one left by a kiln that could not clean up (power loss) goes at the next build', { timeout: 120_000 }, async () => {
    const env = { KILN_CACHE_DIR: join(cache, 'power-loss') };
    const store = join(env.KILN_CACHE_DIR, 'appliance');
    // what a power loss leaves: a lock file nobody holds, the dir of a pid that is gone
    const left = '.build-999999999-Ab12Cd';
    mkdirSync(join(store, left, 'partial'), { recursive: true });
    writeFileSync(join(store, left, '.kiln-lock'), '999999999\n');
    const second = buildUntilScratch(env, [left]);
    await second.started;
    expect(scratch(second.store)).not.toContain(left);
    second.kiln.kill('SIGINT');
    await second.exited;
    expect(scratch(second.store)).toEqual([]);
  });
});
