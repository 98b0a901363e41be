import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blockDeviceEnv,
  canPopulateRoot,
  defaultConfig,
  mkfsCommand,
  partitionDevice,
  planFromYaml,
  renderFstab,
  renderMkfsScript,
  renderMountScript,
  renderPartitionScript,
  renderUnmountScript,
  renderWriteFstabScript,
  sfdiskScript,
} from '../../../src/blockdev/index.js';
import { takeExtendedOptions } from '../../../src/blockdev/render/mkfs.js';
import { fixture, GiB } from './helpers.js';

const seed = 'render-seed';
const efi = planFromYaml(defaultConfig('efi'), { seed, imageSize: 2 * GiB });
const mbr = planFromYaml(defaultConfig('mbr'), { seed, imageSize: GiB });
const dev = { device: '/dev/vdc' };
const lines = (s: string) => s.split('\n');

describe('partitioning', () => {
  it('names partition devices the way the kernel does', () => {
    expect(partitionDevice('/dev/vdc', 3)).toBe('/dev/vdc3');
    expect(partitionDevice('/dev/nvme0n1', 1)).toBe('/dev/nvme0n1p1');
    expect(partitionDevice('/dev/loop7', 2)).toBe('/dev/loop7p2');
  });

  it('gives sfdisk every sector, id and name explicitly (gpt)', () => {
    const [esp, bsp, root] = efi.table!.partitions;
    expect(lines(sfdiskScript(efi))).toEqual([
      'label: gpt',
      `label-id: ${efi.table!.diskId.toUpperCase()}`,
      'unit: sectors',
      'first-lba: 34',
      'sector-size: 512',
      '',
      `start=2048, size=1126400, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=${esp!.uuid!.toUpperCase()}, name="ESP"`,
      `start=1128448, size=16384, type=21686148-6449-6E6F-744E-656564454649, uuid=${bsp!.uuid!.toUpperCase()}, name="BSP"`,
      `start=1144832, size=${root!.sizeSectors}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=${root!.uuid!.toUpperCase()}, name="root"`,
      '',
    ]);
  });

  it('mbr: disk id, bootable flag, and the extended container before the first logical', () => {
    expect(lines(sfdiskScript(mbr))).toContain('start=2048, size=2093056, type=83, bootable');
    expect(lines(sfdiskScript(mbr))).toContain(`label-id: ${mbr.table!.diskId}`);
    const multi = planFromYaml(fixture('multi-tree.yaml'), { seed });
    const body = lines(sfdiskScript(multi)).filter((l) => l.startsWith('start='));
    expect(body.map((l) => l.replace(/start=\d+, size=\d+, /, ''))).toEqual(['type=83, bootable', 'type=f', 'type=83', 'type=83']);
  });

  it('boot on gpt sets LegacyBIOSBootable', () => {
    const gpt = planFromYaml(defaultConfig('gpt'), { seed, imageSize: GiB });
    expect(sfdiskScript(gpt)).toMatch(/name="root", attrs="LegacyBIOSBootable"\n/);
  });

  it('the partition script runs sfdisk on the device and waits for each partition node', () => {
    const script = renderPartitionScript(efi, dev);
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain('set -eu\ndev=/dev/vdc\n');
    expect(script).toContain('sfdisk --quiet "$@" "$dev" <<\'KILN_SFDISK\'\nlabel: gpt\n');
    // A block device must have the layout's sector size; only a file is told it.
    expect(script).toContain('if [ "$ss" != 512 ]; then echo "kiln: $dev has $ss-byte sectors but the layout is for 512-byte sectors" >&2; exit 1; fi');
    expect(lines(script).filter((l) => l.startsWith('kiln_wait_block /'))).toEqual([
      'kiln_wait_block /dev/vdc1',
      'kiln_wait_block /dev/vdc2',
      'kiln_wait_block /dev/vdc3',
    ]);
    expect(renderPartitionScript(efi, { ...dev, waitForPartitions: false })).not.toContain('kiln_wait_block');
    const none = planFromYaml(defaultConfig('none'), { seed, imageSize: GiB });
    expect(renderPartitionScript(none, dev)).not.toContain('sfdisk');
  });
});

