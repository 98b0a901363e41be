// Every output format written for real from a small disk and tree, then read back by the
// program that will consume it: qemu-img info/check/compare, tar, unsquashfs, and the docker
// archive parsed to its manifest, config and layer digest.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../src/errors.js';
import { getFormat, readTarEntries, writeChecksums, type WriteOptions } from '../../../src/outputs/index.js';
import { deriveId32, deriveUuid } from '../../../src/ids.js';
import { squashfsFormat } from '../../../src/outputs/squashfs.js';
import { VHD_EPOCH } from '../../../src/outputs/vhd-footer.js';
import { DISK_BYTES, has, makeRawDisk, makeTreeTar, run } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-outputs-'));
let disk = '';
let tree = '';
beforeAll(() => {
  disk = makeRawDisk(dir);
  if (has('python3')) tree = makeTreeTar(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SDE = 1700000000;
const reproducible: WriteOptions = { sourceDateEpoch: SDE, seed: 'outputs-test' };
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const out = (name: string) => join(dir, name);

async function write(format: string, name: string, opts: WriteOptions = {}, input?: string): Promise<string> {
  const f = getFormat(format);
  expect(await f.supported()).toEqual({ ok: true });
  const dest = out(name);
  mkdirSync(dirname(dest), { recursive: true });
  await f.write(input ?? (f.needs === 'disk' ? disk : tree), dest, opts);
  expect(readdirSync(dirname(dest)).filter((n) => n.includes('kiln-partial'))).toEqual([]);
  return dest;
}

function qemuInfo(path: string, format?: string): { format: string; 'virtual-size': number; 'format-specific'?: { data: Record<string, unknown> } } {
  return JSON.parse(run('qemu-img', ['info', '--output=json', ...(format ? ['-f', format] : []), path]));
}

describe.runIf(has('qemu-img') && has('mkfs.ext4'))('disk formats', () => {
  it('qcow2: compressed by default, same content, passes qemu-img check', async () => {
    const c = await write('qcow2', 'c.qcow2');
    const u = await write('qcow2', 'u.qcow2', { compress: false, qemuImgOptions: 'compat=0.10' });
    for (const path of [c, u]) {
      expect(qemuInfo(path)).toMatchObject({ format: 'qcow2', 'virtual-size': DISK_BYTES });
      run('qemu-img', ['check', path]);
      run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', disk, path]);
    }
    expect(statSync(c).size).toBeLessThan(statSync(u).size);
    expect(qemuInfo(u)['format-specific']!.data.compat).toBe('0.10');
  });

  it('raw: same bytes, holes kept', async () => {
    const r = await write('raw', 'r.raw');
    expect(sha256(r)).toBe(sha256(disk));
    expect(statSync(r).blocks * 512).toBeLessThan(DISK_BYTES / 2);
  });

  it('vhd: fixed, exact virtual size, footer from SOURCE_DATE_EPOCH and seed, reproducible', async () => {
    const a = await write('vhd', 'a.vhd', reproducible);
    const b = await write('vhd', 'b.vhd', reproducible);
    // A fixed VHD is only a footer at the end: qemu-img needs -f vpc to see it.
    expect(qemuInfo(a, 'vpc')).toMatchObject({ format: 'vpc', 'virtual-size': DISK_BYTES });
    run('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', disk, a]);
    const footer = readFileSync(a).subarray(-512);
    expect(footer.toString('latin1', 0, 8)).toBe('conectix');
    expect(footer.readUInt32BE(60)).toBe(2); // fixed disk
    expect(footer.readUInt32BE(24)).toBe(SDE - VHD_EPOCH);
    expect(footer.subarray(68, 84).toString('hex')).toBe(deriveUuid('kiln-output', 'outputs-test', 'vhd-unique-id').replace(/-/g, ''));
    expect(sha256(a)).toBe(sha256(b));
  });

  it('vmdk: single file, same content, CID from the seed, reproducible', async () => {
    // Same file name in two directories: the descriptor records the name.
    const a = await write('vmdk', 'v1/a.vmdk', reproducible);
    const b = await write('vmdk', 'v2/a.vmdk', reproducible);
    expect(qemuInfo(a)).toMatchObject({ format: 'vmdk', 'virtual-size': DISK_BYTES });
    expect(qemuInfo(a)['format-specific']!.data).toMatchObject({ 'create-type': 'monolithicSparse', cid: parseInt(deriveId32('kiln-output', 'outputs-test', 'vmdk-cid'), 16) });
    run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', disk, a]);
    // The descriptor names its own file: the final name, not the temporary one.
    expect(readFileSync(a).subarray(512, 2048).toString('latin1')).toContain('SPARSE "a.vmdk"');
    expect(sha256(a)).toBe(sha256(b));
    await expect(getFormat('vmdk').write(disk, out('flat.vmdk'), { qemuImgOptions: 'subformat=monolithicFlat' })).rejects.toThrow(/writes several files/);
  });

  it('a failed conversion leaves nothing behind', async () => {
    const dest = out('missing.qcow2');
    const err = await getFormat('qcow2').write(out('no-such.raw'), dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as Error).message).toMatch(/^failed to convert the disk to qcow2: .*qemu-img exited with status 1/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('missing'))).toEqual([]);
  });

  it('an aborted conversion leaves nothing behind', async () => {
    const dest = out('aborted.qcow2');
    await expect(getFormat('qcow2').write(disk, dest, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(readdirSync(dir).filter((n) => n.includes('aborted'))).toEqual([]);
  });

  it('--checksum: md5sum -c and sha256sum -c accept the files', async () => {
    const img = await write('qcow2', 'sum.qcow2');
    const sums = await writeChecksums(img);
    expect(sums.files).toEqual([`${img}.md5`, `${img}.sha256`]);
    expect(readFileSync(`${img}.sha256`, 'utf8')).toBe(`${sha256(img)}  sum.qcow2\n`);
    run('md5sum', ['-c', 'sum.qcow2.md5'], { cwd: dir });
    run('sha256sum', ['-c', 'sum.qcow2.sha256'], { cwd: dir });
  });
});

describe.runIf(has('python3'))('tree formats', () => {
  const listing = (text: string) => text.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').split(' '));

  it('tar: the tree export unchanged, numeric owners intact', async () => {
    const t = await write('tar', 't.tar');
    expect(sha256(t)).toBe(sha256(tree));
    const rows = listing(run('tar', ['--numeric-owner', '-tvf', t]));
    expect(rows.map((r) => [r[0], r[1], r.at(-1)])).toContainEqual(['-rw-------', '1000/1000', './home/user/notes']);
  });

  it('tgz: gzip -9 of the tar, byte-reproducible', async () => {
    const a = await write('tgz', 'a.tgz');
    const b = await write('tgz', 'b.tgz');
    expect(gunzipSync(readFileSync(a)).equals(readFileSync(tree))).toBe(true);
    expect(sha256(a)).toBe(sha256(b));
    expect(run('tar', ['--numeric-owner', '-tvzf', a])).toContain('1000/1000');
  });

  const squashTools = (['tar2sqfs', 'sqfstar'] as const).filter((t) => has(t) && has('unsquashfs'));
  it.each(squashTools)('squashfs via %s: owners, modes, symlink and xattr kept; reproducible', async (tool) => {
    const f = squashfsFormat(tool);
    expect(await f.supported()).toEqual({ ok: true });
    const a = out(`${tool}-a.squash`);
    const b = out(`${tool}-b.squash`);
    await f.write(tree, a, reproducible);
    await f.write(tree, b, reproducible);
    expect(sha256(a)).toBe(sha256(b));
    const rows = listing(run('unsquashfs', ['-lln', a])).map((r) => [r[0], r[1], r[5]?.replace(/^squashfs-root/, '.') ?? '']);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['drwxr-xr-x', '0/0', '.'],
        ['-rw-r--r--', '0/0', './etc/hostname'],
        ['drwx------', '1000/1000', './home/user'],
        ['-rw-------', '1000/1000', './home/user/notes'],
        ['lrwxrwxrwx', '0/0', './bin'],
      ]),
    );
    const x = out(`${tool}-x`);
    run('unsquashfs', ['-q', '-d', x, a]);
    expect(run('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.kiln").decode())', join(x, 'etc', 'hostname')]).trim()).toBe('tree');
  });

  it('docker: a docker-save archive whose layer digest matches the config', async () => {
    const a = await write('docker', 'img.docker.tar', { ...reproducible, dockerTarget: 'kiln/test:v1', arch: 'amd64' });
    const b = await write('docker', 'again.docker.tar', { ...reproducible, dockerTarget: 'kiln/test:v1', arch: 'amd64' });
    expect(sha256(a)).toBe(sha256(b));
    expect(run('tar', ['-tf', a]).trim().split('\n')).toHaveLength(5);

    const entries = await readTarEntries(a);
    const bytes = readFileSync(a);
    const content = (name: string) => {
      const e = entries.find((x) => x.name === name)!;
      return bytes.subarray(e.offset, e.offset + e.size);
    };
    const manifest = JSON.parse(content('manifest.json').toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.RepoTags).toEqual(['kiln/test:v1']);
    const config = JSON.parse(content(manifest[0]!.Config).toString());
    expect(createHash('sha256').update(content(manifest[0]!.Config)).digest('hex') + '.json').toBe(manifest[0]!.Config);
    const layer = content(manifest[0]!.Layers[0]!);
    expect(`sha256:${createHash('sha256').update(layer).digest('hex')}`).toBe(config.rootfs.diff_ids[0]);
    expect(layer.equals(readFileSync(tree))).toBe(true);
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux', created: '2023-11-14T22:13:20Z' });
    expect(JSON.parse(content('repositories').toString())).toEqual({ 'kiln/test': { v1: sha256(tree) } });
  });

  it.runIf(has('skopeo'))('docker: skopeo reads the archive and copies it, checking every digest', async () => {
    const a = await write('docker', 'sk/img.docker.tar', { ...reproducible, dockerTarget: 'kiln/test:v1', arch: 'arm64' });
    expect(JSON.parse(run('skopeo', ['inspect', `docker-archive:${a}`]))).toMatchObject({
      Architecture: 'arm64',
      Os: 'linux',
      Created: '2023-11-14T22:13:20Z',
      Layers: [`sha256:${sha256(tree)}`],
    });
    run('skopeo', ['copy', '--quiet', `docker-archive:${a}`, `oci:${out('sk/oci')}:v1`]);
    expect(existsSync(out('sk/oci/index.json'))).toBe(true);
  });

  it('docker: a bad target fails before anything is written', async () => {
    await expect(getFormat('docker').write(tree, out('Bad.docker.tar'))).rejects.toThrow(/not a valid repository/);
    expect(existsSync(out('Bad.docker.tar'))).toBe(false);
  });
});
