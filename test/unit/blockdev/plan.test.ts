import { describe, expect, it } from 'vitest';
import { defaultConfig, planFromYaml, type Plan, type PlanOptions } from '../../../src/blockdev/index.js';
import { fixture, GiB, MiB } from './helpers.js';

const seed = 'test-seed';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function partitions(plan: Plan) {
  return plan.table!.partitions.map((p) => [p.number, p.name, p.role, p.startSector, p.sizeSectors, p.type, p.bootable]);
}

describe('default layouts', () => {
  it('mbr (vm + block-device-mbr): one bootable primary root, ext4, cloudimg-rootfs, DIB mkfs options', () => {
    const plan = planFromYaml(defaultConfig('mbr'), { seed, imageSize: 2 * GiB });
    expect(plan.table).toMatchObject({ label: 'mbr', alignSectors: 2048 });
    expect(plan.table!.diskId).toMatch(/^0x[0-9a-f]{8}$/);
    // 100% of what DIB calls free: the disk minus one alignment unit at each end.
    expect(partitions(plan)).toEqual([[1, 'root', 'primary', 2048, (2 * GiB - 2 * MiB) / 512, '83', true]]);
    expect(plan.filesystems).toEqual([
      {
        name: 'mkfs_root',
        base: 'root',
        partition: 1,
        type: 'ext4',
        label: 'cloudimg-rootfs',
        uuid: expect.stringMatching(UUID),
        hashSeed: expect.stringMatching(UUID),
        options: ['-i', '4096', '-J', 'size=64'],
        mountPoint: '/',
      },
    ]);
    expect(plan.mounts).toEqual([{ name: 'mount_mkfs_root', filesystem: 'mkfs_root', mountPoint: '/' }]);
    expect(plan.fstab).toEqual([
      expect.objectContaining({ mountPoint: '/', type: 'ext4', label: 'cloudimg-rootfs', options: 'defaults', dumpFreq: 0, fsckPassno: 1 }),
    ]);
    expect(plan.root).toEqual({ filesystem: 'mkfs_root', type: 'ext4', label: 'cloudimg-rootfs', uuid: plan.filesystems[0]!.uuid });
    expect(plan.order).toEqual(['image0', 'root', 'mkfs_root', 'mount_mkfs_root', 'fstab_mount_mkfs_root']);
    expect(plan.warnings).toEqual([]);
  });

  it('efi (block-device-efi): 550 MiB ESP, 8 MiB BIOS boot, root; sizes in whole MiB like sgdisk', () => {
    const plan = planFromYaml(defaultConfig('efi'), { seed, imageSize: 4 * GiB });
    expect(plan.table!.label).toBe('gpt');
    const rootSectors = Math.floor((4 * GiB - 2 * MiB - 558 * MiB) / MiB) * 2048;
    expect(partitions(plan)).toEqual([
      [1, 'ESP', 'gpt', 2048, 550 * 2048, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', false],
      [2, 'BSP', 'gpt', 2048 + 550 * 2048, 8 * 2048, '21686148-6449-6E6F-744E-656564454649', false],
      [3, 'root', 'gpt', 2048 + 558 * 2048, rootSectors, '0FC63DAF-8483-4772-8E79-3D69D8477DE4', false],
    ]);
    const [esp, root] = plan.filesystems;
    expect(esp).toMatchObject({ type: 'vfat', label: 'MKFS_ESP', partition: 1, mountPoint: '/boot/efi', options: [] });
    expect(esp!.uuid).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(esp!.volumeId).toBe(esp!.uuid.replace('-', '').toLowerCase());
    expect(root).toMatchObject({ type: 'ext4', label: 'cloudimg-rootfs', partition: 3 });
    // Parents first: / is mounted before /boot/efi although the ESP comes first in the config.
    expect(plan.mounts.map((m) => m.mountPoint)).toEqual(['/', '/boot/efi']);
    expect(plan.mountPoints).toEqual(['/boot/efi', '/']);
    for (const p of plan.table!.partitions) expect(p.uuid).toMatch(UUID);
  });

  it('gpt (block-device-gpt): BIOS boot partition then a bootable root', () => {
    const plan = planFromYaml(defaultConfig('gpt'), { seed, imageSize: GiB });
    expect(partitions(plan).map((p) => p.slice(0, 5))).toEqual([
      [1, 'BSP', 'gpt', 2048, 8 * 2048],
      [2, 'root', 'gpt', 9 * 2048, (1024 - 2 - 8) * 2048],
    ]);
    expect(plan.table!.partitions[1]!.bootable).toBe(true);
  });

  it('none (no vm element): the root filesystem on the whole disk, no table', () => {
    const plan = planFromYaml(defaultConfig('none'), { seed, imageSize: GiB });
    expect(plan.table).toBeUndefined();
    expect(plan.filesystems[0]).toMatchObject({ name: 'mkfs_root', base: 'image0', partition: undefined, type: 'ext4' });
  });
});

describe('DIB geometry', () => {
  const tenMiB = 10 * 1024 * 1024;
  const mbr = (flags: string[]) =>
    `- local_loop: {name: image0, size: 1GiB}\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n` +
    flags.map((f, i) => `      - {name: p${i}, size: ${tenMiB}, flags: [${f}]}\n`).join('') +
    `- mkfs: {name: fs, base: p0, type: ext4}\n- mount: {base: fs, mount_point: /}\n`;

  it('three primaries then logicals: the numbers and sectors DIB writes (its test_mbr)', () => {
    const plan = planFromYaml(mbr(['primary', 'primary', 'primary', '', '', '']), { seed });
    expect(plan.table!.extended).toEqual({ number: 4, startSector: 63488, sizeSectors: 2097152 - 63488 });
    expect(partitions(plan).map((p) => p.slice(0, 5))).toEqual([
      [1, 'p0', 'primary', 2048, 20480],
      [2, 'p1', 'primary', 22528, 20480],
      [3, 'p2', 'primary', 43008, 20480],
      [5, 'p3', 'logical', 65536, 20480],
      [6, 'p4', 'logical', 88064, 20480],
      [7, 'p5', 'logical', 110592, 20480],
    ]);
  });

  it('only logical partitions: the extended partition is number 1, logicals start at 5', () => {
    const plan = planFromYaml(mbr(['', '']), { seed });
    expect(plan.table!.extended).toEqual({ number: 1, startSector: 2048, sizeSectors: 2097152 - 2048 });
    expect(partitions(plan).map((p) => p.slice(0, 4))).toEqual([
      [5, 'p0', 'logical', 4096],
      [6, 'p1', 'logical', 26624],
    ]);
  });

  it('gpt: sizes round down to MiB and percentages are of the disk minus 2 MiB (DIB test_gpt)', () => {
    const plan = planFromYaml(fixture('gpt-spaces.yaml'), { seed });
    expect(partitions(plan).map((p) => [p[1], p[4] as number / 2048])).toEqual([
      ['ESP', 8],
      ['BSP', 8],
      ['Root Part', 1006],
    ]);
  });

  it('percentages, logical partitions and nested mounts together', () => {
    const plan = planFromYaml(fixture('multi-tree.yaml'), { seed });
    expect(partitions(plan).map((p) => p.slice(0, 4))).toEqual([
      [1, 'root', 'primary', 2048],
      [5, 'var_log', 'logical', expect.any(Number)],
      [6, 'var', 'logical', expect.any(Number)],
    ]);
    expect(plan.mounts.map((m) => m.mountPoint)).toEqual(['/', '/var', '/var/log']);
    expect(plan.fstab.map((e) => `${e.mountPoint} ${e.type} ${e.options} ${e.fsckPassno}`)).toEqual([
      '/ xfs defaults 1',
      '/var ext4 defaults,noatime 2',
      '/var/log vfat defaults 2',
    ]);
    // An explicit uuid wins; an xfs root gets the short label DIB gives it; FAT labels are upper case.
    expect(plan.root).toMatchObject({ type: 'xfs', label: 'img-rootfs', uuid: '2d3c6a1e-6f0b-4b5e-9a51-0c9f0f4a7d11' });
    expect(plan.filesystems.find((f) => f.name === 'mkfs_var_log')!.label).toBe('VARLOG');
    expect(plan.filesystems.find((f) => f.name === 'mkfs_var')!.label).toBe('mkfs_var');
    // Every partition fits and none overlaps the next one.
    const parts = plan.table!.partitions;
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.startSector).toBeGreaterThan(parts[i - 1]!.startSector + parts[i - 1]!.sizeSectors);
    expect(parts.at(-1)!.startSector + parts.at(-1)!.sizeSectors).toBeLessThanOrEqual(2097152);
  });

  it('graph and tree spellings give the same plan', () => {
    const opts = { seed };
    const tree = planFromYaml(fixture('deep-tree.yaml'), opts);
    const graph = planFromYaml(fixture('deep-graph.yaml'), opts);
    expect(graph).toEqual(tree);
  });
});

