// `kiln cache info|path|clear`: the helper drive, the host caches and the built appliances,
// as src/cache/layout.ts lays them out.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { KilnError } from '../errors.js';
import { cacheLayout, HOST_CACHES, type CacheLayout } from '../cache/layout.js';
import { helperDriveError, helperDriveUser, lockFileOf } from '../cache/helper-drive.js';
import { tryLock } from '../host/lock.js';
import { run } from '../host/run.js';
import { statusAction, type ExitStatus } from './status.js';

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
        if (!lock) throw new KilnError(`the helper drive ${c.helperDrive} is in use by a running build`, { hint: 'wait for the build to finish, then clear the cache' });
        try {
          await rm(c.helperDrive, { force: true });
          for (const k of HOST_CACHES) await rm(c[k], { recursive: true, force: true });
          if (o.all) await rm(c.appliances, { recursive: true, force: true });
        } finally {
          lock.release();
        }
        process.stdout.write(`cleared ${o.all ? c.root : `${c.helperDrive} and the host caches`}\n`);
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
    const use = user.state === 'in use' ? `, in use by a build${user.pid ? ` (pid ${user.pid})` : ''}` : existsSync(lockFileOf(c.helperDrive)) ? ', free (its last build ended)' : '';
    lines.push(`helper drive: ${c.helperDrive} (${mb(info['actual-size'])} used of ${mb(info['virtual-size'])})${use}`);
  } else lines.push('helper drive: none yet (made by the first build)');
  const sizes = await Promise.all(HOST_CACHES.map((k) => duBytes(c[k])));
  lines.push(`host caches:  ${mb(sizes.reduce((a, b) => a + b, 0))} (${HOST_CACHES.map((k, i) => `${c[k].slice(c.root.length + 1)} ${mb(sizes[i]!)}`).join(', ')})`);
  const keys = existsSync(c.appliances) ? (await readdir(c.appliances)).filter((f) => /^[0-9a-f]{32}$/.test(f)) : [];
  lines.push(`appliances:   ${keys.length}${keys.length ? ` (${keys.join(', ')})` : ''}`);
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
