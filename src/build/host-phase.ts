// extra-data.d, the one phase that runs on the host: as the user, with exactly the build's
// environment (nothing of kiln's own inherited), TARGET_ROOT a tree of the user's that is
// merged into the real target after root.d.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { privateDir } from '../cache/layout.js';
import { hostEnvironment, type DibSettings } from '../env/dib.js';
import { SUDO_SHIM } from '../guest/sudo-shim.js';
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
  const shim = join(ctx.work, 'host-bin');
  await mkdir(shim, { recursive: true });
  // elements call sudo to write into TARGET_ROOT as DIB ran as root; here the tree is the user's
  await writeFile(join(shim, 'sudo'), SUDO_SHIM, { mode: 0o755 });
  const env = hostEnvironment(
    settings,
    {
      hooks: prepared.staged.hooksPath,
      targetRoot: target,
      buildDir: ctx.work,
      lib,
      imageCache: await privateDir(ctx.cache.imageCache),
      path: `${shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      home: process.env.HOME ?? ctx.work,
    },
    blockDevice,
  );
  const timings = await runHostPhase(
    { phase: phaseTable['extra-data'], scripts, environment: prepared.scripts.environment.map((s) => s.hook), env, trace: ctx.o.debug > 0, logger: ctx.log, redact: ctx.redact },
    prepared.staged.hooksPath,
    ctx.work,
  );
  ctx.clock.scripts.push(...timings);
}
