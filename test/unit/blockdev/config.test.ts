import { describe, expect, it } from 'vitest';
import { BlockDeviceError } from '../../../src/blockdev/errors.js';
import { parseBlockDeviceConfig } from '../../../src/blockdev/config.js';
import { fixture } from './helpers.js';

const summary = (text: string) =>
  parseBlockDeviceConfig(text)
    .map((n) => ({ plugin: n.plugin, name: n.name, base: n.base, fields: n.fields, partitions: n.partitions?.map((p) => ({ ...p, index: 0 })) }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe('block-device config: tree and graph forms', () => {
  it('flattens the tree form into the nodes the graph form spells out', () => {
    expect(summary(fixture('deep-tree.yaml'))).toEqual(summary(fixture('deep-graph.yaml')));
  });

  it('makes up names as DIB does: <plugin>_<base>', () => {
    const names = parseBlockDeviceConfig(fixture('deep-tree.yaml')).map((n) => `${n.plugin}:${n.name}<-${n.base ?? ''}`);
    expect(names).toEqual([
      'local_loop:image0<-',
      'partitioning:partitioning_image0<-image0',
      'mkfs:mkfs_root<-root',
      'mount:mount_mkfs_root<-mkfs_root',
      'fstab:fstab_mount_mkfs_root<-mount_mkfs_root',
    ]);
  });

  it('keeps every scalar as written, so MBR type 83 stays hex "83"', () => {
    const nodes = parseBlockDeviceConfig('- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n      - name: p\n        type: 83\n        size: 100%\n');
    expect(nodes[0]!.partitions![0]!.fields).toEqual({ type: '83', size: '100%' });
  });

  it.each([
    ['local_loop: {name: x}', /must be a YAML list/],
    ['- [a]', /each entry must be a map/],
    ['- local_loop: {name: a}\n  mkfs: {name: b}', /exactly one key, this one has 2/],
    ['- lvm: {name: a, pvs: x}', /node "a", field "pvs": must be a list of physical volumes/],
    ['- lvm:\n    name: a\n    vgs:\n      - base: [pv]', /every entry needs a "name"/],
    ['- raid: {name: a}', /"raid" is not a block-device plugin/],
    ['- mkfs: {type: ext4}', /needs a "name"/],
    ['- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n      - size: 1MiB', /every partition needs a "name"/],
    ['- local_loop: {name: a\n', /not valid YAML/],
  ])('rejects %j', (text, message) => {
    let err: unknown;
    try {
      parseBlockDeviceConfig(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlockDeviceError);
    expect((err as Error).message).toMatch(message);
  });
});
