// What the VM benches load from kiln's build (dist/): the appliance, its VM, a silent logger.
import { existsSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { URL } from 'node:url';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url);

export async function vmModules() {
  if (!existsSync(dist('vm/appliance-vm.js'))) {
    console.error('bench: dist/ is missing: run npm run build first');
    process.exit(1);
  }
  const { ApplianceVm } = await import(dist('vm/appliance-vm.js').href);
  const { buildAppliance } = await import(dist('appliance/builder.js').href);
  const { createLogger } = await import(dist('log.js').href);
  return { ApplianceVm, buildAppliance, logger: createLogger({ write: () => {} }) };
}
