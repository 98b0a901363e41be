// Which kernel modules the appliance carries: appliance/modules + modules.dep -> a load order.
import { describe, expect, it } from 'vitest';
import { ApplianceError } from '../../../src/errors.js';
import { moduleClosure, moduleName, parseModuleList, parseModulesDep } from '../../../src/appliance/kernel.js';

const dep = `kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio_ring.ko: kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz
kernel/lib/libcrc32c.ko.xz:
kernel/drivers/firmware/qemu_fw_cfg.ko:
`;

describe('parseModulesDep', () => {
  it('maps each module to its dependencies, skipping blank lines', () => {
    const d = parseModulesDep(dep);
    expect(d.size).toBe(8);
    expect(d.get('kernel/drivers/block/virtio_blk.ko')).toEqual(['kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio.ko']);
    expect(d.get('kernel/drivers/virtio/virtio.ko')).toEqual([]);
  });
});

describe('moduleName', () => {
  it('strips directory and .ko(.xz|.zst), and spells dashes as underscores', () => {
    expect(moduleName('kernel/fs/xfs/xfs.ko.xz')).toBe('xfs');
    expect(moduleName('kernel/drivers/virtio/virtio_pci.ko')).toBe('virtio_pci');
    expect(moduleName('kernel/drivers/md/dm-mod.ko.zst')).toBe('dm_mod');
  });
});

describe('parseModuleList', () => {
  it('reads "boot NAME" and "NAME" lines, ignoring comments and blanks', () => {
    expect(parseModuleList('# comment\nboot virtio_pci\n\nxfs  # trailing\n')).toEqual([
      { name: 'virtio_pci', boot: true },
      { name: 'xfs', boot: false },
    ]);
  });
});

describe('moduleClosure', () => {
  const d = parseModulesDep(dep);

  it('puts dependencies before dependants, each module once', () => {
    const order = moduleClosure(['virtio_blk', 'virtio_pci'], d, new Set());
    expect(order).toEqual([
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/block/virtio_blk.ko',
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
      'kernel/drivers/virtio/virtio_pci.ko',
    ]);
    expect(new Set(order).size).toBe(order.length);
  });

  it('follows compressed module files too', () => {
    expect(moduleClosure(['xfs'], d, new Set())).toEqual(['kernel/lib/libcrc32c.ko.xz', 'kernel/fs/xfs/xfs.ko.xz']);
  });

  it('accepts dashes for underscores', () => {
    expect(moduleClosure(['qemu-fw-cfg'], d, new Set())).toEqual(['kernel/drivers/firmware/qemu_fw_cfg.ko']);
  });

  it('skips modules built into the kernel', () => {
    expect(moduleClosure(['ext4', 'virtio'], d, new Set(['ext4']))).toEqual(['kernel/drivers/virtio/virtio.ko']);
  });

  it('an unknown name is an ApplianceError naming appliance/modules', () => {
    expect(() => moduleClosure(['virtio_blkk'], d, new Set())).toThrow(ApplianceError);
    expect(() => moduleClosure(['virtio_blkk'], d, new Set())).toThrow(/virtio_blkk \(appliance\/modules\)/);
  });
});
