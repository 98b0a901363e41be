// `kiln cache info|path|clear`: the helper drive and the appliances under the cache dir.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { tryLock } from '../vm/disks.js';
import { run } from '../vm/exec.js';

export function register(program: Command): void {
  const cmd = program.command('cache').description('the helper drive (package and image cache) and built appliances');
  cmd
    .command('path')
    .description('print the cache directory')
    .action(() => void process.stdout.write(cacheDir() + '\n'));
  cmd
    .command('info')
    .description('what the cache holds and how much space it takes')
    .action(async () => {
      const dir = cacheDir();
      const helper = join(dir, 'helper.qcow2');
      const lines = [`cache dir:    ${dir}`];
      if (existsSync(helper)) {
        const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', helper], { what: 'read the helper drive' })).stdout) as { 'actual-size': number; 'virtual-size': number };
        lines.push(`helper drive: ${helper} (${mb(info['actual-size'])} used of ${mb(info['virtual-size'])})${existsSync(`${helper}.lock`) ? ', in use by a build' : ''}`);
      } else lines.push('helper drive: none yet (made by the first build)');
      const packages = await Promise.all(HOST_PACKAGE_CACHES.map((d) => duBytes(join(dir, d))));
      lines.push(`host package cache: ${mb(packages.reduce((a, b) => a + b, 0))} (${HOST_PACKAGE_CACHES.map((d, i) => `${d} ${mb(packages[i]!)}`).join(', ')})`);
      const store = join(dir, 'appliance');
      const keys = existsSync(store) ? (await readdir(store)).filter((f) => /^[0-9a-f]{32}$/.test(f)) : [];
      lines.push(`appliances:   ${keys.length}${keys.length ? ` (${keys.join(', ')})` : ''}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
  cmd
    .command('clear')
    .description('delete the helper drive and the host package cache (and with --all the appliances too)')
    .option('--all', 'also delete built appliances')
    .action(async (o: { all?: boolean }) => {
      const dir = cacheDir();
      const helper = join(dir, 'helper.qcow2');
      const unlock = tryLock(`${helper}.lock`);
      if (!unlock) throw new KilnError(`the helper drive ${helper} is in use by a running build`, { hint: 'wait for the build to finish, then clear the cache' });
      try {
        await rm(helper, { force: true });
        for (const d of HOST_PACKAGE_CACHES) await rm(join(dir, d), { recursive: true, force: true });
        if (o.all) await rm(join(dir, 'appliance'), { recursive: true, force: true });
      } finally {
        unlock();
      }
      process.stdout.write(`cleared ${o.all ? dir : `${helper} and the host package cache`}\n`);
    });
}

/** What the host-native package step keeps: apt's private state and downloads, unpacked debs, repository images. */
const HOST_PACKAGE_CACHES = ['apt', 'debs-uncompressed', 'repo-images'];

async function duBytes(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const r = await run('du', ['-sb', path], { what: `measure ${path}` });
  return Number(r.stdout.split('\t')[0]);
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(0)} MB`;
}
