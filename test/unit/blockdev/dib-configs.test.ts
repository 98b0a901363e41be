// DIB's own block-device test configs and element layouts, read from DIB's source tree at
// test time (helpers.dibFile), planned by kiln: the commands and numbers DIB's unit tests
// expect of them (diskimage_builder/block_device/tests/test_lvm.py, test_mount_order.py)
// are what kiln's plan and scripts say too. Where DIB's config is one DIB itself could not
// build, kiln says so by name.
import { describe, expect, it } from 'vitest';
import {
  blockDeviceEnv,
  lvmCreateCommands,
  planFromYaml,
  renderFstab,
  renderMkfsScript,
  renderMountScript,
  BlockDeviceError,
  type Plan,
} from '../../../src/blockdev/index.js';
import { dibElementConfig, dibTestConfig, GiB } from './helpers.js';

const seed = 'dib-configs';
const haveDib = dibTestConfig('lvm_tree') !== undefined;
const config = (name: string) => dibTestConfig(name)!;
/** kiln adds --yes (no prompt can be answered in the appliance); otherwise DIB's argv. */
const asDib = (plan: Plan, devicePaths: Record<string, string>) =>
  lvmCreateCommands(plan, { device: '/dev/fake/image0', devicePaths }).map((argv) => argv.filter((a) => a !== '--yes'));
const lvcreate = (name: string, size: string[], vg: string, thin?: string) => [
  'lvcreate', '--name', name, ...(thin ? ['--type', 'thin', '--thin-pool', thin] : []), ...size, vg,
];

