// The ESP made reproducibly: the script as data, and for real on the host (mkfs.fat and
// mtools work on plain files): twice, seconds apart, from trees with different mtimes, the
// same bytes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, planFromYaml, renderMkfsScript, renderVfatFromTreeScript, renderVfatRebuildScript, vfatFilesystem } from '../../../src/blockdev/index.js';
import { GiB, MiB } from './helpers.js';

const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH } });
const has = (tool: string) => run('sh', ['-c', `command -v ${tool}`]).status === 0;
const epoch = 1700000000;
const plan = planFromYaml(defaultConfig('efi'), { seed: 'vfat', imageSize: 2 * GiB });
const esp = vfatFilesystem(plan);

describe('the ESP rewrite as data', () => {
  it('makes the filesystem with the planned label and id, no clock, then the tree in byte order', () => {
    const script = renderVfatFromTreeScript(plan, esp, { tree: '/t', image: '/i.img', sizeBytes: 550 * MiB, epoch });
    const lines = script.split('\n');
    expect(lines).toContain(`export SOURCE_DATE_EPOCH=${epoch} TZ=UTC MTOOLS_SKIP_CHECK=1 LC_ALL=C`);
    expect(lines).toContain(`mkfs.vfat --invariant -h 2048 -n MKFS_ESP -i ${esp.volumeId} "$img" >/dev/null`);
    expect(lines).toContain(`find "$tree" -exec touch -h -d @${epoch} {} +`);
    expect(script.indexOf('mmd -i')).toBeLessThan(script.indexOf('mcopy -m -i'));
    expect(script).toContain('| sort |');
  });

  it('in the guest: copy out, unmount, make it in a file, write it over the zeroed partition, mount read-only', () => {
    const script = renderVfatRebuildScript(plan, esp, { device: '/dev/loop0', mountedAt: '/mnt/image/boot/efi', staging: '/scratch/esp', scratchFile: '/scratch/esp.img', epoch });
    const acts = script.split('\n').filter((l) => /^(cp|umount|truncate|mkfs\.vfat|blkdiscard|dd|mount) /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(acts).toEqual(['cp -a', 'umount "$mnt"', 'truncate -s', 'mkfs.vfat --invariant', 'blkdiscard -z', 'dd if=/scratch/esp.img', 'mount -t']);
    expect(script).toContain('dev=/dev/loop0p1\n');
    expect(script).toContain('truncate -s "$(blockdev --getsize64 "$dev")" "$img"');
    expect(script).toContain('mount -t vfat -o ro "$dev" "$mnt"');
  });

  it('makes every vfat reproducibly when SOURCE_DATE_EPOCH is set (mkfs.fat ignores the variable)', () => {
    expect(renderMkfsScript(plan, { device: '/dev/vdc', sourceDateEpoch: epoch })).toMatch(/^mkfs\.vfat --invariant -n MKFS_ESP /m);
    expect(renderMkfsScript(plan, { device: '/dev/vdc' })).toMatch(/^mkfs\.vfat -n MKFS_ESP /m);
  });
});

describe.runIf(has('mkfs.vfat') && has('mcopy') && has('mmd'))('the ESP rewrite on the host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-vfat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function tree(name: string, mtime: number, order: string[]): string {
    const root = join(dir, name);
    const files: Record<string, string> = {
      'EFI/BOOT/BOOTX64.EFI': 'boot loader\n',
      'EFI/debian/grub.cfg': 'search --label cloudimg-rootfs\n',
      'EFI/debian/grubx64.efi': 'x'.repeat(70000),
      'EFI/debian/a long name with spaces.txt': 'long names get VFAT entries\n',
      'EFI/debian/empty': '',
    };
    // Written in a different order each time: the filesystem must not care.
    for (const path of order.map((i) => Object.keys(files)[Number(i)]!)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), files[path]!);
      utimesSync(join(root, path), mtime, mtime);
    }
    return root;
  }

  function make(name: string, src: string): string {
    const image = join(dir, `${name}.img`);
    const r = run('sh', ['-c', renderVfatFromTreeScript(plan, esp, { tree: src, image, sizeBytes: 64 * MiB, epoch })]);
    expect(r.status, r.stderr).toBe(0);
    return image;
  }

  it('gives the same bytes twice, seconds apart, from trees written differently', async () => {
    const a = make('a', tree('ta', 1800000000, ['0', '1', '2', '3', '4']));
    await new Promise((r) => setTimeout(r, 2100)); // past FAT's 2-second clock
    const b = make('b', tree('tb', 1600000000, ['4', '3', '2', '1', '0']));
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(run('fsck.vfat', ['-n', a]).status).toBe(0);
    const blkid = run('blkid', ['-p', '-o', 'export', a]).stdout;
    expect(blkid).toContain('LABEL=MKFS_ESP');
    expect(blkid).toContain(`UUID=${esp.uuid}`);
    expect(run('mtype', ['-i', a, '::/EFI/debian/grub.cfg']).stdout).toBe('search --label cloudimg-rootfs\n');
    const listing = run('mdir', ['-i', a, '-/', '::/']).stdout;
    expect(listing).toContain('a long name with spaces.txt');
    expect(listing).toMatch(/2023-11-14\s+22:13/);
  });
});
