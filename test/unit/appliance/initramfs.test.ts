// The initramfs as the kernel will see it: /init, busybox, device nodes, modules in order.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../../src/appliance/initramfs.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-initramfs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildInitramfs', () => {
  it('holds init, busybox, console and null, and the boot modules with their load order', async () => {
    const mods = join(dir, 'modules');
    mkdirSync(join(mods, 'kernel/drivers/virtio'), { recursive: true });
    writeFileSync(join(mods, 'kernel/drivers/virtio/virtio.ko'), 'v');
    writeFileSync(join(mods, 'kernel/drivers/virtio/virtio_pci.ko'), 'p');
    const img = await buildInitramfs({
      busybox: Buffer.from('bb'),
      init: '#!/bin/sh\n',
      kernelVersion: '6.1.0-1-cloud-amd64',
      bootModules: ['kernel/drivers/virtio/virtio.ko', 'kernel/drivers/virtio/virtio_pci.ko'],
      modulesDir: mods,
    });
    const listing = execFileSync('cpio', ['-tv', '--quiet', '--numeric-uid-gid'], { input: img, encoding: 'utf8' });
    const names = listing.trim().split('\n').map((l) => l.replace(/ -> .*$/, '').split(/\s+/).pop());
    for (const n of ['init', 'bin/busybox', 'bin/sh', 'dev/console', 'dev/null', 'etc/modules-order', 'lower', 'rw', 'newroot', 'lib/modules/6.1.0-1-cloud-amd64/kernel/drivers/virtio/virtio_pci.ko']) {
      expect(names).toContain(n);
    }
    expect(listing).toMatch(/crw-rw-rw- +1 0 +0 +1, +3 .* dev\/null/);
    // every directory comes before what it holds
    const seen = new Set<string>();
    for (const n of names) {
      const parent = n!.replace(/\/[^/]+$/, '');
      if (parent !== n) expect(seen.has(parent)).toBe(true);
      seen.add(n!);
    }
    const out = join(dir, 'x');
    mkdirSync(out);
    execFileSync('sh', ['-c', 'cpio -i -d --quiet etc/modules-order'], { input: img, cwd: out });
    expect(execFileSync('cat', [join(out, 'etc/modules-order')], { encoding: 'utf8' })).toBe(
      '/lib/modules/6.1.0-1-cloud-amd64/kernel/drivers/virtio/virtio.ko\n/lib/modules/6.1.0-1-cloud-amd64/kernel/drivers/virtio/virtio_pci.ko\n',
    );
  });
});
