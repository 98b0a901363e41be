// What the user sees when the machine is not as kiln needs it: one paragraph saying what
// failed and what to do, exit status 1, no stack trace, nothing left running or behind.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppliance } from '../../../src/appliance/builder.js';
import type { Appliance } from '../../../src/appliance/store.js';
import { createLogger } from '../../../src/log.js';
import { isRoot, kiln, unprivilegedUser, type CliResult } from './helpers.js';

let dir = '';
let appliance: Appliance;

// made here, not at load time: a filtered run that skips every test skips afterAll too
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-badinput-'));
  chmodSync(dir, 0o755);
  ({ appliance } = await buildAppliance({ logger: createLogger({ write: () => {} }) }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An error as kiln prints it: "kiln: error: ..." then "kiln: HINT", and no stack trace. */
function expectKilnError(r: CliResult, message: RegExp, hint: RegExp): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^kiln: error: /m);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(hint);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
}

/** A cache holding a copy of the current appliance, with `kernel` missing or unreadable. */
function damagedCache(name: string, kernel: 'missing' | 'unreadable'): string {
  const cache = join(dir, name);
  const key = appliance.manifest.key;
  const store = join(cache, 'appliance');
  mkdirSync(join(store, key), { recursive: true });
  copyFileSync(join(appliance.dir, 'manifest.json'), join(store, key, 'manifest.json'));
  for (const f of ['initrd', 'root.sqfs']) symlinkSync(join(appliance.dir, f), join(store, key, f));
  if (kernel === 'unreadable') copyFileSync(appliance.kernel, join(store, key, 'kernel'));
  writeFileSync(join(store, `recipe-${appliance.manifest.recipeHash}`), key + '\n');
  execFileSync('chmod', ['-R', 'go+rX', cache]);
  if (kernel === 'unreadable') chmodSync(join(store, key, 'kernel'), 0o000);
  return cache;
}

/** /tmp/kiln-vm-* directories no running process mentions (other suites' VMs are theirs). */
function orphanVmDirs(): string[] {
  const inUse = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
  return readdirSync(tmpdir())
    .filter((n) => n.startsWith('kiln-vm-'))
    .filter((n) => !inUse.includes(n));
}

describe('bad input', () => {
  it('a missing QEMU binary (--qemu)', () => {
    const r = kiln(['shell', '--qemu', '/nonexistent/qemu', '--', 'true']);
    expectKilnError(r, /the QEMU binary \/nonexistent\/qemu does not exist; kiln needs it to boot the appliance/, /point --qemu \(or KILN_QEMU\) at a qemu-system-x86_64( or qemu-system-aarch64)? binary/);
  });

  it('a missing QEMU binary (KILN_QEMU)', () => {
    const r = kiln(['shell', '--', 'true'], { env: { KILN_QEMU: '/nonexistent' } });
    expectKilnError(r, /the QEMU binary \/nonexistent does not exist/, /apt-get install qemu-system-x86/);
  });

  it('a missing QEMU binary is reported before any appliance build (empty cache)', () => {
    const cache = join(dir, 'no-appliance');
    const r = kiln(['shell', '--qemu', '/nonexistent/qemu', '--', 'true'], { env: { KILN_CACHE_DIR: cache }, timeoutMs: 20_000 });
    expectKilnError(r, /the QEMU binary \/nonexistent\/qemu does not exist/, /point --qemu/);
    expect(r.stderr).not.toMatch(/resolving|unpacking/);
    expect(r.ms).toBeLessThan(10_000);
    expect(existsSync(join(cache, 'appliance'))).toBe(false);
  });

  it('a cached appliance whose kernel is missing', () => {
    const cache = damagedCache('missing', 'missing');
    const r = kiln(['shell', '--accel', 'tcg', '--', 'true'], { env: { KILN_CACHE_DIR: cache } });
    expectKilnError(r, /the cached appliance is damaged: its kernel \S+\/kernel is missing/, /rebuild it: kiln appliance build --refresh/);
  });

  it('a cached appliance whose kernel cannot be read (as an unprivileged user)', () => {
    const cache = damagedCache('unreadable', 'unreadable');
    const user = unprivilegedUser();
    const r = kiln(['shell', '--accel', 'tcg', '--', 'true'], { env: { KILN_CACHE_DIR: cache, HOME: cache }, user: user?.name });
    expectKilnError(r, /the cached appliance is damaged: its kernel \S+\/kernel cannot be read \(EACCES\)/, /kiln appliance build --refresh/);
  });

  it.skipIf(!isRoot)('a full cache directory (a 1 MB tmpfs; needs root to mount)', () => {
    const cache = join(dir, 'full');
    mkdirSync(cache);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', cache]);
    try {
      const r = kiln(['appliance', 'build'], { env: { KILN_CACHE_DIR: cache }, timeoutMs: 30_000 });
      expectKilnError(r, /the cache directory \S+\/full\/appliance is full: \d+ MB free, and building the appliance needs about \d+ MB/, /point kiln elsewhere with XDG_CACHE_HOME or KILN_CACHE_DIR/);
      expect(readdirSync(join(cache, 'appliance'))).toEqual([]);
    } finally {
      execFileSync('umount', [cache]);
    }
  });

  it('a guest that never comes up: the deadline error says what failed and shows the console', { timeout: 60_000 }, () => {
    const before = new Set(orphanVmDirs());
    // rdinit=/bin/sh: the initramfs shell waits on the console forever, so SSH never answers
    const r = kiln(['shell', '--accel', 'tcg', '--', 'true'], { env: { KILN_KERNEL_APPEND: 'rdinit=/bin/sh', KILN_BOOT_TIMEOUT: '3' } });
    expectKilnError(r, /the appliance did not come up under TCG: no answer from the guest within 3s\n(guest console \(last lines\):\n {2}\S|the guest console stayed empty)/, /KILN_BOOT_TIMEOUT=SECONDS \(now 3\)/);
    expect(r.stderr.includes(String.fromCharCode(27)), 'no terminal escapes in the console tail').toBe(false);
    // a silent guest is booted once more before kiln gives up, and says so
    expect(r.stderr).toMatch(/the appliance did not answer under TCG \(no answer from the guest within 3s\); booting it once more/);
    expect(r.ms).toBeLessThan(30_000);
    expect(orphanVmDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  it('a bad --boot-timeout is a usage error', () => {
    const r = kiln(['shell', '--boot-timeout', 'soon', '--', 'true']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--boot-timeout \(KILN_BOOT_TIMEOUT\) must be a positive number, not "soon"/);
  });
});

