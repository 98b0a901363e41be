import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareDisks, compareTars, differingRegions, mbrPartitions } from './compare.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tarOf(name: string, files: Record<string, string>, mode = '0644'): Promise<string> {
  const t = join(dir, name);
  mkdirSync(t);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(t, f), text);
  await execa('tar', ['-C', t, '-cf', `${t}.tar`, '--sort=name', '--mtime=@1700000000', `--mode=${mode}`, '--owner=0', '--group=0', '.']);
  return `${t}.tar`;
}

describe('compareTars', () => {
  it('names the entries that differ and how', async () => {
    const a = await tarOf('a', { same: 'x', changed: 'one', gone: 'g' });
    const b = await tarOf('b', { same: 'x', changed: 'two', added: 'n' });
    const lines = await compareTars(a, b);
    expect(lines).toContain('./changed: content differs');
    expect(lines).toContain(`only in ${a}: ./gone`);
    expect(lines).toContain(`only in ${b}: ./added`);
    expect(lines.some((l) => l.startsWith('./same'))).toBe(false);
  });
  it('finds nothing in identical archives', async () => {
    const a = await tarOf('c', { f: 'x' });
    expect(await compareTars(a, a)).toEqual([]);
  });
});

describe('differingRegions / compareDisks', () => {
  it('merges adjacent differing blocks and reports a size change', async () => {
    const a = Buffer.alloc(64 * 1024);
    const b = Buffer.from(a);
    b[5000] = 1;
    b[9000] = 1; // blocks 1 and 2: one region
    b[40000] = 1;
    writeFileSync(join(dir, 'd1'), a);
    writeFileSync(join(dir, 'd2'), Buffer.concat([b, Buffer.alloc(100)]));
    expect(await differingRegions(join(dir, 'd1'), join(dir, 'd2'))).toEqual([
      { start: 4096, end: 12288 },
      { start: 36864, end: 40960 },
      { start: 65536, end: 65636 },
    ]);
  });
  it('reads MBR primary partitions', () => {
    const s = Buffer.alloc(512);
    s[510] = 0x55;
    s[511] = 0xaa;
    s[446 + 4] = 0x83;
    s.writeUInt32LE(2048, 446 + 8);
    s.writeUInt32LE(4096, 446 + 12);
    expect(mbrPartitions(s)).toEqual([{ number: 1, start: 2048 * 512, end: 6144 * 512 }]);
    expect(mbrPartitions(Buffer.alloc(512))).toEqual([]);
  });
  it('names the file that owns a differing block of an ext filesystem', async () => {
    const src = join(dir, 'fsrc');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(64 * 1024, 7));
    const mk = async (f: string) => {
      await execa('truncate', ['-s', '8M', f]);
      await execa('mkfs.ext4', ['-q', '-F', '-U', '11111111-2222-3333-4444-555555555555', '-E', 'hash_seed=11111111-2222-3333-4444-555555555555', '-d', src, f], { env: { E2FSPROGS_FAKE_TIME: '1700000000' } });
    };
    await mk(join(dir, 'fs1'));
    writeFileSync(join(src, 'big'), Buffer.alloc(64 * 1024, 8));
    await mk(join(dir, 'fs2'));
    const lines = await compareDisks(join(dir, 'fs1'), join(dir, 'fs2'));
    expect(lines.join('\n')).toMatch(/inode \d+ \/big/);
  });
});