describe.runIf(haveDib)("DIB's LVM test configs", () => {
  it('lvm_tree and lvm_graph are the same layout (test_lvm_tree_to_graph)', () => {
    const tree = planFromYaml(config('lvm_tree'), { seed, imageSize: 4 * GiB });
    const graph = planFromYaml(config('lvm_graph'), { seed, imageSize: 4 * GiB });
    const shape = (p: Plan) => ({ lvm: p.lvm, filesystems: p.filesystems, mounts: p.mounts, fstab: p.fstab, root: p.root });
    expect(shape(graph)).toEqual(shape(tree));
    expect(tree.lvm!.vgs).toEqual([expect.objectContaining({ name: 'vg', pvs: ['pv'], options: ['--force'] })]);
  });

  it('lvm_tree_multiple_pv: two PVs in one group, sizes rounded down to 4 MiB extents (test_lvm_multi_pv)', () => {
    const plan = planFromYaml(config('lvm_tree_multiple_pv'), { seed, imageSize: 5 * GiB });
    expect(asDib(plan, { root: '/dev/fake/root', data: '/dev/fake/data' })).toEqual([
      ['pvcreate', '/dev/fake/root', '--force'],
      ['pvcreate', '/dev/fake/data', '--force'],
      ['vgcreate', 'vg', '/dev/fake/root', '/dev/fake/data', '--force'],
      lvcreate('lv_root', ['-L', '1799356416B'], 'vg'),
      lvcreate('lv_tmp', ['-L', '96468992B'], 'vg'),
      lvcreate('lv_var', ['-L', '499122176B'], 'vg'),
      lvcreate('lv_log', ['-L', '96468992B'], 'vg'),
      lvcreate('lv_audit', ['-L', '96468992B'], 'vg'),
      lvcreate('lv_home', ['-L', '197132288B'], 'vg'),
    ]);
    // The devices DIB records for them, and so exports in IMAGE_BLOCK_DEVICES.
    expect(plan.lvm!.lvs.map((l) => l.device)).toEqual(['root', 'tmp', 'var', 'log', 'audit', 'home'].map((n) => `/dev/mapper/vg-lv_${n}`));
  });

  it('lvm_tree_multiple_pv_vg: one group per PV (test_lvm_multi_pv_vg)', () => {
    const plan = planFromYaml(config('lvm_tree_multiple_pv_vg'), { seed, imageSize: 5 * GiB });
    const cmds = asDib(plan, { root: '/dev/fake/root', data: '/dev/fake/data' });
    expect(cmds.slice(2, 4)).toEqual([
      ['vgcreate', 'vg1', '/dev/fake/root', '--force'],
      ['vgcreate', 'vg2', '/dev/fake/data', '--force'],
    ]);
    expect(cmds.slice(4).map((c) => [c[2], c.at(-1)])).toEqual([
      ['lv_root', 'vg1'], ['lv_tmp', 'vg1'], ['lv_var', 'vg2'], ['lv_log', 'vg2'], ['lv_audit', 'vg2'], ['lv_home', 'vg2'],
    ]);
    expect(plan.lvm!.lvs.find((l) => l.name === 'lv_var')!.device).toBe('/dev/mapper/vg2-lv_var');
  });

  it('lvm_tree_spanned_vg: a group over two partitions holds a 2 GB volume to the last extent (test_lvm_spanned_vg)', () => {
    const plan = planFromYaml(config('lvm_tree_spanned_vg'), { seed, imageSize: 6 * GiB });
    expect(asDib(plan, { root: '/dev/fake/root', data1: '/dev/fake/data1', data2: '/dev/fake/data2' })).toEqual([
      ['pvcreate', '/dev/fake/root', '--force'],
      ['pvcreate', '/dev/fake/data1', '--force'],
      ['pvcreate', '/dev/fake/data2', '--force'],
      ['vgcreate', 'vg_root', '/dev/fake/root', '--force'],
      ['vgcreate', 'vg_data', '/dev/fake/data1', '/dev/fake/data2', '--force'],
      lvcreate('lv_root', ['-L', '1799356416B'], 'vg_root'),
      lvcreate('lv_data', ['-L', '1996488704B'], 'vg_data'),
    ]);
    // 2 x 238 extents of 4 MiB: exactly the 476 extents lv_data asks for.
    expect(plan.lvm!.vgs.find((v) => v.name === 'vg_data')).toMatchObject({ extents: 476, freeExtents: 0 });
  });

  it('lvm_tree_thin_provision: the pool, then thin volumes by virtual size (test_lvm_thin_provision)', () => {
    const plan = planFromYaml(config('lvm_tree_thin_provision'), { seed, imageSize: 4 * GiB });
    expect(asDib(plan, { root: '/dev/fake/root' })).toEqual([
      ['pvcreate', '/dev/fake/root', '--force'],
      ['vgcreate', 'vg', '/dev/fake/root', '--force'],
      ['lvcreate', '--name', 'lv_thinpool', '--type', 'thin-pool', '-L', '2936012800B', 'vg'],
      lvcreate('lv_root', ['-V', '1887436800B'], 'vg', 'lv_thinpool'),
      lvcreate('lv_tmp', ['-V', '104857600B'], 'vg', 'lv_thinpool'),
      lvcreate('lv_var', ['-V', '524288000B'], 'vg', 'lv_thinpool'),
      lvcreate('lv_log', ['-V', '104857600B'], 'vg', 'lv_thinpool'),
      lvcreate('lv_audit', ['-V', '104857600B'], 'vg', 'lv_thinpool'),
      lvcreate('lv_home', ['-V', '209715200B'], 'vg', 'lv_thinpool'),
    ]);
    // The pool takes its 700 extents plus one of metadata and one of spare; thin volumes take none.
    expect(plan.lvm!.lvs.map((l) => l.extents)).toEqual([702, 0, 0, 0, 0, 0, 0]);
    expect(plan.warnings).toEqual([]);
  });

  it('lvm_tree_thin_provision: a misspelt type is refused as DIB refuses it (test_validate_lvs_type)', () => {
    const text = config('lvm_tree_thin_provision').replace('type: thin-pool', 'type: thin-pol');
    expect(() => planFromYaml(text, { seed, imageSize: 4 * GiB })).toThrow(/"thin-pol" is not a logical volume type kiln knows \(thin, thin-pool\)/);
  });

  it("lvm_tree_multiple_partitions: EF00 on an MBR label is refused (DIB's MBR writer cannot write it either)", () => {
    expect(() => planFromYaml(config('lvm_tree_multiple_partitions'), { seed, imageSize: 4 * GiB })).toThrow(/node "ESP", field "type": "EF00" is not an MBR partition type/);
  });

  it('lvm_tree_multiple_partitions on GPT: extents as percentages of the group, the last cut to what is left', () => {
    const plan = planFromYaml(config('lvm_tree_multiple_partitions').replace('label: mbr', 'label: gpt'), { seed, imageSize: 4 * GiB });
    expect(asDib(plan, { root: '/dev/fake/root' }).slice(2)).toEqual([
      lvcreate('lv_root', ['-l', '28%VG'], 'vg'),
      lvcreate('lv_tmp', ['-l', '4%VG'], 'vg'),
      lvcreate('lv_var', ['-l', '40%VG'], 'vg'),
      lvcreate('lv_log', ['-l', '23%VG'], 'vg'),
      lvcreate('lv_audit', ['-l', '4%VG'], 'vg'),
      lvcreate('lv_home', ['-l', '1%VG'], 'vg'),
    ]);
    const vg = plan.lvm!.vgs[0]!;
    expect(plan.lvm!.lvs.reduce((s, l) => s + l.extents, 0)).toBe(vg.extents - vg.freeExtents);
    expect(vg.freeExtents).toBe(0);
    // DIB's typo "fck-passno" is reported, not fatal.
    expect(plan.warnings).toContain('node "fstab_mount_fs_root": ignoring unknown fstab field "fck-passno"');
  });

  it('lvm_tree_partition_ordering: /boot on a partition, / and /var on LVs, swap on an LV (test_mount_order_unsorted)', () => {
    const plan = planFromYaml(config('lvm_tree_partition_ordering'), { seed });
    expect(plan.mounts.map((m) => m.mountPoint)).toEqual(['/', '/boot', '/var']);
    expect(plan.filesystems.map((f) => [f.name, f.base, f.type, f.label])).toEqual([
      ['mkfs_boot', 'boot', 'ext3', 'mkfs_boot'],
      ['mkfs_root', 'lv_root', 'ext4', 'img-rootfs'],
      ['mkfs_var', 'lv_var', 'ext4', 'mkfs_var'],
      ['mkfs_swap', 'lv_swap', 'swap', 'mkfs_swap'],
    ]);
    expect(renderFstab(plan)).toBe(
      [
        'LABEL=img-rootfs / ext4 noacl,errors=remount-ro 0 1',
        'LABEL=mkfs_boot /boot ext3 nodev,nosuid 0 2',
        'LABEL=mkfs_var /var ext4 noacl 0 2',
        'LABEL=mkfs_swap none swap sw 0 0',
        '',
      ].join('\n'),
    );
    const dev = { device: '/dev/loop0' };
    const mount = renderMountScript(plan, { ...dev, mountPath: '/m' });
    expect(mount.split('\n').filter((l) => l.startsWith('mount '))).toEqual([
      'mount -t ext4 /dev/mapper/vg-lv_root "$mnt"',
      'mount -t ext3 /dev/loop0p1 "$mnt"/boot',
      'mount -t ext4 /dev/mapper/vg-lv_var "$mnt"/var',
    ]);
    const swap = plan.filesystems[3]!;
    expect(renderMkfsScript(plan, dev)).toContain(`\nmkswap -L mkfs_swap -U ${swap.uuid} /dev/mapper/vg-lv_swap\n`);
    expect(blockDeviceEnv(plan, dev).IMAGE_BLOCK_DEVICES).toBe(
      ' [image0]=/dev/loop0  [boot]=/dev/loop0p1  [root]=/dev/loop0p2  [lv_root]=/dev/mapper/vg-lv_root  [lv_var]=/dev/mapper/vg-lv_var  [lv_swap]=/dev/mapper/vg-lv_swap ',
    );
    expect(blockDeviceEnv(plan).DIB_MOUNTPOINTS).toBe('/boot|/|/var|none');
  });
});

