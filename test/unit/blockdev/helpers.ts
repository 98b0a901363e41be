import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(new URL('../../fixtures/blockdev/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(join(fixtureDir, name), 'utf8');
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
