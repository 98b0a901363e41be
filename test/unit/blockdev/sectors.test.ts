// Disks with 4096-byte logical sectors (block_size: 4096, DIB_BLOCK_SIZE).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../support/thrown.js';
import {
  mkfsCommand,
  planFromYaml,
  qemuDiskProperties,
  renderMkfsScript,
  renderPartitionScript,
  SectorSizeError,
  sfdiskScript,
  defaultConfig,
  BlockDeviceError,
} from '../../../src/blockdev/index.js';
import { GiB, MiB } from './helpers.js';

const seed = '4k';
const element = readFileSync(new URL('../../../elements/block-device-efi-4k/block-device-default.yaml', import.meta.url), 'utf8');
const plan4k = planFromYaml(element, { seed, imageSize: 3 * GiB });


describe('the plan of a 4K disk', () => {
  it('records the sector size and counts every partition in 4096-byte sectors', () => {
    expect(plan4k.disk).toEqual({ name: 'image0', sizeBytes: 3 * GiB, sectorSize: 4096 });
    expect(plan4k.table).toMatchObject({ label: 'gpt', sectorSize: 4096, alignSectors: 256 });
    const parts = plan4k.table!.partitions.map((p) => [p.name, p.startSector, p.sizeSectors]);
    expect(parts).toEqual([
      ['ESP', 256, 550 * 256],
      ['BSP', 256 + 550 * 256, 8 * 256],
      ['root', 256 + 558 * 256, (3072 - 2 - 558) * 256],
    ]);
    // The same bytes as the 512-byte efi layout: only the unit differs.
    const plan512 = planFromYaml(element, { seed, imageSize: 3 * GiB, blockSize: 512 });
    expect(plan512.table!.partitions.map((p) => [p.startSector * 512, p.sizeSectors * 512])).toEqual(
      plan4k.table!.partitions.map((p) => [p.startSector * 4096, p.sizeSectors * 4096]),
    );
  });

  it('tells sfdisk 4096-byte sectors and a GPT that takes 6 of them', () => {
    const head = sfdiskScript(plan4k).split('\n').slice(0, 5);
    expect(head).toEqual(['label: gpt', `label-id: ${plan4k.table!.diskId.toUpperCase()}`, 'unit: sectors', 'first-lba: 6', 'sector-size: 4096']);
    const script = renderPartitionScript(plan4k, { device: '/dev/loop0' });
    expect(script).toContain('if [ "$ss" != 4096 ]; then echo "kiln: $dev has $ss-byte sectors but the layout is for 4096-byte sectors (attach it with losetup --sector-size 4096)" >&2; exit 1; fi');
    expect(script).toContain('  set -- --sector-size 4096\n');
  });

  it('attaches the target and describes the boot disk with the same sector size', () => {
    expect(qemuDiskProperties(plan4k)).toEqual(['logical_block_size=4096', 'physical_block_size=4096']);
    const plan512 = planFromYaml(defaultConfig('efi'), { seed, imageSize: 3 * GiB });
    expect(qemuDiskProperties(plan512)).toEqual([]);
  });

  it('makes filesystems for 4096-byte sectors even in a plain file', () => {
    const [esp, root] = plan4k.filesystems;
    expect(mkfsCommand(esp!, '/x', { sectorSize: 4096 })).toEqual(['mkfs.vfat', '-S', '4096', '-n', 'MKFS_ESP', '-i', esp!.volumeId, '/x']);
    expect(mkfsCommand(root!, '/x', { sectorSize: 4096 }).slice(0, 5)).toEqual(['mkfs.ext4', '-F', '-q', '-b', '4096']);
    expect(mkfsCommand({ ...root!, type: 'xfs', options: [] }, '/x', { sectorSize: 4096 })).toContain('size=4096');
    expect(mkfsCommand({ ...root!, options: ['-b', '4096'] }, '/x', { sectorSize: 4096 }).filter((a) => a === '-b')).toHaveLength(1);
    expect(renderMkfsScript(plan4k, { device: '/dev/loop0' })).toMatch(/^mkfs\.vfat -S 4096 /m);
  });
});

