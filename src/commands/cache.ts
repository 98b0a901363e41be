// `kiln cache info|path|clear|prune|export|import`: the helper drive, the host caches and the
// built appliances, as src/cache/layout.ts lays them out.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { KilnError } from '../errors.js';
import { exportCache, importCache } from '../cache/archive.js';
import { cacheBound, mib, parseCacheSize, pruneCache } from '../cache/bound.js';
import { cacheLayout, HOST_CACHES, type CacheLayout } from '../cache/layout.js';
import { helperDriveError, helperDriveUser, lineageFileOf, lockFileOf } from '../cache/helper-drive.js';
import { withHostCaches } from '../cache/host-lock.js';
import { tryLock } from '../host/lock.js';
import { run } from '../host/run.js';
import { createLogger } from '../log.js';
import { kilnVersion } from '../paths.js';
import { statusAction, type ExitStatus } from './status.js';

/** kiln cache prune's bound when neither --max-size nor KILN_CACHE_MAX_SIZE gives one. */
const DEFAULT_MAX = '20G';

export function register(program: Command, status: ExitStatus): void {
  const cmd = program.command('cache').description('the helper drive (package and image cache) and built appliances');
  cmd
    .command('path')
    .description('print the cache directory')
    .action(statusAction(status, () => void process.stdout.write(cacheLayout().root + '\n')));
  cmd
    .command('info')
    .description('what the cache holds and how much space it takes')
    .action(statusAction(status, async () => void process.stdout.write((await cacheInfo(cacheLayout())).join('\n') + '\n')));
  cmd
    .command('clear')
    .description('delete the helper drive and the host caches (and with --all the appliances too)')
    .option('--all', 'also delete built appliances')
    .action(
      statusAction(status, async (o: { all?: boolean }) => {
        const c = cacheLayout();
        const lock = await tryLock(lockFileOf(c.helperDrive));
        if (!lock) throw new KilnError(`a build is merging into the helper drive ${c.helperDrive} right now`, { hint: 'try again in a few seconds' });
        try {
          // builds running now keep the drive they opened; they drop their merges when they end
          await rm(c.helperDrive, { force: true });
          await rm(lineageFileOf(c.helperDrive), { force: true });
          await withHostCaches(c, createLogger(), 'clearing', async () => {
            for (const k of HOST_CACHES) await rm(c[k], { recursive: true, force: true });
          });
          if (o.all) await rm(c.appliances, { recursive: true, force: true });
        } finally {
          await lock.release();
        }
        process.stdout.write(`cleared ${o.all ? c.root : `${c.helperDrive} and the host caches`}\n`);
      }),
    );
  cmd
    .command('prune')
    .description('remove what was used least recently until the cache fits a size (the helper drive and the appliance in use stay)')
    .option('--max-size <SIZE>', `the bound, e.g. 20G (default: KILN_CACHE_MAX_SIZE, else ${DEFAULT_MAX})`)
    .option('--dry-run', 'say what would go, remove nothing')
    .action(
      statusAction(status, async (o: { maxSize?: string; dryRun?: boolean }) => {
        const c = cacheLayout();
        const max = o.maxSize !== undefined ? parseCacheSize(o.maxSize, '--max-size') : (cacheBound() ?? parseCacheSize(DEFAULT_MAX, 'the default'));
        const plan = await pruneCache(c, max, createLogger(), o.dryRun);
        for (const u of plan.remove) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${u.what} ${u.path} (${mib(u.bytes)}, last used ${new Date(u.usedMs).toISOString()})\n`);
        process.stdout.write(`cache: ${mib(plan.totalBytes)} -> ${mib(plan.afterBytes)} (bound ${mib(max)})\n`);
        if (plan.afterBytes > max) {
          throw new KilnError(`the cache still takes ${mib(plan.afterBytes)}, over ${mib(max)}: the helper drive and the appliance in use are not pruned`, { hint: 'kiln cache clear empties the helper drive; or choose a larger --max-size' });
        }
      }),
    );
  cmd
    .command('export')
    .description('write the helper drive, the host package caches and the appliance to FILE, one tar archive (.tar, .tar.zst, .tar.gz...)')
    .argument('<file>')
    .action(
      statusAction(status, async (file: string) => {
        const m = await exportCache(cacheLayout(), file, { kiln: kilnVersion(), log: createLogger() });
        process.stdout.write(`${file}: ${m.members.join(', ')} (${mib((await stat(file)).size)})\n`);
      }),
    );
  cmd
    .command('import')
    .description('take the helper drive from FILE (made by kiln cache export) and add to the host caches and appliances what they lack')
    .argument('<file>')
    .action(
      statusAction(status, async (file: string) => {
        const c = cacheLayout();
        const r = await importCache(c, file, createLogger());
        process.stdout.write(`${c.root}: ${r.helperDrive ? 'helper drive replaced, ' : ''}${r.added} entries added, ${r.kept} already there (archive of kiln ${r.manifest.kiln}, ${r.manifest.createdAt})\n`);
      }),
    );
}

export async function cacheInfo(c: CacheLayout): Promise<string[]> {
  const lines = [`cache dir:    ${c.root}`];
  if (existsSync(c.helperDrive)) {
    const read = await run('qemu-img', ['info', '--output=json', '-U', c.helperDrive], { what: 'read the helper drive' }).catch((e: unknown) => {
      const why = String((e as KilnError).message).split('\n').slice(1).join(' ').replace(/^\s*qemu-img: /, '').trim();
      throw helperDriveError(c.helperDrive, `qemu-img cannot read it${why ? ` (${why})` : ''}`, e);
    });
    const info = JSON.parse(read.stdout) as { 'actual-size': number; 'virtual-size': number };
    const user = helperDriveUser(c.helperDrive);
    const use = user.state === 'in use' ? `, a build is merging into it now${user.pid ? ` (pid ${user.pid})` : ''}` : existsSync(lockFileOf(c.helperDrive)) ? ', free (no build is merging into it)' : '';
    lines.push(`helper drive: ${c.helperDrive} (${mb(info['actual-size'])} used of ${mb(info['virtual-size'])})${use}`);
  } else lines.push('helper drive: none yet (made by the first build)');
  const sizes = await Promise.all(HOST_CACHES.map((k) => duBytes(c[k])));
  lines.push(`host caches:  ${mb(sizes.reduce((a, b) => a + b, 0))} (${HOST_CACHES.map((k, i) => `${c[k].slice(c.root.length + 1)} ${mb(sizes[i]!)}`).join(', ')})`);
  const keys = existsSync(c.appliances) ? (await readdir(c.appliances)).filter((f) => /^[0-9a-f]{32}$/.test(f)) : [];
  lines.push(`appliances:   ${keys.length}${keys.length ? ` (${keys.join(', ')})` : ''}`);
  const bound = cacheBound();
  lines.push(`bound:        ${bound === undefined ? 'none (KILN_CACHE_MAX_SIZE unset; kiln cache prune on demand)' : `${mib(bound)} (KILN_CACHE_MAX_SIZE), pruned after every build`}`);
  return lines;
}

async function duBytes(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const r = await run('du', ['-sb', path], { what: `measure ${path}` });
  return Number(r.stdout.split('\t')[0]);
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(0)} MB`;
}
