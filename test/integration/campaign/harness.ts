// The bad-input campaign's machinery: each case gets its own directories (elements, output,
// TMPDIR, HOME), runs the built CLI the way a user does (as an unprivileged user when the
// tests run as root and the case needs permissions to bite), and is then checked for what
// must never happen whatever the input: a stack trace, a hang, a process left running, a temp
// dir or output file left behind, a user's file touched, the cache changed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isRoot, unprivilegedUser } from '../appliance/helpers.js';
export { orphanTempDirs, processesNaming, waitUntil } from '../../support/processes.js';

export const repo = resolve(import.meta.dirname, '../../..');
export const bin = join(repo, 'dist/bin.js');
export const tinyElements = join(repo, 'test/fixtures/elements/tiny');

if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);

/** The directories one case owns; everything kiln may write goes under `root`. */
export interface CaseDirs {
  root: string;
  /** Element path entry for the case's own elements (-p). */
  elements: string;
  /** Where -o points (out/NAME). */
  out: string;
  /** TMPDIR of the case: must be empty when kiln is done. */
  tmp: string;
  home: string;
  /** The campaign's cache dir (KILN_CACHE_DIR). */
  cache: string;
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  env: Record<string, string>;
  /** Run as this user (root only): runuser keeps nothing of our environment. */
  user?: string;
  timeoutMs: number;
  cwd?: string;
}

/** Run `node dist/bin.js ARGS`; a run past its deadline is killed and marked as a hang. */
export function runKiln(args: string[], o: RunOptions): Promise<RunResult> {
  const argv = [process.execPath, bin, ...args];
  const vars = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
  const [file, ...rest] = o.user ? ['runuser', '-u', o.user, '--', 'env', '-i', ...vars, ...argv] : argv;
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(file!, rest, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }, o.timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
  });
}

/** Every entry under `dir` with its type and content hash (files) or target (links); absent: undefined. */
export function snapshot(dir: string, skip: (rel: string) => boolean = () => false): Map<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (skip(r)) continue;
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${(st.mode & 0o7777).toString(8)}`);
        // a dir made unreadable on purpose is compared by its mode alone
        try {
          walk(p, r);
        } catch {
          // unreadable: its mode says enough
        }
      } else if (st.isFile()) out.set(r, `file ${st.size} ${hashFile(p, st.size)}`);
      else out.set(r, `other ${st.mode.toString(8)}`);
    }
  };
  walk(dir, '');
  return out;
}

function hashFile(path: string, size: number): string {
  // sparse images are big and cheap to skip: size and mtime stand in for their bytes
  if (size > 64 * 1024 ** 2) return `mtime ${statSync(path).mtimeMs}`;
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  } catch {
    return 'unreadable';
  }
}

/** What differs between two snapshots, as "+ added", "- removed", "~ changed" lines. */
export function diffSnapshots(before: Map<string, string> | undefined, after: Map<string, string> | undefined): string[] {
  if (!before && !after) return [];
  if (!before) return [`+ (the directory itself) ${[...after!.keys()].join(' ')}`];
  if (!after) return ['- (the directory itself)'];
  const lines: string[] = [];
  for (const [k, v] of after) {
    if (!before.has(k)) lines.push(`+ ${k}`);
    else if (before.get(k) !== v) lines.push(`~ ${k} (${before.get(k)} -> ${v})`);
  }
  for (const k of before.keys()) if (!after.has(k)) lines.push(`- ${k}`);
  return lines;
}

/** A stack trace or a crash report in kiln's output. */
export function stackTrace(text: string): string | undefined {
  const m = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$|internal error|Unhandled|node:internal|^\w*Error: /m.exec(text);
  return m?.[0];
}

/** The user unprivileged cases run as: ourselves when not root. */
export const caseUser = isRoot ? unprivilegedUser() : undefined;

/** Let the case user into `path` (own it, when we are root). */
export function giveToUser(path: string): void {
  if (!caseUser) return;
  chownSync(path, caseUser.uid, caseUser.gid);
}

export function makeCaseDirs(campaign: string, id: string, cache: string): CaseDirs {
  const root = join(campaign, id);
  rmSync(root, { recursive: true, force: true });
  const d: CaseDirs = { root, elements: join(root, 'elements'), out: join(root, 'out'), tmp: join(root, 'tmp'), home: join(root, 'home'), cache };
  for (const p of [d.root, d.elements, d.out, d.tmp, d.home]) {
    mkdirSync(p, { recursive: true });
    chmodSync(p, 0o755);
  }
  // the case user writes its TMPDIR, HOME and (unless a case says otherwise) the output dir
  for (const p of [d.tmp, d.home, d.out]) giveToUser(p);
  return d;
}
