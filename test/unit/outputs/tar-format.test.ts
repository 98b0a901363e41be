import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarEntries, TAR_END, tarHeader, tarPadding } from '../../../src/outputs/tar-format.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tar headers', () => {
  const body = Buffer.from('hello\n');
  const archive = Buffer.concat([
    tarHeader({ name: 'd/', size: 0, mode: 0o755, mtime: 1700000000, type: 'directory' }),
    tarHeader({ name: 'd/f.txt', size: body.length, mode: 0o600, mtime: 1700000000, type: 'file', uid: 1000, gid: 100 }),
    body,
    tarPadding(body.length),
    TAR_END,
  ]);
  const path = join(dir, 'a.tar');
  writeFileSync(path, archive);

  it('writes what GNU tar reads', () => {
    const r = spawnSync('tar', ['--numeric-owner', '-tvf', path], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^drwxr-xr-x 0\/0 +0 2023-11-14 \d\d:\d\d d\/\n-rw------- 1000\/100 +6 2023-11-14 \d\d:\d\d d\/f\.txt\n$/);
  });

  it('reads its own headers back', async () => {
    const entries = await readTarEntries(path);
    expect(entries.map(({ name, type, mode, uid, gid, size, mtime }) => ({ name, type, mode, uid, gid, size, mtime }))).toEqual([
      { name: 'd/', type: '5', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1700000000 },
      { name: 'd/f.txt', type: '0', mode: 0o600, uid: 1000, gid: 100, size: 6, mtime: 1700000000 },
    ]);
    expect(archive.subarray(entries[1]!.offset, entries[1]!.offset + 6).toString()).toBe('hello\n');
  });

  it('encodes sizes of 8 GiB and more in base-256', () => {
    const h = tarHeader({ name: 'big', size: 9 * 1024 ** 3, mode: 0o644, mtime: 0, type: 'file' });
    expect(h[124]).toBe(0x80);
    expect(h.readBigUInt64BE(128)).toBe(BigInt(9 * 1024 ** 3));
  });

  it('reads pax records (long names, owners, xattrs) that GNU tar writes', async () => {
    const long = 'x'.repeat(120);
    writeFileSync(join(dir, long), 'y');
    const out = join(dir, 'pax.tar');
    const r = spawnSync('tar', ['--format=pax', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', out, long]);
    expect(r.status).toBe(0);
    const [entry] = await readTarEntries(out);
    expect(entry).toMatchObject({ name: long, uid: 0, gid: 0, size: 1 });
  });
});