describe.runIf(haveDib)("DIB's swap test config", () => {
  it("multiple_partitions_tree: its uuids are no UUIDs (mkswap and mkfs.xfs would refuse them)", () => {
    expect(() => planFromYaml(config('multiple_partitions_tree'), { seed, imageSize: GiB })).toThrow(/node "mkfs_root", field "uuid": "root-uuid-1234" is not a UUID/);
  });

  it('multiple_partitions_tree without them: swap made with mkswap, never mounted, last in fstab (test_mfks_and_mount_order)', () => {
    const text = config('multiple_partitions_tree').replace(/\n\s*uuid: \S+-uuid-1234/g, '');
    const plan = planFromYaml(text, { seed, imageSize: GiB });
    expect(plan.mounts.map((m) => m.mountPoint)).toEqual(['/', '/var', '/var/log']);
    expect(plan.fstab.map((e) => [e.mountPoint, e.type, e.options, e.dumpFreq, e.fsckPassno])).toEqual([
      ['/', 'xfs', 'defaults', 0, 1],
      ['/var', 'xfs', 'defaults', 0, 1],
      ['/var/log', 'vfat', 'defaults', 0, 1],
      ['none', 'swap', 'sw', 0, 0],
    ]);
    expect(plan.filesystems.map((f) => [f.name, f.label])).toEqual([
      ['mkfs_root', 'img-rootfs'],
      ['mkfs_var', 'mkfs_var'],
      ['mkfs_var_log', 'VARLOG'],
      ['mkfs_swap', 'mkfs_swap'],
    ]);
    const mkfs = renderMkfsScript(plan, { device: '/dev/loopX' }).split('\n');
    expect(mkfs.filter((l) => l.startsWith('mkswap'))).toEqual([`mkswap -L mkfs_swap -U ${plan.filesystems[3]!.uuid} /dev/loopX7`]); // root 1, logicals 5-7
  });
});

