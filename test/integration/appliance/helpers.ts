// Running the built CLI (dist/) the way a user does, as root or as an unprivileged user.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '../../..');
export const bin = join(repo, 'dist/bin.js');
export const isRoot = process.getuid?.() === 0;

if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `kiln ARGS` to completion; `user` runs it as that user (needs root). */
export function kiln(args: string[], opts: { env?: NodeJS.ProcessEnv; user?: string; timeoutMs?: number } = {}): CliResult {
  const env = { ...process.env, ...opts.env };
  const argv = [process.execPath, bin, ...args];
  const [file, ...rest] = opts.user ? asUser(opts.user, argv, opts.env ?? {}) : argv;
  const t0 = performance.now();
  const r = spawnSync(file!, rest, { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Start `kiln ARGS` and leave it running. */
export function startKiln(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** argv that runs `argv` as `user` with exactly `env` added (runuser keeps no environment of ours). */
function asUser(user: string, argv: string[], env: NodeJS.ProcessEnv): string[] {
  const vars = Object.entries({ PATH: process.env.PATH, ...env }).map(([k, v]) => `${k}=${v ?? ''}`);
  return ['runuser', '-u', user, '--', 'env', ...vars, ...argv];
}

/**
 * An unprivileged user to build as. Not root already: ourselves. Root (CI): kilntest if it
 * exists, else kiln-test-user, created on first use.
 */
export function unprivilegedUser(): { name: string; uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  for (const name of ['kilntest', 'kiln-test-user']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (id.status === 0) return { name, uid: Number(id.stdout.trim()), gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()) };
  }
  execFileSync('useradd', ['-m', 'kiln-test-user']);
  return unprivilegedUser();
}

/** The QEMU processes whose command line names `needle` (e.g. a VM's temp dir). */
export function qemuPids(needle?: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.startsWith('qemu-system') || cmd.includes('/qemu-system')) {
      if (!needle || cmd.includes(needle)) pids.push(Number(p));
    }
  }
  return pids;
}

/** The children of `pid` (one level). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie has no cmdline left
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
