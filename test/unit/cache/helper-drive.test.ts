// The helper drive shared by builds at once, with qemu-img and qemu-io standing in for the
// appliances (no VM): each build writes its own overlay; the first to merge lands in the drive
// (a new file, renamed in), a later one whose base changed is dropped; the drive is never
// written in place, so what another build's QEMU opened stays as it was, and a merge that
// fails leaves the drive untouched.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPER_BYTES, useHelperDrive } from '../../../src/cache/helper-drive.js';
import type { Logger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-helper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const log: Logger = { emit: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

/** Write `pattern` at `offset` as a guest would, through the build's overlay. */
const write = (file: string, pattern: number, offset: string) => execa('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} ${offset} 64k`, file]);
/** Whether `file` reads `pattern` at `offset`. */
const reads = async (file: string, pattern: number, offset: string) => {
  const r = await execa('qemu-io', ['-f', 'qcow2', '-r', '-U', '-c', `read -P ${pattern} ${offset} 64k`, file], { reject: false });
  return r.exitCode === 0 && !`${r.stdout}${r.stderr}`.includes('Pattern verification failed');
};
const work = (name: string) => mkdtempSync(join(dir, `${name}-`));

describe('the helper drive, many builds at once', () => {
  const drive = join(dir, 'cache', 'helper.qcow2');

  it('makes the drive on first use, private, and an overlay per build backed by it', async () => {
    const a = await useHelperDrive(drive, work('a'), log);
    expect(statSync(drive).mode & 0o777).toBe(0o600);
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', '-U', a.overlay])).stdout) as { 'backing-filename': string; 'virtual-size': number };
    expect(info['backing-filename']).toBe(drive);
    expect(info['virtual-size']).toBe(HELPER_BYTES);
  });

  it('merges the first build to finish, drops the one whose base another build replaced', async () => {
    const a = await useHelperDrive(drive, work('a'), log);
    const b = await useHelperDrive(drive, work('b'), log);
    await write(a.overlay, 0xaa, '1M');
    await write(b.overlay, 0xbb, '2M');
    const before = statSync(drive).ino;
    expect(await a.merge()).toMatchObject({ merged: true });
    expect(statSync(drive).ino).not.toBe(before); // a new file, renamed in: never written in place
    expect(await reads(drive, 0xaa, '1M')).toBe(true);
    const r = await b.merge();
    expect(r).toMatchObject({ merged: false });
    expect((r as { reason: string }).reason).toMatch(/another build merged into the helper drive/);
    expect(await reads(drive, 0xbb, '2M')).toBe(false);
    await execa('qemu-img', ['check', drive]);
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('keeps what a running build opened: its overlay still reads the drive as it was', async () => {
    const c = await useHelperDrive(drive, work('c'), log);
    // a QEMU that has the old drive open (qemu-io holding it) while another build merges
    const reader = execa('qemu-io', ['-f', 'qcow2', '-r', '-U', '-c', 'read -P 0xaa 1M 64k', '-c', 'sleep 1500', '-c', 'read -P 0xaa 1M 64k', c.overlay]);
    const d = await useHelperDrive(drive, work('d'), log);
    await write(d.overlay, 0xcc, '1M');
    await new Promise((r) => setTimeout(r, 300));
    expect(await d.merge()).toMatchObject({ merged: true });
    const out = (await reader).stdout;
    expect(out).not.toContain('Pattern verification failed');
    expect(await reads(drive, 0xcc, '1M')).toBe(true);
  });

  it('leaves the drive untouched when a merge fails (a damaged overlay)', async () => {
    const e = await useHelperDrive(drive, work('e'), log);
    await write(e.overlay, 0xdd, '3M');
    const before = statSync(drive).ino;
    // corrupt the overlay's header: qemu-img check refuses it before anything is copied
    await execa('dd', ['if=/dev/zero', `of=${e.overlay}`, 'bs=1', 'count=4', 'conv=notrunc']);
    await expect(e.merge()).rejects.toThrow(/check this build's overlay of the helper drive/);
    expect(statSync(drive).ino).toBe(before);
    expect(readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('drops a merge once the drive was cleared', async () => {
    const f = await useHelperDrive(drive, work('f'), log);
    rmSync(drive);
    expect(await f.merge()).toMatchObject({ merged: false });
  });
});
