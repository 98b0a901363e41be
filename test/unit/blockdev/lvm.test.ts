import { thrown } from '../../support/thrown.js';
import { describe, expect, it } from 'vitest';
import {
  blockDeviceEnv,
  LvmSpaceError,
  planFromYaml,
  renderFstab,
  renderLvmActivateScript,
  renderLvmCreateScript,
  renderLvmDeactivateScript,
  renderLvmTeardownScript,
  renderMkfsScript,
  renderMountScript,
  ThinPoolError,
  BlockDeviceError,
} from '../../../src/blockdev/index.js';
import { poolMetadataExtents } from '../../../src/blockdev/lvm-plan.js';
import { fixture, GiB, MiB } from './helpers.js';

const seed = 'lvm';
const thin = () => planFromYaml(fixture('lvm-thin.yaml'), { seed });
const dev = { device: '/dev/loop0' };
const lines = (s: string) => s.split('\n');


describe('the LVM plan', () => {
  it('sizes the group from its PV and the volumes from the group, pools before their thin volumes', () => {
    const plan = thin();
    // pv0: 2 GiB - 1 MiB (GPT start) - 256 MiB - 1 MiB (kept back like sgdisk), in whole MiB.
    const pvBytes = (2048 - 2 - 256) * MiB;
    expect(plan.lvm!.pvs).toEqual([{ name: 'pv', base: 'pv0', sizeBytes: pvBytes, extents: Math.floor((pvBytes - MiB) / (4 * MiB)), options: ['--force'] }]);
    const total = plan.lvm!.pvs[0]!.extents;
    const poolData = Math.ceil((80 * total) / 100);
    expect(plan.lvm!.lvs.map((l) => [l.name, l.type, l.sizeArg.join(' '), l.extents, l.device])).toEqual([
      ['pool', 'thin-pool', '-l 80%VG', poolData + 2 * poolMetadataExtents(poolData), '/dev/mapper/vg--sys-pool'],
      ['root', 'thin', `-V ${GiB}B`, 0, '/dev/mapper/vg--sys-root'],
      ['var', 'thin', `-V ${400 * MiB}B`, 0, '/dev/mapper/vg--sys-var'],
      ['swap', 'linear', `-L ${128 * MiB}B`, 32, '/dev/mapper/vg--sys-swap'],
    ]);
    expect(plan.lvm!.vgs[0]!.freeExtents).toBe(total - poolData - 2 * poolMetadataExtents(poolData) - 32);
    expect(plan.order.indexOf('pool')).toBeLessThan(plan.order.indexOf('root'));
    expect(plan.order.indexOf('pv')).toBeGreaterThan(plan.order.indexOf('pv0'));
  });

  it('pool metadata: 64 bytes per 64 KiB chunk, at least 2 MiB, at most 128 MiB, in extents', () => {
    expect(poolMetadataExtents(1)).toBe(1);
    expect(poolMetadataExtents(700)).toBe(1); // 2800 MiB: 2.7 MiB of metadata
    expect(poolMetadataExtents(2048)).toBe(2); // 8 GiB: 8 MiB
    expect(poolMetadataExtents(1 << 20)).toBe(32); // 4 TiB: capped at 128 MiB
  });

  it('puts filesystems on volumes, swap unmounted and last in fstab, the root options on mkfs_root', () => {
    const plan = thin();
    expect(plan.filesystems.map((f) => [f.name, f.base, f.type, f.label, f.mountPoint])).toEqual([
      ['mkfs_boot', 'boot', 'ext4', 'mkfs_boot', '/boot'],
      ['mkfs_root', 'root', 'ext4', 'cloudimg-rootfs', '/'],
      ['mkfs_var', 'var', 'xfs', 'mkfs_var', '/var'],
      ['mkfs_swap', 'swap', 'swap', 'mkfs_swap', undefined],
    ]);
    expect(plan.filesystems[1]!.options).toEqual(['-i', '4096', '-J', 'size=64']);
    expect(plan.filesystems[0]!.options).toEqual([]);
    expect(renderFstab(plan)).toBe(
      'LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=mkfs_boot /boot ext4 defaults 0 2\nLABEL=mkfs_var /var xfs defaults 0 2\nLABEL=mkfs_swap none swap sw 0 0\n',
    );
    expect(lines(renderMountScript(plan, { ...dev, mountPath: '/m' })).filter((l) => l.startsWith('mount'))).toEqual([
      'mount -t ext4 /dev/mapper/vg--sys-root "$mnt"',
      'mount -t ext4 /dev/loop0p1 "$mnt"/boot',
      'mount -t xfs /dev/mapper/vg--sys-var "$mnt"/var',
    ]);
    const mkfs = lines(renderMkfsScript(plan, dev));
    expect(mkfs.filter((l) => /^mk/.test(l)).map((l) => `${l.split(' ')[0]} ${l.split(' ').at(-1)}`)).toEqual([
      'mkfs.ext4 /dev/loop0p1',
      'mkfs.ext4 /dev/mapper/vg--sys-root',
      'mkfs.xfs /dev/mapper/vg--sys-var',
      'mkswap /dev/mapper/vg--sys-swap',
    ]);
    expect(blockDeviceEnv(plan, dev)).toEqual({
      DIB_ROOT_LABEL: 'cloudimg-rootfs',
      DIB_ROOT_FSTYPE: 'ext4',
      DIB_BOOT_LABEL: 'mkfs_boot',
      DIB_MOUNTPOINTS: '/boot|/|/var|none',
      IMAGE_BLOCK_DEVICE: '/dev/loop0',
      IMAGE_BLOCK_DEVICES: ' [image0]=/dev/loop0  [boot]=/dev/loop0p1  [pv0]=/dev/loop0p2  [pool]=/dev/mapper/vg--sys-pool  [root]=/dev/mapper/vg--sys-root  [var]=/dev/mapper/vg--sys-var  [swap]=/dev/mapper/vg--sys-swap ',
    });
  });
});

