// KILN_CACHE_MAX_SIZE: the bound every build keeps the cache dir under, pruning least recently
// used first when it ends (cache/prune.ts). Unset: no bound (kiln cache prune on demand).
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { withHostCaches } from './host-lock.js';
import type { CacheLayout } from './layout.js';
import { applyPrune, prunePlanFor, type PrunePlan } from './prune.js';

/** "20G", "500M", "1.5T", or bytes -> bytes. */
export function parseCacheSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${what} ${text}: not a size`, { hint: 'give a size like 20G or 500M' });
  const unit = (m[2] ?? '').toUpperCase();
  return Math.floor(Number(m[1]) * 1024 ** ' KMGT'.indexOf(unit || ' '));
}

/** The bound from the environment, if one is set. */
export function cacheBound(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return env.KILN_CACHE_MAX_SIZE ? parseCacheSize(env.KILN_CACHE_MAX_SIZE, 'KILN_CACHE_MAX_SIZE') : undefined;
}

/** Prune to `maxBytes` under the host caches' lock; the plan carried out. */
export async function pruneCache(c: CacheLayout, maxBytes: number, log: Logger, dryRun = false): Promise<PrunePlan> {
  return withHostCaches(c, log, 'pruning', async () => {
    const plan = await prunePlanFor(c, maxBytes);
    if (!dryRun) await applyPrune(plan);
    return plan;
  });
}

/** At the end of a build: keep the cache under KILN_CACHE_MAX_SIZE (`max`), saying what went; never fails the build. */
export async function pruneToBound(c: CacheLayout, max: number, log: Logger): Promise<void> {
  let plan: PrunePlan;
  try {
    plan = await pruneCache(c, max, log);
  } catch (e) {
    log.warn(`cache: could not prune to KILN_CACHE_MAX_SIZE: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (plan.remove.length) log.info(`cache: removed ${plan.remove.length} least recently used entries (${mib(plan.totalBytes - plan.afterBytes)}) to stay under KILN_CACHE_MAX_SIZE`);
  if (plan.afterBytes > max) log.warn(`cache: ${c.root} still takes ${mib(plan.afterBytes)}, over KILN_CACHE_MAX_SIZE (${mib(max)}): the helper drive and the appliance in use are not pruned (kiln cache clear empties the helper drive)`);
}

export const mib = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