describe.runIf(dibElementConfig('block-device-efi-4k') !== undefined)("DIB's element layouts", () => {
  it('block-device-efi-4k: a GPT in 4096-byte sectors', () => {
    const plan = planFromYaml(dibElementConfig('block-device-efi-4k')!, { seed, imageSize: 3 * GiB });
    expect(plan.disk.sectorSize).toBe(4096);
    expect(plan.table).toMatchObject({ label: 'gpt', sectorSize: 4096, alignSectors: 256 });
    expect(plan.table!.partitions.map((p) => [p.name, p.startSector, p.sizeSectors])).toEqual([
      ['ESP', 256, 500 * 256],
      ['BSP', 256 + 500 * 256, 8 * 256],
      ['root', 256 + 508 * 256, Math.floor((3 * GiB - 2 * 1024 ** 2 - 508 * 1024 ** 2) / 1024 ** 2) * 256],
    ]);
  });

  it('block-device-efi-4k with DIB_BLOCK_SIZE=512 is a 512-byte disk again (the variable wins, as in DIB)', () => {
    const plan = planFromYaml(dibElementConfig('block-device-efi-4k')!, { seed, imageSize: 3 * GiB, blockSize: '512' });
    expect(plan.table!.partitions[0]!.startSector).toBe(2048);
  });

  it('block-device-efi-lvm: its 40 GB root partition does not fit an image of a usual size', () => {
    expect(() => planFromYaml(dibElementConfig('block-device-efi-lvm')!, { seed, imageSize: 4 * GiB })).toThrow(BlockDeviceError);
    const plan = planFromYaml(dibElementConfig('block-device-efi-lvm')!, { seed, imageSize: 42 * GiB });
    expect(plan.lvm!.lvs.map((l) => [l.name, l.sizeArg.join(' ')])).toEqual([
      ['lv_root', '-l 23%VG'],
      ['lv_var', '-l 57%VG'],
      ['lv_home', '-l 20%VG'],
    ]);
    expect(plan.root).toMatchObject({ filesystem: 'fs_root', type: 'xfs', label: 'img-rootfs' });
  });
});
