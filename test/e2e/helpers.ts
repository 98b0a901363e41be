// Shared by the e2e tests: run the built CLI (dist/) as a user would, and check that nothing
// is left behind.
import { execa } from 'execa';
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '../..');
export const kilnBin = join(repo, 'dist/bin.js');
export const tinyElements = join(repo, 'test/fixtures/elements/tiny');

export async function kiln(args: string[], opts: { env?: Record<string, string>; timeout?: number } = {}) {
  return execa('node', [kilnBin, ...args], { reject: false, all: true, env: opts.env, timeout: opts.timeout ?? 1_800_000 });
}

export async function qemuProcesses(): Promise<string[]> {
  const r = await execa('pgrep', ['-a', 'qemu-system'], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

export function kilnTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((f) => f.startsWith('kiln-vm-') || f.startsWith('kiln-boot-'));
}

/** QEMU processes and kiln temp dirs that exist now; other VMs on the machine are not ours. */
export async function snapshotLeftovers(): Promise<Set<string>> {
  return new Set([...(await qemuProcesses()).map((l) => l.split(' ')[0]!), ...kilnTempDirs()]);
}

/** What appeared since `before` and is still there: QEMU pids and kiln temp dirs. */
export async function leftovers(before: Set<string>): Promise<string[]> {
  const now = await snapshotLeftovers();
  return [...now].filter((x) => !before.has(x));
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The lines of `a` and `b` that the other lacks (enough to point at a differing field). */
export function diffLines(a: string, b: string): string[] {
  const la = a.split('\n');
  const lb = b.split('\n');
  const sb = new Set(lb);
  const sa = new Set(la);
  return [...la.filter((l) => !sb.has(l)).map((l) => `- ${l}`), ...lb.filter((l) => !sa.has(l)).map((l) => `+ ${l}`)];
}

/** How long a `kiln boot` of a built image may take under TCG, with margin. */
export const BOOT_TIMEOUT_MS = 1_000_000;

/** `kiln boot IMAGE` reaches a login prompt. */
export async function expectLogin(image: string): Promise<void> {
  const r = await kiln(['boot', '--timeout', '900', image], { timeout: BOOT_TIMEOUT_MS });
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stderr).toContain('booted: login prompt');
}

/** A failed build's log (its tail) in the test output: the first thing anyone reading CI needs. */
export function printLogOnFailure(r: { exitCode?: number; all?: string }, logfile: string): void {
  if (r.exitCode === 0) return;
  console.log(existsSync(logfile) ? readFileSync(logfile, 'utf8').slice(-8000) : (r.all ?? '').slice(-8000));
}

/** `kiln ARGS` as `user` (runuser; needs root) with exactly `env` added, or as ourselves when no user is given. */
export async function kilnAs(user: string | undefined, args: string[], env: Record<string, string> = {}, timeout = 3_600_000) {
  if (!user) return execa('node', [kilnBin, ...args], { reject: false, all: true, env, timeout });
  const vars = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }).map(([k, v]) => `${k}=${v}`);
  return execa('runuser', ['-u', user, '--', 'env', ...vars, process.execPath, kilnBin, ...args], { reject: false, all: true, timeout });
}
