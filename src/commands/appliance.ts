// `kiln appliance build|info`: make the appliance VM's kernel, initramfs and root, or show it.
import type { Command } from 'commander';
import { statusAction, type ExitStatus } from './status.js';
import { buildAppliance } from '../appliance/builder.js';
import { findAppliance } from '../appliance/store.js';
import { loadRecipe } from '../appliance/recipe.js';
import { ApplianceError, UsageError } from '../errors.js';
import { ARCHES, parseArch, type Arch } from '../arch.js';
import { createLogger } from '../log.js';

export function register(program: Command, status: ExitStatus): void {
  const cmd = program.command('appliance').description('build or inspect the appliance VM that runs every privileged step');
  cmd
    .command('build')
    .description('build the appliance from Debian packages (no root needed); a cache hit when nothing changed')
    .option('--arch <name>', `architecture of the appliance: ${ARCHES.join(', ')} (default amd64)`)
    .option('--refresh', 're-resolve package versions from the mirror even if this recipe was built before')
    .option('--mirror <url>', 'Debian mirror for the appliance packages', process.env.KILN_APPLIANCE_MIRROR)
    .option('--security-mirror <url>', 'Debian security mirror')
    .option('--suite <name>', 'Debian suite of the appliance (default bookworm)')
    .option('--keyring <file>', 'keyring that signs the mirror (default the Debian archive keyring)')
    .option('--machine-readable', 'one JSON event per line on stderr')
    .action(statusAction(status, async (o: { arch?: string; refresh?: boolean; mirror?: string; securityMirror?: string; suite?: string; keyring?: string; machineReadable?: boolean }) => {
      const logger = createLogger({ machineReadable: o.machineReadable });
      const t0 = Date.now();
      const { appliance, cached } = await buildAppliance({ logger, ...o, arch: archOption(o.arch) });
      logger.info(`${cached ? 'cached' : 'built'} appliance ${appliance.manifest.key} in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${appliance.dir}`);
    }));
  cmd
    .command('info')
    .description('print what the current appliance holds')
    .option('--arch <name>', `architecture of the appliance: ${ARCHES.join(', ')} (default amd64)`)
    .option('--json', 'print the manifest as JSON')
    .action(statusAction(status, async (o: { arch?: string; json?: boolean }) => {
      const arch = archOption(o.arch);
      const recipe = await loadRecipe(undefined, arch);
      const a = await findAppliance(recipe.recipeHash);
      if (!a) throw new ApplianceError(`no ${arch} appliance has been built for this version of kiln`, { hint: `run: kiln appliance build${arch === 'amd64' ? '' : ` --arch ${arch}`}` });
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
          `arch:       ${m.arch ?? 'amd64'}`,
          `kernel:     ${m.kernelVersion} (${m.kernelPackage}), started ${{ pvh: 'at its PVH entry (uncompressed ELF)', bzimage: 'as a bzImage', image: 'as an arm64 Image' }[m.kernelBoot]}`,
          `packages:   ${m.packages.length} from ${m.mirror} ${m.suite}`,
          `sizes:      kernel ${mb(m.sizes.kernel)}, initrd ${mb(m.sizes.initrd)}, root ${mb(m.sizes.root)}`,
          `built:      ${m.builtAt}`,
        ].join('\n') + '\n',
      );
    }));
}

function archOption(name: string | undefined): Arch {
  if (name === undefined) return 'amd64';
  const arch = parseArch(name);
  if (!arch) throw new UsageError(`--arch ${name}: kiln cannot build an appliance for that architecture`, { hint: `architectures kiln can build: ${ARCHES.join(', ')} (also spelled x86_64, aarch64)` });
  return arch;
}