describe('mkfs', () => {
  it('passes label, uuid and hash seed, keeping the user -E in the same option', () => {
    const [esp, root] = efi.filesystems;
    expect(mkfsCommand(root!, '/dev/vdc3')).toEqual([
      'mkfs.ext4', '-F', '-q', '-i', '4096', '-J', 'size=64',
      '-L', 'cloudimg-rootfs', '-U', root!.uuid, '-E', `hash_seed=${root!.hashSeed}`, '/dev/vdc3',
    ]);
    expect(mkfsCommand({ ...root!, options: ['-E', 'resize=9999', '-Elazy_itable_init=0'] }, '/dev/x')).toContain('resize=9999,lazy_itable_init=0,hash_seed=' + root!.hashSeed);
    expect(mkfsCommand(esp!, '/dev/vdc1')).toEqual(['mkfs.vfat', '-n', 'MKFS_ESP', '-i', esp!.volumeId, '/dev/vdc1']);
    expect(mkfsCommand({ ...root!, type: 'xfs', options: [] }, '/dev/vdc3')).toEqual(['mkfs.xfs', '-f', '-q', '-L', 'cloudimg-rootfs', '-m', `uuid=${root!.uuid}`, '/dev/vdc3']);
    expect(takeExtendedOptions(['-E', 'a=1,b', '-O', 'x'])).toEqual({ rest: ['-O', 'x'], extended: ['a=1', 'b'] });
  });

  it('renders one mkfs per filesystem, with SOURCE_DATE_EPOCH when reproducible', () => {
    const script = renderMkfsScript(efi, { ...dev, sourceDateEpoch: 1700000000 });
    const cmds = lines(script).filter((l) => l.startsWith('mkfs.') || l.startsWith('export'));
    expect(cmds[0]).toBe('export SOURCE_DATE_EPOCH=1700000000 E2FSPROGS_FAKE_TIME=1700000000');
    expect(cmds[1]).toMatch(/^mkfs\.vfat .* \/dev\/vdc1$/);
    expect(cmds[2]).toMatch(/^mkfs\.ext4 .* \/dev\/vdc3$/);
  });

  it('populates a single ext root from a directory, and says why it cannot otherwise', () => {
    const none = planFromYaml(defaultConfig('none'), { seed, imageSize: GiB });
    expect(canPopulateRoot(none)).toEqual({ ok: true });
    expect(renderMkfsScript(none, { ...dev, populateRootFrom: '/tmp/tree' })).toMatch(/ -d \/tmp\/tree \/dev\/vdc\n$/);
    // an ESP beside the root is remade on its own (render/vfat.ts): the root alone is populated
    expect(canPopulateRoot(efi)).toEqual({ ok: true });
    const onlyRoot = renderMkfsScript(efi, { ...dev, populateRootFrom: '/t' });
    expect(onlyRoot).not.toMatch(/mkfs\.(fat|vfat)/);
    expect(onlyRoot).toMatch(/mkfs\.ext4 .* -d \/t /);
    const lvm = planFromYaml(readFileSync(join(import.meta.dirname, '../../../elements/block-device-efi-lvm/block-device-default.yaml'), 'utf8'), { seed, imageSize: 8 * GiB });
    expect(canPopulateRoot(lvm)).toEqual({ ok: false, why: expect.stringContaining('besides the root') });
    const xfs = planFromYaml(defaultConfig('none'), { seed, imageSize: GiB, fsType: 'xfs' });
    expect(canPopulateRoot(xfs)).toEqual({ ok: false, why: expect.stringContaining('xfs') });
  });
});

describe('mount, fstab, unmount', () => {
  const multi = planFromYaml(fixture('multi-tree.yaml'), { seed });

  it('mounts parents first under the given path', () => {
    const script = renderMountScript(multi, { ...dev, mountPath: '/tmp/kiln mnt' });
    expect(lines(script).slice(3)).toEqual([
      "mnt='/tmp/kiln mnt'",
      'mkdir -p "$mnt"',
      'mount -t xfs /dev/vdc1 "$mnt"',
      'mkdir -p "$mnt"/var',
      'mount -t ext4 /dev/vdc6 "$mnt"/var',
      'mkdir -p "$mnt"/var/log',
      'mount -t vfat /dev/vdc5 "$mnt"/var/log',
      '',
    ]);
  });

  it('unmounts in reverse, only what is mounted, trimming all but FAT', () => {
    const script = renderUnmountScript(multi, { mountPath: '/mnt' });
    expect(script).not.toMatch(/^set -e/m);
    const acts = lines(script).filter((l) => /^\s*(if|fstrim|umount)/.test(l)).map((l) => l.trim().split(' ').slice(0, 3).join(' '));
    expect(acts).toEqual([
      'if mountpoint -q',
      'umount "$mnt"/var/log ||',
      'if mountpoint -q',
      'fstrim "$mnt"/var ||',
      'umount "$mnt"/var ||',
      'if mountpoint -q',
      'fstrim "$mnt" ||',
      'umount "$mnt" ||',
    ]);
    expect(renderUnmountScript(multi, { mountPath: '/mnt', fstrim: false })).not.toContain('fstrim');
  });

  it('writes fstab by label (DIB) or by uuid', () => {
    expect(renderFstab(efi)).toBe('LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=MKFS_ESP /boot/efi vfat defaults 0 2\n');
    expect(renderFstab(efi, 'uuid')).toBe(`UUID=${efi.root.uuid} / ext4 defaults 0 1\nUUID=${efi.filesystems[0]!.uuid} /boot/efi vfat defaults 0 2\n`);
    expect(renderWriteFstabScript(efi, { mountPath: '/mnt' })).toContain(`cat > "$mnt/etc/fstab" <<'KILN_FSTAB'\nLABEL=cloudimg-rootfs / ext4 defaults 0 1\n`);
  });
});

describe('environment for elements', () => {
  it('exports what dib-block-device getval would answer', () => {
    // no filesystem of its own at /boot: DIB_BOOT_LABEL is empty, and set (read under set -u)
    expect(blockDeviceEnv(efi)).toEqual({ DIB_ROOT_LABEL: 'cloudimg-rootfs', DIB_ROOT_FSTYPE: 'ext4', DIB_BOOT_LABEL: '', DIB_MOUNTPOINTS: '/boot/efi|/' });
    expect(blockDeviceEnv(efi, dev)).toMatchObject({
      IMAGE_BLOCK_DEVICE: '/dev/vdc',
      IMAGE_BLOCK_DEVICES: ' [image0]=/dev/vdc  [ESP]=/dev/vdc1  [BSP]=/dev/vdc2  [root]=/dev/vdc3 ',
    });
  });
});
