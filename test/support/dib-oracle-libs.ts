// DIB's own lib/ directories to test against: bookworm's installed python3-diskimage-builder
// (3.13) always; today's (trixie's 3.37, sid's 3.40) where scripts/dib-oracles has unpacked them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheLayout } from '../../src/cache/layout.js';

export interface DibOracle {
  version: string;
  /** .../diskimage_builder */
  root: string;
  lib: string;
  elements: string;
}

const INSTALLED = '/usr/lib/python3/dist-packages/diskimage_builder';

export function dibOracles(): DibOracle[] {
  const out: DibOracle[] = [];
  const add = (version: string, root: string) => out.push({ version, root, lib: join(root, 'lib'), elements: join(root, 'elements') });
  if (existsSync(INSTALLED)) add('installed', INSTALLED);
  const dir = join(cacheLayout().root, 'dib-oracles');
  if (existsSync(dir)) {
    for (const v of readdirSync(dir).sort()) {
      const root = join(dir, v, 'usr/lib/python3/dist-packages/diskimage_builder');
      if (existsSync(root)) add(v, root);
    }
  }
  return out;
}
