// `kiln diskimage-builder [--dry-run] [--stop-on-failure] FILE...` (and `kiln build --file`):
// DIB's YAML image file, each image built by kiln's own disk-image-create (or
// ramdisk-image-create) in turn, with the image's environment on top of the caller's, as DIB
// runs them. One kiln process per image: images share the warm caches (the helper drive, the
// host package cache, the appliance), not one appliance boot (docs/ci.md says why).
import type { Command } from 'commander';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { spawn } from '../host/run.js';
import { createLogger, type Logger } from '../log.js';
import { packageRoot } from '../paths.js';
import { imageCommandsFromFiles, renderCommand, type ImageCommand } from './image-file.js';
import { statusAction, type ExitStatus } from './status.js';

export interface ImageFileRun {
  dryRun?: boolean;
  stopOnFailure?: boolean;
}

/** Builds one image; resolves to the exit status of its build. */
export type ImageRunner = (c: ImageCommand) => Promise<number>;

/** An image of the file failed to build: which, and what became of the rest. */
export class ImageBuildError extends KilnError {}

/**
 * Build every image of `files` in order. Dry run: print each command, build nothing. A
 * failure ends the run at once with --stop-on-failure; otherwise every image is tried and
 * the error names each that failed.
 */
export async function runImageFile(files: readonly string[], o: ImageFileRun, runner: ImageRunner = runWithKiln, log: Logger = createLogger(), out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<void> {
  const commands = imageCommandsFromFiles(files);
  if (o.dryRun) {
    for (const c of commands) out(`${renderCommand(c)}\n`);
    return;
  }
  const results: { c: ImageCommand; status: number }[] = [];
  for (const [i, c] of commands.entries()) {
    log.info(`image ${i + 1} of ${commands.length}, ${c.imagename}: ${renderCommand(c)}`);
    const status = await runner(c);
    results.push({ c, status });
    log.info(`image ${c.imagename}: ${status === 0 ? 'built' : `failed (exit status ${status})`}`);
    if (status !== 0 && o.stopOnFailure) {
      const rest = commands.slice(i + 1).map((x) => x.imagename);
      throw new ImageBuildError(`image ${c.imagename} failed (exit status ${status}); --stop-on-failure: ${rest.length ? `not building ${rest.join(', ')}` : 'it was the last image'}`, {
        hint: 'its own error is above; without --stop-on-failure every image is tried',
      });
    }
  }
  const failed = results.filter((r) => r.status !== 0);
  for (const r of results) out(`${r.status === 0 ? 'built ' : 'FAILED'} ${r.c.imagename}${r.status === 0 ? '' : ` (exit status ${r.status})`}\n`);
  if (failed.length) {
    throw new ImageBuildError(`${failed.length} of ${results.length} images failed: ${failed.map((r) => `${r.c.imagename} (exit status ${r.status})`).join(', ')}`, {
      hint: 'each failure is explained above its "failed" line; the other images were built',
    });
  }
}

/** kiln's entry point, for the child builds (the same kiln that runs this). */
const KILN_BIN = join(packageRoot, 'dist', 'bin.js');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * One image by kiln's disk-image-create / ramdisk-image-create, in a process of its own. A
 * signal to this kiln goes on to the build, which stops its VM and cleans up; this kiln waits
 * for that, then stops too (building no further image).
 */
async function runWithKiln(c: ImageCommand): Promise<number> {
  const sub = c.tool === 'ramdisk-image-create' ? 'ramdisk' : 'dib';
  const child = spawn(process.execPath, [KILN_BIN, sub, ...c.args], { env: { ...process.env, ...c.environment }, extendEnv: false, stdio: 'inherit' });
  let signal: NodeJS.Signals | undefined;
  const forward = (s: NodeJS.Signals) => {
    signal ??= s;
    child.kill(s);
  };
  for (const s of SIGNALS) process.on(s, forward);
  try {
    const r = await child;
    if (signal) throw new KilnError(`interrupted (${signal}) while building image ${c.imagename}`, { hint: 'its build stopped and cleaned up; no further image was started' });
    return r.exitCode ?? 1;
  } finally {
    for (const s of SIGNALS) process.off(s, forward);
  }
}

export function register(program: Command, status: ExitStatus): void {
  program
    .command('diskimage-builder')
    .description("diskimage-builder compatible: build every image of DIB's YAML image files, in order")
    .argument('<file...>', 'YAML image files: a list of images with DIB\'s keys (imagename, elements, types, environment, ...)')
    .option('--dry-run', 'print each image\'s command and build nothing')
    .option('--stop-on-failure', 'stop at the first image that fails (default: try every image)')
    .action(statusAction(status, (files: string[], o: ImageFileRun) => runImageFile(files, o)));
}