describe('reproducibility and root options', () => {
  const efi = (opts: Partial<PlanOptions> = {}) => planFromYaml(defaultConfig('efi'), { seed, imageSize: 2 * GiB, ...opts });

  it('derives every identifier from the seed', () => {
    const ids = (p: Plan) => [p.table!.diskId, ...p.table!.partitions.map((x) => x.uuid), ...p.filesystems.flatMap((f) => [f.uuid, f.hashSeed ?? ''])];
    expect(ids(efi())).toEqual(ids(efi()));
    const other = ids(efi({ seed: 'another' }));
    ids(efi()).forEach((id, i) => {
      if (id !== '') expect(other[i]).not.toBe(id);
    });
    expect(new Set(ids(efi()).filter((x) => x !== '')).size).toBe(7);
  });

  it('--fs-type and --root-label replace what the config says; --mkfs-options are appended', () => {
    const plan = efi({ fsType: 'xfs', mkfsOptions: '-m reflink=0' });
    expect(plan.root).toMatchObject({ type: 'xfs', label: 'img-rootfs' });
    expect(plan.filesystems[1]!.options).toEqual(['-m', 'reflink=0']);
    expect(efi({ rootLabel: 'root' }).root.label).toBe('root');
    const ext4 = efi({ mkfsOptions: '-O ^has_journal', journalSizeMiB: 32, maxOnlineResize: 1073741824 });
    expect(ext4.filesystems[1]!.options).toEqual(['-E', 'resize=1073741824', '-i', '4096', '-J', 'size=32', '-O', '^has_journal']);
    // The ESP is not the root: untouched.
    expect(plan.filesystems[0]).toMatchObject({ type: 'vfat', label: 'MKFS_ESP' });
  });

  it('drops config opts meant for the type --fs-type replaced, and says so', () => {
    const text = fixture('deep-tree.yaml').replace('type: ext4', 'type: ext4\n          opts: "-i 8192"');
    const plan = planFromYaml(text, { seed, fsType: 'xfs' });
    expect(plan.filesystems[0]!.options).toEqual([]);
    expect(plan.warnings).toEqual(['node "mkfs_root": --fs-type xfs replaces ext4, so its opts "-i 8192" are dropped']);
    expect(planFromYaml(text, { seed }).filesystems[0]!.options).toEqual(['-i', '8192']);
  });

  it('fills an untyped root with ext4 and leaves an explicit config type alone', () => {
    expect(planFromYaml(defaultConfig('mbr'), { seed, imageSize: GiB }).root.type).toBe('ext4');
    expect(planFromYaml(fixture('multi-tree.yaml'), { seed }).root.type).toBe('xfs');
  });

  it('warns about fields it does not know instead of failing', () => {
    const plan = planFromYaml(fixture('deep-tree.yaml').replace('fsck-passno: 1', 'fsck_passno: 1'), { seed });
    expect(plan.warnings).toEqual(['node "fstab_mount_mkfs_root": ignoring unknown fstab field "fsck_passno"']);
    expect(plan.fstab[0]!.fsckPassno).toBe(2);
  });
});

