// Where kiln's own data files live (the package's appliance/, elements/ and dib-lib/). The
// caches it keeps on the host are src/cache/layout.ts's.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: works from src/ (vitest) and from dist/ (installed bin). */
export const packageRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const applianceDataDir: string = join(packageRoot, 'appliance');
export const builtinElementsDir: string = join(packageRoot, 'elements');

/** kiln's version, from its package.json. */
export function kilnVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
