// Letting go of the helper drive, as data: the build's mounts (the chroot's binds of the cache
// among them) go before the cache itself, and the host merges a build's additions only once
// the cache's ext4 instance is gone; the check run under bash against a fake /sys.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { helperDriveReleased, releaseDrives } from '../../../src/guest/drives.js';
import { guestPaths } from '../../../src/guest/paths.js';

describe('releaseDrives', () => {
  it('unmounts the build and the repository first, then the helper drive, then syncs', () => {
    const s = releaseDrives();
    const build = s.indexOf(guestPaths.buildDir);
    const cache = s.indexOf(`^${guestPaths.cache}(/|$)`);
    expect(build).toBeGreaterThan(-1);
    expect(cache).toBeGreaterThan(build);
    expect(s.trimEnd().endsWith('sync')).toBe(true);
  });
});

describe('helperDriveReleased', () => {
  const s = helperDriveReleased('kiln-cache');
  it('waits for /sys/fs/ext4/DEV of the drive found by its serial to go', () => {
    expect(s).toContain('dev=$(dev_by_serial kiln-cache) || exit 1');
    expect(s).toContain('[ -e "/sys/fs/ext4/${dev##*/}" ] || exit 0');
  });
  it('is valid bash', async () => {
    await execa('bash', ['-n'], { input: s });
  });
});