describe('errors name the node and the field', () => {
  const base = fixture('deep-tree.yaml');
  it.each([
    [base.replace('size: 1GiB', ''), 'node "image0", field "size": has no size and no image size was given'],
    [base.replace('size: 1GiB', 'size: 1000'), 'node "image0", field "size": 1000 bytes is not a positive multiple of 512'],
    [base.replace('label: mbr', 'label: apm'), 'node "partitioning_image0", field "label": must be "mbr" or "gpt", not "apm"'],
    [base.replace('[ boot, primary ]', '[ boot, esp ]'), 'node "root", field "flags": unknown flag "esp" (DIB knows: boot, primary)'],
    [base.replace('label: mbr', 'label: gpt'), 'node "root", field "flags": "primary" only means something on an mbr label'],
    [base.replace('size: 100%', 'size: 2GiB'), 'node "root", field "size": does not fit'],
    [base.replace('size: 100%', 'size: 100 parsecs'), 'node "root", field "size": "100 parsecs" is not a size'],
    [base.replace('type: ext4', 'type: btrfs'), 'node "mkfs_root", field "type": "btrfs" is not a filesystem kiln can make'],
    [base.replace('mount_point: /', 'mount_point: boot'), 'node "mount_mkfs_root", field "mount_point": "boot" must be an absolute path'],
    [base.replace('mount_point: /', 'mount_point: /srv'), 'no filesystem is mounted at "/"'],
    [base.replace('fsck-passno: 1', 'fsck-passno: one'), 'node "fstab_mount_mkfs_root", field "fsck-passno": "one" is not a whole number'],
    [base.replace('type: ext4', 'type: ext4\n          label: a-very-long-root-label'), 'field "label": "a-very-long-root-label" is too long for ext4: 22 > 16'],
    [base.replace('type: ext4', 'type: ext4\n          uuid: root-uuid-1234'), 'node "mkfs_root", field "uuid": "root-uuid-1234" is not a UUID'],
    [fixture('deep-graph.yaml').replace('base: root\n', 'base: rot\n'), 'node "mkfs_root", field "base": refers to "rot", which is not defined'],
    [fixture('deep-graph.yaml').replace('base: mkfs_root', 'base: root'), 'node "mount_mkfs_root", field "base": refers to "root", which is a partition; it must be a mkfs'],
    [fixture('deep-graph.yaml').replace('name: mount_mkfs_root', 'name: root').replace('base: mount_mkfs_root', 'base: root'), 'node "root", field "name": this name is used by more than one node'],
    [fixture('gpt-spaces.yaml').replace("type: 'EF02'", "type: 'ZZ99'"), 'node "BSP", field "type": "ZZ99" is not a GPT type kiln knows'],
    [fixture('gpt-spaces.yaml').replace('size: 100%', 'size: 2GiB'), 'node "Root Part", field "size": 2147483648 bytes asked, only'],
    [fixture('multi-tree.yaml').replace('label: varlog', 'label: var-log-volume'), 'node "mkfs_var_log", field "label": "VAR-LOG-VOLUME" is too long for vfat: 14 > 11'],
    [fixture('multi-tree.yaml').replace('mount_point: /var\n', 'mount_point: /var/log\n'), 'field "mount_point": mount point /var/log is also used by'],
    [fixture('multi-tree.yaml').replace('[ boot, primary ]', '[ boot ]').replace('size: 5%', 'size: 5%\n        flags: [ primary ]'), 'node "var_log", field "flags": primary partitions must all come before the first logical one'],
    [`${base}\n- local_loop: {name: image1, size: 1GiB}\n`, 'kiln builds one disk; found 2 local_loop nodes (image0, image1)'],
  ])('%#', (text, message) => {
    expect(() => planFromYaml(text, { seed })).toThrow(message);
  });

  it('an --fs-type kiln cannot make is a usage error', () => {
    expect(() => planFromYaml(base, { seed, fsType: 'btrfs' })).toThrow('--fs-type btrfs: kiln can make ext2, ext3, ext4, xfs, vfat');
  });

  it('labels must be unique', () => {
    const text = fixture('multi-tree.yaml').replace('label: varlog', 'label: dup').replace("type: ext4\n", 'type: ext4\n          label: DUP\n');
    expect(() => planFromYaml(text, { seed })).toThrow(/label "DUP" is also used by "mkfs_var_log"/);
  });
});
