// What kiln asks of the paths it is given before it starts (TMPDIR, an image, --drive), on a
// real filesystem: each refusal names the path and says what is wrong with it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkDrivePath } from '../../../src/cache/helper-drive.js';
import { KilnError, UsageError } from '../../../src/errors.js';
import { checkImageFile } from '../../../src/host/image-file.js';
import { checkTmpdir, makeTempDir } from '../../../src/host/tmpdir.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TMPDIR', () => {
  const saved = process.env.TMPDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });

  it('a missing one, or a file, is a usage error naming it', async () => {
    process.env.TMPDIR = join(dir, 'absent');
    await expect(checkTmpdir()).rejects.toThrow(/^TMPDIR \S+\/absent: no such directory; kiln keeps its VMs' sockets and logs there$/);
    await expect(makeTempDir('kiln-vm-')).rejects.toBeInstanceOf(UsageError);
    writeFileSync(join(dir, 'a-file'), '');
    process.env.TMPDIR = join(dir, 'a-file');
    await expect(checkTmpdir()).rejects.toThrow(/^TMPDIR \S+\/a-file: not a directory/);
  });

  it('a usable one gives its temp dirs', async () => {
    process.env.TMPDIR = dir;
    const made = await makeTempDir('kiln-vm-');
    expect(made.startsWith(join(dir, 'kiln-vm-'))).toBe(true);
  });
});

describe('an image argument', () => {
  it('missing or a directory: usage errors; empty: a failed image', async () => {
    await expect(checkImageFile(join(dir, 'nope.qcow2'))).rejects.toThrow(/nope\.qcow2: no such image file/);
    await expect(checkImageFile(dir)).rejects.toThrow(/: a directory, not an image file$/);
    writeFileSync(join(dir, 'empty.raw'), '');
    const empty = await checkImageFile(join(dir, 'empty.raw')).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(KilnError);
    expect(empty).not.toBeInstanceOf(UsageError);
    expect((empty as Error).message).toMatch(/empty\.raw is empty \(0 bytes\)/);
    writeFileSync(join(dir, 'disk.raw'), Buffer.alloc(512));
    await checkImageFile(join(dir, 'disk.raw'));
  });
});

describe('--drive', () => {
  it('a directory or a device is refused; a missing file in a writable directory is fine', async () => {
    await expect(checkDrivePath(dir)).rejects.toThrow(/--drive \S+: not a regular file \(a directory\)/);
    await expect(checkDrivePath('/dev/null')).rejects.toThrow(/--drive \/dev\/null: not a regular file \(a device or special file\)/);
    await checkDrivePath(join(dir, 'helper.qcow2'));
    mkdirSync(join(dir, 'sub'));
    await checkDrivePath(join(dir, 'sub', 'new', 'helper.qcow2'));
  });
});
