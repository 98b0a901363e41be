// `kiln appliance build` as an unprivileged user into a fresh cache: it builds (network
// needed: the Debian mirror), writes a manifest, and a second run is a cache hit in < 1 s.
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, kiln, unprivilegedUser } from './helpers.js';

const user = unprivilegedUser();
let cache = '';
const env: Record<string, string> = {};

// made here, not at load time: a filtered run that skips every test skips afterAll too
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'kiln-nonroot-cache-'));
  chmodSync(cache, 0o755);
  if (user) chownSync(cache, user.uid, user.gid);
  Object.assign(env, { KILN_CACHE_DIR: cache, HOME: cache });
});
afterAll(() => {
  if (cache) rmSync(cache, { recursive: true, force: true });
});

describe(`kiln appliance build as ${user ? user.name : 'this (non-root) user'}`, () => {
  it('runs without root', () => {
    const who = kiln(['--version'], { user: user?.name, env });
    expect(who.status).toBe(0);
    if (isRoot) expect(user!.uid).not.toBe(0);
  });

  it('builds the appliance into the cache, with a manifest', { timeout: 300_000 }, () => {
    const r = kiln(['appliance', 'build'], { user: user?.name, env, timeoutMs: 300_000 });
    expect(r.stderr).toMatch(/built appliance [0-9a-f]{32}/);
    expect(r.status).toBe(0);
    const store = join(cache, 'appliance');
    const keys = readdirSync(store).filter((n) => /^[0-9a-f]{32}$/.test(n));
    expect(keys).toHaveLength(1);
    const dir = join(store, keys[0]!);
    for (const f of ['kernel', 'initrd', 'root.sqfs', 'manifest.json']) expect(existsSync(join(dir, f))).toBe(true);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { key: string; kernelVersion: string; packages: { name: string }[] };
    expect(m.key).toBe(keys[0]);
    expect(m.kernelVersion).toMatch(/^\d+\.\d+/);
    expect(m.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['openssh-server', 'busybox-static', 'e2fsprogs']));
    // nothing half-built is left in the store
    expect(readdirSync(store).filter((n) => n.startsWith('.'))).toEqual([]);
    if (user) expect(readdirSync(dir).map((f) => statSync(join(dir, f)).uid)).toEqual(readdirSync(dir).map(() => user.uid));
  });

  it('a second build is a cache hit and takes less than a second', () => {
    const r = kiln(['appliance', 'build'], { user: user?.name, env });
    expect(r.status).toBe(0);
    const m = /cached appliance [0-9a-f]{32} in ([\d.]+)s/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    // kiln's own measure: the process wall time adds Node's start-up, which a loaded CI box stretches
    expect(Number(m![1])).toBeLessThan(1);
    expect(r.ms).toBeLessThan(isLoaded() ? 5000 : 1000);
  });

  it('appliance info shows what was built', () => {
    const r = kiln(['appliance', 'info'], { user: user?.name, env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^key: +[0-9a-f]{32}$/m);
    expect(r.stdout).toMatch(/^kernel: +\d/m);
    expect(r.stdout).toContain(cache);
  });
});

/** More runnable work than cores: wall-clock bounds on start-up time are not meaningful. */
function isLoaded(): boolean {
  return loadavg()[0]! > cpus().length;
}