describe('LVM scripts', () => {
  const plan = thin();

  it('create: PVs, group, pool, thin volumes, in one script that undoes itself on failure', () => {
    const script = renderLvmCreateScript(plan, dev);
    expect(script).toMatch(/^#!\/bin\/sh\n.*\nset -eu\n/);
    expect(script).toContain("export LVM_SYSTEM_DIR=/run/kiln/lvm\n");
    expect(script).toContain('  udev_rules = 0\n');
    expect(lines(script).filter((l) => /^(pv|vg|lv)create /.test(l))).toEqual([
      'pvcreate --yes /dev/loop0p2 --force',
      'vgcreate vg-sys /dev/loop0p2',
      'lvcreate --yes --name pool --type thin-pool -l 80%VG vg-sys',
      `lvcreate --yes --name root --type thin --thin-pool pool -V ${GiB}B vg-sys`,
      `lvcreate --yes --name var --type thin --thin-pool pool -V ${400 * MiB}B vg-sys`,
      `lvcreate --yes --name swap -L ${128 * MiB}B vg-sys`,
    ]);
    expect(script).toContain("trap 'kiln_rc=$?; kiln_lvm_undo; exit $kiln_rc' EXIT");
    expect(script).toContain('[ -b /dev/mapper/vg--sys-root ] ||');
    expect(script).not.toContain('[ -b /dev/mapper/vg--sys-pool ]');
    expect(script.trimEnd().endsWith('kiln_lvm_made=1')).toBe(true);
  });

  it('deactivate: thin volumes before their pool, then the group; skips a group that is not there', () => {
    const script = renderLvmDeactivateScript(plan);
    expect(script).not.toMatch(/^set -e/m);
    expect(lines(script).filter((l) => /(lvchange|vgchange|vgs) /.test(l)).map((l) => l.trim())).toEqual([
      'if vgs vg-sys >/dev/null 2>&1; then',
      'lvchange --activate n vg-sys/swap || rc=1',
      'lvchange --activate n vg-sys/var || rc=1',
      'lvchange --activate n vg-sys/root || rc=1',
      'lvchange --activate n vg-sys/pool || rc=1',
      'vgchange --activate n vg-sys || rc=1',
    ]);
  });

  it('activate: the group, then every volume device is there', () => {
    const script = renderLvmActivateScript(plan);
    expect(script).toContain('\nvgchange --activate y vg-sys\nvgmknodes\n');
    expect(script).toContain('[ -b /dev/mapper/vg--sys-swap ]');
  });

  it('teardown: removes the group and the PV label, then any node still named after the group', () => {
    const script = renderLvmTeardownScript(plan, dev);
    expect(script).not.toMatch(/^set -e/m);
    expect(script).toContain('vgremove --force --force --yes vg-sys');
    expect(script).toContain('pvremove --force --force --yes /dev/loop0p2');
    // "vg--sys-[!-]*" matches vg-sys's volumes, not those of a group called "vg-sys-x".
    expect(script).toContain('case $d in vg--sys-[!-]*) echo "$d" ;; esac');
  });
});

describe('bad LVM layouts get a named error', () => {
  const base = fixture('lvm-thin.yaml');
  it.each([
    ['a volume larger than its group', base.replace('size: 128MiB', 'size: 1GiB'), LvmSpaceError, 'node "swap", field "size": needs 256 extents (1024 MiB) but volume group "vg-sys" has'],
    ['a layout larger than the image', base.replace('size: 2GiB', 'size: 600MiB'), LvmSpaceError, 'the LVM layout is larger than the image'],
    ['a thin volume without a pool', base.replace('        thin-pool: pool\n        size: 1GiB', '        size: 1GiB'), ThinPoolError, 'node "root", field "thin-pool": is a thin volume without a pool'],
    ['a pool that is not one', base.replace('type: thin-pool', 'type: thin-pol'), BlockDeviceError, '"thin-pol" is not a logical volume type'],
    ['a thin volume in a linear volume', base.replace('thin-pool: pool\n        size: 400MiB', 'thin-pool: swap\n        size: 400MiB'), ThinPoolError, 'names "swap" as its pool, but that volume is not of type thin-pool'],
    ['thin-pool on a volume that is not thin', base.replace('        size: 128MiB', '        size: 128MiB\n        thin-pool: pool'), ThinPoolError, 'only a volume of type thin lives in a thin pool'],
    ['a thin volume sized in extents', base.replace('size: 400MiB', 'extents: 10%VG'), BlockDeviceError, 'a thin volume is sized by its virtual size'],
    ['a group on an unknown PV', base.replace('base: [ pv ]', 'base: [ pv9 ]'), BlockDeviceError, 'node "vg-sys", field "base": refers to "pv9", which is not a physical volume of "lvm"'],
    ['a volume in an unknown group', base.replace('base: vg-sys\n        size: 128MiB', 'base: vg0\n        size: 128MiB'), BlockDeviceError, 'node "swap", field "base": refers to "vg0", which is not a volume group of "lvm"'],
    ['no size', base.replace('        size: 128MiB', ''), BlockDeviceError, 'node "swap", field "size": needs a "size" or "extents"'],
    ['a size under one extent', base.replace('size: 128MiB', 'size: 3MiB'), BlockDeviceError, '"3MiB" is less than one 4 MiB extent'],
    ['extents of an origin', base.replace('extents: 80%VG', 'extents: 80%ORIGIN'), BlockDeviceError, '"80%ORIGIN" is not an extent count kiln can plan'],
    ['a filesystem on the pool', base.replace('base: swap\n', 'base: pool\n'), BlockDeviceError, 'refers to "pool", a thin pool'],
    ['a filesystem on the PV partition', base.replace('base: swap\n', 'base: pv0\n'), BlockDeviceError, 'node "pv", field "base": "pv0" already has a filesystem or physical volume ("mkfs_swap")'],
    ['a name LVM refuses', base.replace(/vg-sys/g, '-vg'), BlockDeviceError, '"-vg" is not a volume group name LVM accepts'],
    ['mount point none for a filesystem', base.replace('mount_point: /var', 'mount_point: none'), BlockDeviceError, 'node "mount_mkfs_var", field "mount_point": only swap can have the mount point "none"'],
  ])('%s', (_what, text, type, message) => {
    const err = thrown(() => planFromYaml(text, { seed }));
    expect(err).toBeInstanceOf(type);
    expect(err.message).toContain(message);
    expect(err.name).toBe(type.name);
  });

  it('warns when thin volumes promise more than the pool holds', () => {
    const plan = planFromYaml(fixture('lvm-thin.yaml').replace('size: 1GiB', 'size: 4GiB'), { seed });
    expect(plan.warnings).toEqual([expect.stringMatching(/^node "pool": its thin volumes add up to \d+ bytes, more than the pool's \d+/)]);
  });
});

describe("DIB's root rule: mkfs_root, not what is mounted at /", () => {
  const layout = (rootName: string, extra = '') => `- local_loop: {name: image0, size: 1GiB}
- mkfs:
    name: ${rootName}
    base: image0
    type: xfs${extra}
    mount: {mount_point: /}
`;
  it('a root filesystem with another name keeps its name as label; --root-label and --fs-type do not touch it', () => {
    const plan = planFromYaml(layout('fs_root'), { seed, rootLabel: 'mine', fsType: 'ext4' });
    expect(plan.root).toMatchObject({ filesystem: 'fs_root', type: 'xfs', label: 'fs_root' });
    expect(plan.warnings).toEqual(['the layout has no filesystem named mkfs_root, so --fs-type, --root-label and --mkfs-options do not apply (as in DIB)']);
  });

  it('mkfs_root gets the default label for its type, or --root-label; a label in the config wins', () => {
    expect(planFromYaml(layout('mkfs_root'), { seed }).root.label).toBe('img-rootfs');
    expect(planFromYaml(layout('mkfs_root'), { seed, rootLabel: 'mine' }).root.label).toBe('mine');
    const labelled = planFromYaml(layout('mkfs_root', '\n    label: cfg'), { seed, rootLabel: 'mine' });
    expect(labelled.root.label).toBe('cfg');
    expect(labelled.warnings).toEqual(['node "mkfs_root": the config\'s label "cfg" is kept; --root-label mine only fills in a missing one, as in DIB']);
  });

  it('mkfs_root need not be mounted at / to get the root options; DIB_ROOT_LABEL is still what / has', () => {
    const text = `- local_loop: {name: image0, size: 1GiB}
- partitioning:
    base: image0
    label: mbr
    partitions:
      - {name: a, size: 50%, flags: [primary]}
      - {name: b, size: 100%, flags: [primary]}
- mkfs: {name: mkfs_root, base: a, mount: {mount_point: /srv}}
- mkfs: {name: other, base: b, type: ext4, mount: {mount_point: /}}
`;
    const plan = planFromYaml(text, { seed });
    expect(plan.filesystems.map((f) => [f.name, f.type, f.label])).toEqual([
      ['mkfs_root', 'ext4', 'cloudimg-rootfs'],
      ['other', 'ext4', 'other'],
    ]);
    expect(blockDeviceEnv(plan).DIB_ROOT_LABEL).toBe('other');
  });

  it('any other filesystem needs a type', () => {
    expect(() => planFromYaml(layout('fs_root').replace('    type: xfs\n', ''), { seed })).toThrow('node "fs_root", field "type": is required (only the filesystem named mkfs_root defaults');
  });
});

describe("kiln's block-device-efi-lvm element", () => {
  it('plans for the default image size and puts the root options on its root volume', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../../elements/block-device-efi-lvm/block-device-default.yaml', import.meta.url), 'utf8');
    const plan = planFromYaml(text, { seed, imageSize: 3 * GiB, fsType: 'xfs' });
    expect(plan.root).toMatchObject({ filesystem: 'mkfs_root', type: 'xfs', label: 'img-rootfs' });
    const vg = plan.lvm!.vgs[0]!;
    expect(plan.lvm!.lvs.map((l) => l.extents)).toEqual([Math.ceil(vg.extents * 0.75), Math.ceil(vg.extents * 0.2), expect.any(Number)]);
    expect(vg.freeExtents).toBe(0);
    expect(plan.mounts.map((m) => m.mountPoint)).toEqual(['/', '/var', '/home', '/boot/efi']);
  });
});
