// Host programs kiln needs: where they are (PATH, then the sbin directories a user's PATH may
// lack), which Debian package ships each, and a check of many at once before a build starts.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MissingToolError } from '../errors.js';
import { run } from './run.js';
export { debianPackageOf } from './packages.js';



/** Where a program is, searching PATH and then the sbin directories a user's PATH may lack. */
export async function findTool(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => d !== '');
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface ToolSpec {
  tool: string;
  /** The Debian package that ships it, for the error's hint. */
  debianPackage: string;
  /** What kiln needs it for: "write qcow2 images". */
  purpose: string;
}

export async function requireTool(spec: ToolSpec): Promise<string> {
  const path = await findTool(spec.tool);
  if (!path) throw new MissingToolError(spec.tool, spec.debianPackage, spec.purpose);
  return path;
}

export interface RunOptions {
  /** File fed to the tool's stdin. */
  inputFile?: string;
  signal?: AbortSignal;
  /** What is being attempted, as a verb phrase for "failed to ...": "convert the disk to qcow2". */
  doing: string;
  /** Changes to the inherited environment (undefined removes a variable). */
  env?: Readonly<Partial<Record<string, string>>>;
}

/** Run a tool to completion; a failure is a KilnError with its exit status and stderr tail. */
export async function runTool(path: string, args: string[], opts: RunOptions): Promise<string> {
  const stdin = opts.inputFile ? { inputFile: opts.inputFile } : { stdin: 'ignore' as const };
  const r = await run(path, args, { what: opts.doing, ...stdin, cancelSignal: opts.signal, env: opts.env });
  return r.stdout;
}

/** What is missing of `specs` on this host: one line each, and the packages to install. */
export async function missingTools(specs: readonly ToolSpec[]): Promise<{ lines: string[]; packages: string[] }> {
  const missing = (await Promise.all(specs.map(async (s) => ((await findTool(s.tool)) ? undefined : s)))).filter((s): s is ToolSpec => !!s);
  return {
    lines: missing.map((s) => `${s.tool} is not installed; kiln needs it to ${s.purpose}`),
    packages: [...new Set(missing.map((s) => s.debianPackage))],
  };
}
