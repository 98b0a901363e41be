// Where kiln keeps things on the host, and where its own data files live.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** $XDG_CACHE_HOME/kiln, else ~/.cache/kiln; KILN_CACHE_DIR overrides both (tests, CI). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CACHE_DIR) return resolve(env.KILN_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'kiln');
}

/** The package root: works from src/ (vitest) and from dist/ (installed bin). */
export const packageRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const applianceDataDir: string = join(packageRoot, 'appliance');
export const builtinElementsDir: string = join(packageRoot, 'elements');

/** kiln's version, from its package.json. */
export function kilnVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
