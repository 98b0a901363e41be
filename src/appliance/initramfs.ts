// The initramfs: static busybox, the boot modules and a short /init that finds the
// read-only root drive by its serial, puts a tmpfs overlay on it and switches to it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCpio, type CpioEntry } from './cpio.js';

export interface InitramfsInput {
  /** The static busybox binary. */
  busybox: Buffer;
  /** appliance/initramfs-init */
  init: string;
  kernelVersion: string;
  /** Module files relative to lib/modules/VERSION, in load order. */
  bootModules: string[];
  modulesDir: string;
}

export async function buildInitramfs(input: InitramfsInput): Promise<Buffer> {
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  const dir = (p: string): void => {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ path: d, type: 'dir', mode: 0o755 });
      }
    }
  };
  for (const d of ['bin', 'dev', 'proc', 'sys', 'etc', 'lower', 'rw', 'newroot']) dir(d);
  entries.push({ path: 'dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 });
  entries.push({ path: 'dev/null', type: 'char', mode: 0o666, major: 1, minor: 3 });
  entries.push({ path: 'bin/busybox', type: 'file', mode: 0o755, data: input.busybox });
  entries.push({ path: 'bin/sh', type: 'symlink', target: 'busybox' });
  entries.push({ path: 'init', type: 'file', mode: 0o755, data: Buffer.from(input.init) });
  const modRoot = `lib/modules/${input.kernelVersion}`;
  for (const rel of input.bootModules) {
    dir(`${modRoot}/${rel}`.replace(/\/[^/]+$/, ''));
    entries.push({ path: `${modRoot}/${rel}`, type: 'file', mode: 0o644, data: await readFile(join(input.modulesDir, rel)) });
  }
  const order = input.bootModules.map((rel) => `/${modRoot}/${rel}`).join('\n') + '\n';
  entries.push({ path: 'etc/modules-order', type: 'file', mode: 0o644, data: Buffer.from(order) });
  return renderCpio(entries);
}
