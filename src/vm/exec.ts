// The one place kiln runs host programs (execa lives here). Failures become errors that
// say what was being attempted, with the program's stderr tail; a missing program
// becomes MissingToolError naming its Debian package.
import { execa, type Options, type ResultPromise } from 'execa';
import { KilnError, MissingToolError } from '../errors.js';
import { alsoOnInterrupt } from '../signals.js';

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

/** Debian package of each host tool kiln runs, for the "not installed" message. */
const toolPackages: Record<string, string> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  ldconfig: 'libc-bin',
  depmod: 'kmod',
  mksquashfs: 'squashfs-tools',
  sqfstar: 'squashfs-tools',
  unsquashfs: 'squashfs-tools',
  'qemu-img': 'qemu-utils',
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-aarch64': 'qemu-system-arm',
  tar: 'tar',
  'mke2fs': 'e2fsprogs',
  setpriv: 'util-linux',
};

export interface RunOptions extends Options {
  /** What kiln was trying to do, in the user's words; starts the error message. */
  what: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export async function run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { what, ...execaOpts } = opts;
  try {
    const r = await started(execa(file, args, { stripFinalNewline: false, ...execaOpts }));
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (err) {
    throw toolError(file, what, err);
  }
}

/** Start a long-lived host process; the caller owns its lifecycle. */
export function spawn(file: string, args: readonly string[], opts: Options = {}): ResultPromise {
  return started(execa(file, args, { reject: false, ...opts }));
}

/** Run a filter: `input` on its stdin, its stdout as bytes. */
export async function filter(file: string, args: readonly string[], input: Buffer, what: string): Promise<Buffer> {
  try {
    const r = await started(execa(file, args, { input, encoding: 'buffer', maxBuffer: 4 * 1024 ** 3 }));
    return Buffer.from(r.stdout);
  } catch (err) {
    throw toolError(file, what, err);
  }
}

export function toolError(file: string, what: string, err: unknown): KilnError {
  const e = err as { code?: string; stderr?: unknown; exitCode?: number; shortMessage?: string };
  if (e.code === 'ENOENT') {
    return new MissingToolError(file, toolPackages[file] ?? file, what);
  }
  const tail = String(e.stderr ?? '').trim().split('\n').slice(-10).join('\n  ');
  return new KilnError(`failed to ${what}: ${file} exited with status ${e.exitCode ?? '?'}${tail ? `\n  ${tail}` : ''}`, { cause: err });
}

export interface HostScriptOptions {
  env: Record<string, string>;
  /** environment.d files sourced first, as dib-run-parts does. */
  environmentFiles: string[];
  cwd: string;
  onOutput: (chunk: Buffer) => void;
  trace?: boolean;
}

/** An element script on the host (extra-data.d): bash, with exactly `env`, nothing inherited. */
export async function runHostScript(script: string, o: HostScriptOptions): Promise<{ exitCode: number | null; signal: string | null }> {
  const sources = o.environmentFiles.map((f) => `source "${f.replace(/"/g, '\\"')}"`).join('\n');
  const body = `set -e\n${sources}\n${o.trace ? 'set -x\n' : ''}exec "$0"`;
  const child = started(execa('bash', ['-c', body, script], { env: o.env, extendEnv: false, cwd: o.cwd, reject: false, stdin: 'ignore', all: true, buffer: false }));
  child.all?.on('data', (c: Buffer) => o.onOutput(c));
  const r = await child;
  return { exitCode: r.exitCode ?? null, signal: r.signal ?? null };
}
