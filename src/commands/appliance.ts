// `kiln appliance build|info`: make the appliance VM's kernel, initramfs and root, or show it.
import type { Command } from 'commander';
import { statusAction, type ExitStatus } from './status.js';
import { buildAppliance } from '../appliance/builder.js';
import { applianceForRecipe } from '../appliance/store.js';
import { loadRecipe } from '../appliance/recipe.js';
import { ApplianceError } from '../errors.js';
import { consoleSink, loggerOf } from '../log.js';

export function register(program: Command, status: ExitStatus): void {
  const cmd = program.command('appliance').description('build or inspect the appliance VM that runs every privileged step');
  cmd
    .command('build')
    .description('build the appliance from Debian packages (no root needed); a cache hit when nothing changed')
    .option('--refresh', 're-resolve package versions from the mirror even if this recipe was built before')
    .option('--mirror URL', 'Debian mirror for the appliance packages', process.env.KILN_APPLIANCE_MIRROR)
    .option('--security-mirror URL', 'Debian security mirror')
    .option('--suite NAME', 'Debian suite of the appliance (default bookworm)')
    .option('--keyring FILE', 'keyring that signs the mirror (default the Debian archive keyring)')
    .option('--machine-readable', 'one JSON event per line on stderr')
    .action(statusAction(status, async (o: { refresh?: boolean; mirror?: string; securityMirror?: string; suite?: string; keyring?: string; machineReadable?: boolean }) => {
      status.sink = consoleSink({ machineReadable: !!o.machineReadable, debug: false }).sink;
      const logger = loggerOf(status.sink);
      const t0 = Date.now();
      const { appliance, cached } = await buildAppliance({ logger, ...o });
      logger.info(`${cached ? 'cached' : 'built'} appliance ${appliance.manifest.key} in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${appliance.dir}`);
    }));
  cmd
    .command('info')
    .description('print what the current appliance holds')
    .option('--json', 'print the manifest as JSON')
    .action(statusAction(status, async (o: { json?: boolean }) => {
      const recipe = await loadRecipe();
      const a = await applianceForRecipe(recipe.recipeHash);
      if (!a) throw new ApplianceError('no appliance has been built for this version of kiln', { hint: 'run: kiln appliance build' });
      const m = a.manifest;
      if (o.json) {
        process.stdout.write(JSON.stringify({ path: a.dir, ...m }, null, 2) + '\n');
        return;
      }
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      process.stdout.write(
        [
          `key:        ${m.key}`,
          `path:       ${a.dir}`,
          `kernel:     ${m.kernelVersion} (${m.kernelPackage}), started ${m.kernelBoot === 'pvh' ? 'at its PVH entry (uncompressed ELF)' : 'as a bzImage'}`,
          `packages:   ${m.packages.length} from ${m.mirror} ${m.suite}`,
          `sizes:      kernel ${mb(m.sizes.kernel)}, initrd ${mb(m.sizes.initrd)}, root ${mb(m.sizes.root)}`,
          `built:      ${m.builtAt}`,
        ].join('\n') + '\n',
      );
    }));
}
