// extra-data.d, the one phase that runs on the host: as the user, with exactly the build's
// environment (nothing of kiln's own inherited), TARGET_ROOT a tree of the user's that is
// merged into the real target after root.d.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { privateDir } from '../cache/layout.js';
import { hostEnvironment, type DibSettings } from '../env/dib.js';
import { SUDO_SHIM } from '../guest/sudo-shim.js';
import { findTool } from '../host/tools.js';
import type { BuildContext } from './context.js';
import { phaseTable } from '../elements/phases.js';
import type { PreparedElements } from './prepare.js';
import { runHostPhase } from './run-phase.js';

/** The host tree extra-data.d writes into (its TARGET_ROOT); empty when it has no scripts. */
export const extraTarget = (work: string) => join(work, 'extra-target');

export async function runExtraData(ctx: BuildContext, prepared: PreparedElements, settings: DibSettings, blockDevice: Readonly<Record<string, string>>, lib: string): Promise<void> {
  const scripts = prepared.scripts.phases['extra-data'];
  const target = extraTarget(ctx.work);
  await mkdir(target, { recursive: true });
  if (scripts.length === 0) return;
  // DIB runs root.d first, so extra-data.d finds a tree with /tmp (package-installs-squash writes there)
  await mkdir(join(target, 'tmp'));
  await chmod(join(target, 'tmp'), 0o1777);
  await makeImageCacheDir(ctx);
  // elements call sudo to write into TARGET_ROOT as DIB ran as root; here the tree is the user's
  await mkdir(shimDir(ctx), { recursive: true });
  await writeFile(join(shimDir(ctx), 'sudo'), SUDO_SHIM, { mode: 0o755 });
  const env = await extraDataEnvironment(ctx, prepared, settings, blockDevice, lib);
  await runHostPhase(
    { phase: phaseTable['extra-data'], scripts, environment: prepared.scripts.environment.map((s) => s.hook), env, trace: ctx.o.debug > 0, logger: ctx.log, redact: ctx.redact, record: (t) => ctx.clock.scripts.push(t) },
    prepared.staged.hooksPath,
    ctx.work,
  );
}

/** Where runExtraData puts its sudo pass-through, first on extra-data.d's PATH. */
const shimDir = (ctx: BuildContext) => join(ctx.work, 'host-bin');

/** What extra-data.d runs with on the host (and what the elements' environment.d is sourced in before the build asks it anything). */
export async function extraDataEnvironment(ctx: BuildContext, prepared: PreparedElements, settings: DibSettings, blockDevice: Readonly<Record<string, string>>, lib: string): Promise<Record<string, string>> {
  const env = hostEnvironment(
    settings,
    {
      hooks: prepared.staged.hooksPath,
      targetRoot: extraTarget(ctx.work),
      buildDir: ctx.work,
      lib,
      // made by runExtraData: reading the elements' variables first touches no cache dir (a bad one is named by the step that needs it)
      imageCache: ctx.o.imageCache ?? ctx.cache.imageCache,
      path: `${shimDir(ctx)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      home: process.env.HOME ?? ctx.work,
    },
    blockDevice,
  );
  return { ...env, ...(await pythonFor(prepared, settings.user)) };
}

/** --image-cache: the user's own directory, made if missing as DIB does, its mode left alone; else kiln's, private. */
async function makeImageCacheDir(ctx: BuildContext): Promise<void> {
  if (!ctx.o.imageCache) await privateDir(ctx.cache.imageCache);
  else await mkdir(ctx.o.imageCache, { recursive: true });
}

/**
 * DIB runs its host-side python (package-installs-squash...) with its own interpreter and
 * package. Here: the host's python3 by absolute path, and when the elements come from a DIB
 * package (-p .../diskimage_builder/elements), that package first on PYTHONPATH, so its
 * scripts import the diskimage_builder they belong to, not whatever version the host has.
 */
async function pythonFor(prepared: PreparedElements, user: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const python = user.DIB_PYTHON_EXEC ?? (await findTool('python3'));
  if (python) env.DIB_PYTHON_EXEC = python;
  const packages = new Set<string>();
  for (const e of prepared.resolution.elements) {
    const pkg = dirname(dirname(e.path));
    if (basename(pkg) === 'diskimage_builder' && existsSync(join(pkg, '__init__.py'))) packages.add(dirname(pkg));
  }
  if (packages.size) env.PYTHONPATH = [...packages, ...(user.PYTHONPATH ? [user.PYTHONPATH] : [])].join(':');
  return env;
}
