// The one place kiln runs host programs (execa lives here). Failures become errors that
// say what was being attempted, with the program's stderr tail; a missing program
// becomes MissingToolError naming its Debian package.
import { existsSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';
import { KilnError, MissingToolError } from '../errors.js';
import { alsoOnInterrupt } from '../signals.js';
import { debianPackageOf } from './packages.js';

/**
 * Host programs running now. An interrupt ends them before kiln removes its temp dirs:
 * an apt-get still writing into a scratch dir would make the removal fail half done.
 */
const running = new Set<ResultPromise>();
let hooked = false;

function started<T extends ResultPromise>(child: T): T {
  if (!hooked) {
    hooked = true;
    alsoOnInterrupt(() => {
      const ends = [...running].map((c) => (c.kill('SIGKILL'), c));
      // a child's promise also waits for its pipes, which a grandchild may hold open
      return Promise.race([Promise.allSettled(ends), new Promise((r) => setTimeout(r, 2000).unref())]);
    }, 'vm');
  }
  running.add(child);
  const done = () => running.delete(child);
  child.then(done, done);
  return child;
}

/**
 * A program kiln starts dies with kiln, even when kiln is SIGKILLed and no handler runs:
 * util-linux's setpriv sets the parent-death signal and then execs it (same pid). Without
 * setpriv (not Linux, a trimmed host) programs are started as they are.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

function boundToKiln(file: string, args: readonly string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, [...args]];
}

/** setpriv's own report that it could not exec the program: the program is missing. */
function execFailed(err: unknown): boolean {
  const e = err as { exitCode?: number; stderr?: unknown };
  return e.exitCode === 127 && /setpriv: failed to execute .*: No such file or directory/.test(String(e.stderr ?? ''));
}

/** A host program kiln started and owns (spawn's result). */
export type HostProcess = ResultPromise;

export interface RunOptions extends Options {
  /** What kiln was trying to do, in the user's words; starts the error message. */
  what: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * For a tool given its timestamps on the command line (mksquashfs, sqfstar -mkfs-time/-all-time):
 * squashfs-tools refuse to run with SOURCE_DATE_EPOCH beside them, and a user who exported it
 * for a reproducible build must not make kiln's own images fail.
 */
export const WITHOUT_SOURCE_DATE_EPOCH: Readonly<Partial<Record<string, string>>> = { SOURCE_DATE_EPOCH: undefined };

export async function run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { what, ...execaOpts } = opts;
  try {
    const r = await started(execa(...boundToKiln(file, args), { stripFinalNewline: false, ...execaOpts }));
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (err) {
    throw toolError(file, what, err);
  }
}

/** Start a long-lived host process; the caller owns its lifecycle. */
export function spawn(file: string, args: readonly string[], opts: Options = {}): ResultPromise {
  return started(execa(...boundToKiln(file, args), { reject: false, ...opts }));
}

/** Run a filter: `input` on its stdin, its stdout as bytes. */
export async function filter(file: string, args: readonly string[], input: Buffer, what: string): Promise<Buffer> {
  try {
    const r = await started(execa(...boundToKiln(file, args), { input, encoding: 'buffer', maxBuffer: 4 * 1024 ** 3 }));
    return Buffer.from(r.stdout);
  } catch (err) {
    throw toolError(file, what, err);
  }
}

export function toolError(file: string, what: string, err: unknown): KilnError {
  const e = err as { code?: string; stderr?: unknown; exitCode?: number; shortMessage?: string };
  if (e.code === 'ENOENT' || execFailed(err)) {
    return new MissingToolError(file, debianPackageOf(file), what);
  }
  const tail = String(e.stderr ?? '').trim().split('\n').slice(-10).join('\n  ');
  return new KilnError(`failed to ${what}: ${file} exited with status ${e.exitCode ?? '?'}${tail ? `\n  ${tail}` : ''}`, { cause: err });
}

export interface HostScriptOptions {
  env: Record<string, string>;
  /** Shell text that sources the environment.d files first, as dib-run-parts does (guest/script-run.ts renders it). */
  environment: string;
  cwd: string;
  onOutput: (chunk: Buffer) => void;
  trace?: boolean;
}

/** An element script on the host (extra-data.d): bash, with exactly `env`, nothing inherited. */
export async function runHostScript(script: string, o: HostScriptOptions): Promise<{ exitCode: number | null; signal: string | null }> {
  const body = `set -e\n${o.environment}${o.trace ? 'set -x\n' : ''}exec "$0"`;
  const child = started(execa(...boundToKiln('bash', ['-c', body, script]), { env: o.env, extendEnv: false, cwd: o.cwd, reject: false, stdin: 'ignore', all: true, buffer: false }));
  child.all?.on('data', (c: Buffer) => o.onOutput(c));
  const r = await child;
  return { exitCode: r.exitCode ?? null, signal: r.signal ?? null };
}
