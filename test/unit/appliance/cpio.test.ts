// The initramfs writer, read back by GNU cpio as a non-root user: names, modes, contents,
// symlinks and a device node that only root could have made on disk.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCpio, type CpioEntry } from '../../../src/appliance/cpio.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-cpio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entries: CpioEntry[] = [
  { path: 'bin', type: 'dir', mode: 0o755 },
  { path: 'dev', type: 'dir', mode: 0o755 },
  { path: 'bin/busybox', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/true\nbusybox\n') },
  { path: 'bin/sh', type: 'symlink', target: 'busybox' },
  { path: '/init', type: 'file', mode: 0o700, data: Buffer.from('x'.repeat(1001)) },
  { path: 'empty', type: 'file', mode: 0o644, data: Buffer.alloc(0) },
  { path: 'dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 },
];

function cpio(args: string[], input: Buffer, cwd = dir): string {
  return execFileSync('cpio', args, { input, cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('renderCpio', () => {
  const archive = renderCpio(entries);

  it('is newc, padded to 512-byte blocks, ends with the trailer', () => {
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.length % 512).toBe(0);
    expect(archive.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
  });

  it('is deterministic', () => {
    expect(renderCpio(entries).equals(archive)).toBe(true);
  });

  it('cpio -t lists every entry in order, leading slashes dropped', () => {
    expect(cpio(['-t', '--quiet'], archive).trim().split('\n')).toEqual(['bin', 'dev', 'bin/busybox', 'bin/sh', 'init', 'empty', 'dev/console']);
  });

  it('cpio -tv shows root ownership, modes, the symlink target and the device node 5,1', () => {
    const lines = cpio(['-tv', '--quiet', '--numeric-uid-gid'], archive).trim().split('\n');
    const line = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `))!;
    expect(line('dev/console')).toMatch(/^crw------- +1 0 +0 +5, +1 .* dev\/console$/);
    expect(line('bin/busybox')).toMatch(/^-rwxr-xr-x +1 0 +0 +20 /);
    expect(line('bin/sh')).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/);
    expect(line('bin')).toMatch(/^drwxr-xr-x +2 0 +0 /);
    expect(line('init')).toMatch(/^-rwx------ +1 0 +0 +1001 /);
  });

  it('cpio -i as a non-root user unpacks the same contents (the device node it may not make)', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(dir, 'a.cpio'), archive);
    chmodSync(dir, 0o755);
    // as root, drop to nobody: the point is that no privilege was needed to make the archive
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(out, 65534, 65534);
    const argv = ['cpio', '-i', '-d', '--quiet', '--no-absolute-filenames', '-F', join(dir, 'a.cpio')];
    const [file, ...args] = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
    const r = spawnSync(file!, args, { cwd: out, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/dev\/console.*(Operation not permitted|Permission denied)/);
    expect(readFileSync(join(out, 'bin/busybox'), 'utf8')).toBe('#!/bin/true\nbusybox\n');
    expect(readlinkSync(join(out, 'bin/sh'))).toBe('busybox');
    expect(readFileSync(join(out, 'init'), 'utf8')).toBe('x'.repeat(1001));
    expect(statSync(join(out, 'init')).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'empty')).size).toBe(0);
  });
});
