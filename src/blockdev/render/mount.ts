// Mount and unmount, in plan order: / first, then what sits below it; unmount in reverse.
// The unmount script is also the cleanup path after a failure, so it only touches what is
// mounted and carries on past a failing umount, reporting it in its exit status.
import type { Plan } from '../plan.js';
import { filesystemDevice, type DeviceOptions } from './devices.js';
import { scriptHeader, shQuote } from './shell.js';

export interface MountScriptOptions extends DeviceOptions {
  /** Where the root filesystem is mounted in the guest (TMP_MOUNT_PATH); a literal path. */
  mountPath: string;
}

/** "$mnt" plus the mount point, as a double-quoted shell word. */
function target(mountPoint: string): string {
  return mountPoint === '/' ? '"$mnt"' : `"$mnt"${shQuote(mountPoint)}`;
}

export function renderMountScript(plan: Plan, opts: MountScriptOptions): string {
  const out = [scriptHeader(`mount ${plan.disk.name} at ${opts.mountPath}`), `mnt=${shQuote(opts.mountPath)}`];
  const byName = new Map(plan.filesystems.map((f) => [f.name, f]));
  for (const m of plan.mounts) {
    const fs = byName.get(m.filesystem)!;
    out.push(`mkdir -p ${target(m.mountPoint)}`);
    out.push(`mount -t ${fs.type} ${shQuote(filesystemDevice(plan, fs, opts))} ${target(m.mountPoint)}`);
  }
  return out.join('\n') + '\n';
}

export interface UnmountScriptOptions {
  mountPath: string;
  /** Discard free blocks first so the image converts smaller (default true, as DIB). */
  fstrim?: boolean;
}

export function renderUnmountScript(plan: Plan, opts: UnmountScriptOptions): string {
  const out = [
    `#!/bin/sh\n# kiln: unmount ${plan.disk.name} from ${opts.mountPath} (rendered from the block-device plan)`,
    '# No set -e: every mount gets its chance to be unmounted; the status says if one failed.',
    'set -u',
    `mnt=${shQuote(opts.mountPath)}`,
    'rc=0',
    'sync',
  ];
  const byName = new Map(plan.filesystems.map((f) => [f.name, f]));
  for (const m of [...plan.mounts].reverse()) {
    const t = target(m.mountPoint);
    out.push(`if mountpoint -q ${t}; then`);
    // FAT cannot be trimmed (DIB skips it too); a trim failure only costs image size.
    if ((opts.fstrim ?? true) && byName.get(m.filesystem)!.type !== 'vfat') {
      out.push(`  fstrim ${t} || echo "kiln: fstrim ${m.mountPoint} failed; the image will just be larger" >&2`);
    }
    out.push(`  umount ${t} || { echo "kiln: cannot unmount ${m.mountPoint}" >&2; rc=1; }`, 'fi');
  }
  out.push('exit "$rc"');
  return out.join('\n') + '\n';
}
