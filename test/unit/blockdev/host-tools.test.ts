// The rendered scripts run for real against sparse files on the host: sfdisk and mkfs work
// on plain files without root, so the partition table and filesystems kiln asks for are
// checked by the tools that will read them (sfdisk --json, sgdisk -v, blkid, dumpe2fs).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultConfig,
  planFromYaml,
  renderMkfsScript,
  renderPartitionScript,
  type Plan,
} from '../../../src/blockdev/index.js';
import { gptTypeGuid, knownGptCodes } from '../../../src/blockdev/gpt-types.js';
import { fixture, GiB, MiB } from './helpers.js';

const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', env: { ...process.env, PATH } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { env: { ...process.env, PATH } }).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'kiln-blockdev-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

interface SfdiskJson {
  partitiontable: {
    label: string;
    id: string;
    partitions: { node: string; start: number; size: number; type: string; uuid?: string; name?: string; bootable?: boolean; attrs?: string }[];
  };
}

function partitionFile(plan: Plan, name: string): SfdiskJson['partitiontable'] {
  const disk = sparse(name, plan.disk.sizeBytes);
  run('sh', ['-c', renderPartitionScript(plan, { device: disk, waitForPartitions: false })]);
  return (JSON.parse(run('sfdisk', ['--json', disk])) as SfdiskJson).partitiontable;
}

describe.runIf(has('sfdisk'))('rendered partition script on a sparse file', () => {
  const seed = 'host-seed';
  it.each([
    ['mbr default', defaultConfig('mbr'), 2 * GiB],
    ['efi default', defaultConfig('efi'), 3 * GiB],
    ['gpt default', defaultConfig('gpt'), GiB],
    ['gpt with a space in a name', fixture('gpt-spaces.yaml'), undefined],
    ['mbr with logical partitions', fixture('multi-tree.yaml'), undefined],
  ])('%s: sfdisk reads back exactly the plan', (label, yaml, imageSize) => {
    const plan = planFromYaml(yaml, { seed, imageSize });
    const t = plan.table!;
    const got = partitionFile(plan, `${label.replace(/ /g, '-')}.img`);
    expect(got.label).toBe(t.label === 'mbr' ? 'dos' : 'gpt');
    expect(got.id.toLowerCase()).toBe(t.diskId.toLowerCase());
    const byNumber = new Map(got.partitions.map((p) => [Number(/(\d+)$/.exec(p.node)![1]), p]));
    for (const p of t.partitions) {
      const g = byNumber.get(p.number);
      expect(g, `partition ${p.number}`).toBeDefined();
      expect([g!.start, g!.size]).toEqual([p.startSector, p.sizeSectors]);
      if (t.label === 'gpt') {
        expect([g!.type, g!.uuid, g!.name]).toEqual([p.type, p.uuid!.toUpperCase(), p.name]);
        expect(g!.attrs === 'LegacyBIOSBootable').toBe(p.bootable);
      } else {
        expect(g!.type).toBe(p.type.replace(/^0/, ''));
        expect(g!.bootable ?? false).toBe(p.bootable);
      }
    }
    if (t.extended) {
      expect(byNumber.get(t.extended.number)).toMatchObject({ start: t.extended.startSector, size: t.extended.sizeSectors, type: 'f' });
    }
    expect(got.partitions.length).toBe(t.partitions.length + (t.extended ? 1 : 0));
    if (t.label === 'gpt' && has('sgdisk')) expect(run('sgdisk', ['-v', join(dir, `${label.replace(/ /g, '-')}.img`)])).toContain('No problems found');
  });
});

describe.runIf(has('sgdisk') && has('sfdisk'))('GPT type table', () => {
  it('every sgdisk code kiln knows maps to the GUID sgdisk writes', () => {
    const codes = knownGptCodes();
    const disk = sparse('codes.img', (codes.length + 3) * MiB);
    const args = codes.flatMap((c, i) => ['-n', `${i + 1}:0:+1M`, '-t', `${i + 1}:${c}`]);
    run('sgdisk', [...args, disk]);
    const got = (JSON.parse(run('sfdisk', ['--json', disk])) as SfdiskJson).partitiontable.partitions.map((p) => p.type);
    expect(got).toEqual(codes.map((c) => gptTypeGuid(c)));
  });
});

