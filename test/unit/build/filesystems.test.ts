// Image sizing: DIB's formula for the disk, grown only when the layout gives the root filesystem
// too small a share of it (LVM volumes by percentage); a lone root partition never grows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, planFromYaml, rootBytes } from '../../../src/blockdev/index.js';
import { imageSizeFor, rootNeeds, sizeForRoot } from '../../../src/build/filesystems.js';
import { buildOptionsFrom } from '../../../src/options.js';

const repo = join(import.meta.dirname, '../../..');
const o = buildOptionsFrom(['vm'], { name: 'x' }, {});
const treeKiB = 340 * 1024;

describe('sizeForRoot', () => {
  it('leaves an MBR image with one root partition as DIB sizes it', () => {
    const start = imageSizeFor(o, treeKiB, 'ext4', false);
    const r = sizeForRoot(o, start, rootNeeds(treeKiB, 'ext4'), (b) => planFromYaml(defaultConfig('mbr'), { seed: 's', imageSize: b }));
    expect(r.imageBytes).toBe(start);
  });

  it('grows an LVM image whose root volume is a share of the disk until the tree fits', () => {
    const yaml = readFileSync(join(repo, 'elements/block-device-efi-lvm/block-device-default.yaml'), 'utf8');
    const start = imageSizeFor(o, treeKiB, 'ext4', true);
    const need = rootNeeds(treeKiB, 'ext4');
    expect(rootBytes(planFromYaml(yaml, { seed: 's', imageSize: start }))).toBeLessThan(need);
    const r = sizeForRoot(o, start, need, (b) => planFromYaml(yaml, { seed: 's', imageSize: b }));
    expect(r.imageBytes).toBeGreaterThan(start);
    expect(r.imageBytes % 65536).toBe(0);
    expect(rootBytes(r.plan)).toBeGreaterThanOrEqual(need);
  });

  it('keeps --size as the user gave it', () => {
    const sized = buildOptionsFrom(['vm'], { name: 'x', imageSize: '2G' }, {});
    const yaml = readFileSync(join(repo, 'elements/block-device-efi-lvm/block-device-default.yaml'), 'utf8');
    const r = sizeForRoot(sized, 2 * 1024 ** 3, 10 * 1024 ** 3, (b) => planFromYaml(yaml, { seed: 's', imageSize: b }));
    expect(r.imageBytes).toBe(2 * 1024 ** 3);
  });
});
