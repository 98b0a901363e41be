// The helper drive shared by builds at once, with qemu-img and qemu-io standing in for the
// appliances (no VM): each build writes its own overlay; the first to merge lands in the drive
// (a new file, renamed in); a later one whose base changed is dropped if the builds that merged
// meanwhile added more, and replaces them if it added more itself (never a mix of two); a drive
// cleared or imported meanwhile is left alone; the drive is never written in place, so what
// another build's QEMU opened stays as it was; a merge that fails leaves the drive untouched.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPER_BYTES, lineageFileOf, newLineage, useHelperDrive } from '../../../src/cache/helper-drive.js';
import type { Logger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-helper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const log: Logger = { emit: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

/** Write `pattern` over `size` bytes at `offset` as a guest would, through the build's overlay. */
const write = (file: string, pattern: number, offset: string, size = '64k') => execa('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} ${offset} ${size}`, file]);
/** Whether `file` reads `pattern` at `offset`. */
const reads = async (file: string, pattern: number, offset: string) => {
  const r = await execa('qemu-io', ['-f', 'qcow2', '-r', '-U', '-c', `read -P ${pattern} ${offset} 64k`, file], { reject: false });
  return r.exitCode === 0 && !`${r.stdout}${r.stderr}`.includes('Pattern verification failed');
};
const work = (name: string) => mkdtempSync(join(dir, `${name}-`));
const cacheDir = join(dir, 'cache');
/** Hidden files next to the drive: half-made merges, base links. */
const hidden = () => readdirSync(cacheDir).filter((f) => f.startsWith('.'));

describe('the helper drive, many builds at once', () => {
  const drive = join(cacheDir, 'helper.qcow2');

  it('makes the drive on first use, private, of a lineage, and an overlay per build backed by the drive as it was', async () => {
    const a = await useHelperDrive(drive, work('a'), log);
    expect(statSync(drive).mode & 0o777).toBe(0o600);
    expect(existsSync(lineageFileOf(drive))).toBe(true);
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', '-U', a.overlay])).stdout) as { 'backing-filename': string; 'virtual-size': number };
    // a hard link to the drive: whatever replaces the drive, the overlay's base stays
    expect(statSync(info['backing-filename']).ino).toBe(statSync(drive).ino);
    expect(info['virtual-size']).toBe(HELPER_BYTES);
    await a.discard();
    expect(hidden()).toEqual([]);
  });

  it('merges the first build to finish; drops a later one that added less than what merged meanwhile', async () => {
    const a = await useHelperDrive(drive, work('a'), log);
    const b = await useHelperDrive(drive, work('b'), log);
    await write(a.overlay, 0xaa, '1M', '2M');
    await write(b.overlay, 0xbb, '8M');
    const before = statSync(drive).ino;
    const ra = await a.merge();
    expect(ra).toMatchObject({ merged: true });
    expect((ra as { replaced?: string }).replaced).toBeUndefined(); // b's link to the drive changed nothing that counts
    expect(statSync(drive).ino).not.toBe(before); // a new file, renamed in: never written in place
    expect(await reads(drive, 0xaa, '1M')).toBe(true);
    const r = await b.merge();
    expect(r).toMatchObject({ merged: false });
    expect((r as { reason: string }).reason).toMatch(/other builds merged more into the helper drive since this build started/);
    expect(await reads(drive, 0xbb, '8M')).toBe(false);
    await execa('qemu-img', ['check', drive]);
    expect(hidden()).toEqual([]);
  });

  it('keeps a later build that added more, whole, in place of what merged meanwhile (never a mix)', async () => {
    const c = await useHelperDrive(drive, work('c'), log);
    const d = await useHelperDrive(drive, work('d'), log);
    await write(c.overlay, 0xcc, '16M');
    await write(d.overlay, 0xdd, '32M', '4M');
    expect(await c.merge()).toMatchObject({ merged: true });
    const r = await d.merge();
    expect(r).toMatchObject({ merged: true });
    expect((r as { replaced?: string }).replaced).toMatch(/other builds merged since this one started, less than its own/);
    expect(await reads(drive, 0xdd, '32M')).toBe(true);
    expect(await reads(drive, 0xcc, '16M')).toBe(false); // c's additions went with its lineage step
    expect(await reads(drive, 0xaa, '1M')).toBe(true); // what both started from is there
    await execa('qemu-img', ['check', drive]);
  });

  it('keeps what a running build opened: its overlay still reads the drive as it was', async () => {
    const e = await useHelperDrive(drive, work('e'), log);
    // a QEMU that has the old drive open (qemu-io holding it) while another build merges
    const reader = execa('qemu-io', ['-f', 'qcow2', '-r', '-U', '-c', 'read -P 0xdd 32M 64k', '-c', 'sleep 1500', '-c', 'read -P 0xdd 32M 64k', e.overlay]);
    const f = await useHelperDrive(drive, work('f'), log);
    await write(f.overlay, 0xee, '32M');
    await new Promise((r) => setTimeout(r, 300));
    expect(await f.merge()).toMatchObject({ merged: true });
    expect((await reader).stdout).not.toContain('Pattern verification failed');
    expect(await reads(drive, 0xee, '32M')).toBe(true);
    await e.discard();
  });

  it('leaves the drive untouched when a merge fails (a damaged overlay)', async () => {
    const g = await useHelperDrive(drive, work('g'), log);
    await write(g.overlay, 0x11, '3M');
    const before = statSync(drive).ino;
    // corrupt the overlay's header: qemu-img check refuses it before anything is copied
    await execa('dd', ['if=/dev/zero', `of=${g.overlay}`, 'bs=1', 'count=4', 'conv=notrunc']);
    await expect(g.merge()).rejects.toThrow(/check this build's overlay of the helper drive/);
    expect(statSync(drive).ino).toBe(before);
    expect(hidden()).toEqual([]);
  });

  it('leaves a drive imported meanwhile alone, however much the build added', async () => {
    const h = await useHelperDrive(drive, work('h'), log);
    await write(h.overlay, 0x22, '64M', '8M');
    // what kiln cache import does: its drive renamed in, then a lineage of its own
    await execa('cp', [drive, `${drive}.imported`]);
    renameSync(`${drive}.imported`, drive);
    await newLineage(drive);
    expect(await h.merge()).toMatchObject({ merged: false, reason: 'the helper drive was cleared or imported since this build started' });
  });

  it('leaves a drive cleared meanwhile cleared', async () => {
    const i = await useHelperDrive(drive, work('i'), log);
    await write(i.overlay, 0x33, '1M');
    rmSync(drive);
    rmSync(lineageFileOf(drive));
    expect(await i.merge()).toMatchObject({ merged: false });
    expect(existsSync(drive)).toBe(false);
  });

  it('removes what killed kilns left: half-made merges, base links of dead builds', async () => {
    writeFileSync(join(cacheDir, '.helper.qcow2.999999999.partial'), 'half');
    writeFileSync(join(cacheDir, '.helper.qcow2.999999999.abcd.base'), 'old');
    const j = await useHelperDrive(drive, work('j'), log);
    expect(hidden()).toEqual([expect.stringMatching(new RegExp(`^\\.helper\\.qcow2\\.${process.pid}\\.[0-9a-f]{8}\\.base$`))]);
    await j.discard();
    expect(hidden()).toEqual([]);
  });
});