describe.runIf(has('mkfs.ext4') && has('mkfs.vfat') && has('blkid'))('rendered mkfs script on plain files', () => {
  const blkid = (path: string) =>
    Object.fromEntries(run('blkid', ['-p', '-o', 'export', path]).trim().split('\n').map((l) => l.split('=', 2) as [string, string]));

  it('makes the filesystems with the planned labels, UUIDs and ext4 hash seed', () => {
    const plan = planFromYaml(defaultConfig('efi'), { seed: 'mkfs', imageSize: 2 * GiB });
    const devicePaths = { ESP: sparse('esp.img', 550 * MiB), root: sparse('root.img', 512 * MiB) };
    run('sh', ['-c', renderMkfsScript(plan, { device: '/dev/null', devicePaths, sourceDateEpoch: 1700000000 })]);
    const [esp, root] = plan.filesystems;
    expect(blkid(devicePaths.ESP)).toMatchObject({ TYPE: 'vfat', LABEL: 'MKFS_ESP', UUID: esp!.uuid });
    expect(blkid(devicePaths.root)).toMatchObject({ TYPE: 'ext4', LABEL: 'cloudimg-rootfs', UUID: root!.uuid });
    const sb = run('dumpe2fs', ['-h', devicePaths.root]);
    expect(sb).toMatch(new RegExp(`Directory Hash Seed:\\s+${root!.hashSeed}`));
    expect(sb).toMatch(/Total journal size:\s+64M/);
  });

  it('is byte-for-byte reproducible for empty filesystems with a SOURCE_DATE_EPOCH', () => {
    const plan = planFromYaml(defaultConfig('efi'), { seed: 'again', imageSize: 2 * GiB });
    const make = (tag: string) => {
      const devicePaths = { ESP: sparse(`esp-${tag}.img`, 64 * MiB), root: sparse(`root-${tag}.img`, 200 * MiB) };
      run('sh', ['-c', renderMkfsScript(plan, { device: '/dev/null', devicePaths, sourceDateEpoch: 1700000000 })]);
      return devicePaths;
    };
    const a = make('a');
    const b = make('b');
    run('cmp', [a.ESP, b.ESP]);
    run('cmp', [a.root, b.root]);
  });

  it('populates a whole-disk ext4 root from a directory with mke2fs -d', () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'etc'), { recursive: true });
    writeFileSync(join(tree, 'etc', 'hostname'), 'kiln\n');
    const plan = planFromYaml(defaultConfig('none'), { seed: 'pop', imageSize: 200 * MiB });
    const disk = sparse('whole.img', plan.disk.sizeBytes);
    run('sh', ['-c', renderMkfsScript(plan, { device: disk, populateRootFrom: tree })]);
    expect(run('debugfs', ['-R', 'cat /etc/hostname', disk])).toBe('kiln\n');
    expect(blkid(disk)).toMatchObject({ LABEL: 'cloudimg-rootfs', UUID: plan.root.uuid });
  });

  it.runIf(has('mkfs.xfs'))('xfs gets the planned UUID and label', () => {
    const plan = planFromYaml(fixture('multi-tree.yaml'), { seed: 'xfs' });
    const devicePaths = { root: sparse('xfs.img', 320 * MiB), var: sparse('var.img', 64 * MiB), var_log: sparse('varlog.img', 40 * MiB) };
    run('sh', ['-c', renderMkfsScript(plan, { device: '/dev/null', devicePaths })]);
    expect(blkid(devicePaths.root)).toMatchObject({ TYPE: 'xfs', LABEL: 'img-rootfs', UUID: '2d3c6a1e-6f0b-4b5e-9a51-0c9f0f4a7d11' });
    expect(blkid(devicePaths.var_log)).toMatchObject({ TYPE: 'vfat', LABEL: 'VARLOG' });
  });
});