describe('a size that is not a whole number of 4K sectors is a SectorSizeError', () => {
  it.each([
    ['an MBR partition size', element.replace('label: gpt', 'label: mbr').replace("type: 'EF00'", "type: 'ef'").replace("type: 'EF02'", "type: '83'").replace("type: '8300'", "type: '83'").replace('size: 8MiB', 'size: 1000000'), 'node "BSP", field "size": 1000000 bytes is not a whole number of 4096-byte sectors'],
    ['a GPT partition size', element.replace('size: 550MiB', 'size: 550.5KiB'), 'node "ESP", field "size": 563712 bytes is not a whole number of 4096-byte sectors'],
    ['the disk size', element.replace('block_size: 4096', 'block_size: 4096\n    size: 1073741312'), 'node "image0", field "size": image size 1073741312 is not a whole number of 4096-byte sectors'],
    ['the alignment', element.replace('label: gpt', 'label: gpt\n    align: 512'), 'field "align": 512 bytes is not a whole number of 4096-byte sectors'],
  ])('%s', (_what, text, message) => {
    const err = thrown(() => planFromYaml(text, { seed, imageSize: 3 * GiB }));
    expect(err).toBeInstanceOf(SectorSizeError);
    expect(err.name).toBe('SectorSizeError');
    expect(err.message).toContain(message);
  });

  it('the image size kiln computes for the build', () => {
    expect(thrown(() => planFromYaml(element, { seed, imageSize: 3 * GiB + 512 }))).toBeInstanceOf(SectorSizeError);
  });

  it('a sector size kiln does not lay out', () => {
    expect(() => planFromYaml(element.replace('block_size: 4096', 'block_size: 2048'), { seed, imageSize: GiB })).toThrow(BlockDeviceError);
    expect(() => planFromYaml(element, { seed, imageSize: GiB, blockSize: '1024' })).toThrow('DIB_BLOCK_SIZE=1024: "1024" is not a logical sector size kiln can lay out (512 or 4096)');
  });
});

// sfdisk takes a file's sector size from --sector-size since util-linux 2.39 (bookworm has
// 2.38: there this part runs in the appliance only, on a 4K loop device).
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH } });
const sfdiskKnowsSectorSize = /--sector-size/.test(run('sfdisk', ['--help']).stdout ?? '');

describe('on the host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-4k-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sparse = (name: string, bytes: number) => {
    const p = join(dir, name);
    writeFileSync(p, '');
    truncateSync(p, bytes);
    return p;
  };

  it.runIf(sfdiskKnowsSectorSize)('sfdisk writes the 4K GPT the plan says', () => {
    const disk = sparse('disk.img', plan4k.disk.sizeBytes);
    expect(run('sh', ['-c', renderPartitionScript(plan4k, { device: disk, waitForPartitions: false })]).status).toBe(0);
    const got = JSON.parse(run('sfdisk', ['--sector-size', '4096', '--json', disk]).stdout).partitiontable;
    expect(got.sectorsize).toBe(4096);
    expect(got.partitions.map((p: { start: number; size: number }) => [p.start, p.size])).toEqual(plan4k.table!.partitions.map((p) => [p.startSector, p.sizeSectors]));
  });

  it.runIf(run('sh', ['-c', 'command -v mkfs.vfat && command -v mkfs.ext4']).status === 0)('mkfs makes 4K-sector FAT and 4K-block ext4 in plain files', () => {
    const esp = sparse('esp.img', 64 * MiB);
    const root = sparse('root.img', 256 * MiB);
    const script = renderMkfsScript(plan4k, { device: '/dev/null', devicePaths: { ESP: esp, root } });
    expect(run('sh', ['-c', script]).status).toBe(0);
    // FAT boot sector: bytes per sector at offset 11.
    expect(readFileSync(esp).readUInt16LE(11)).toBe(4096);
    expect(run('dumpe2fs', ['-h', root]).stdout).toMatch(/Block size:\s+4096/);
  });
});
