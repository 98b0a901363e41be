// The image's size as a build settles it: DIB's formula, kiln's floor, and whole MiB for a VHD.
import { describe, expect, it } from 'vitest';
import { imageSizeFor } from '../../../src/build/filesystems.js';
import { getFormat } from '../../../src/outputs/index.js';

const MiB = 1024 ** 2;
const formats = (...names: string[]) => names.map((n) => getFormat(n));

describe('imageSizeFor', () => {
  it('is never below 256 MiB unless --size says so', () => {
    expect(imageSizeFor({ formats: formats('qcow2') }, 1024, 'ext4', false)).toBe(256 * MiB);
    expect(imageSizeFor({ formats: formats('qcow2'), imageSizeGB: 0.125 }, 1024, 'ext4', false)).toBe(128 * MiB);
  });

  it('is a whole number of MiB when a vhd is written (Azure), and a multiple of 64 KiB otherwise, as DIB', () => {
    const treeKiB = 300 * 1024 + 17; // a tree whose DIB size is no whole MiB
    const plain = imageSizeFor({ formats: formats('qcow2') }, treeKiB, 'ext4', false);
    expect(plain % (64 * 1024)).toBe(0);
    expect(plain % MiB).not.toBe(0);
    const vhd = imageSizeFor({ formats: formats('qcow2', 'vhd') }, treeKiB, 'ext4', false);
    expect(vhd % MiB).toBe(0);
    expect(vhd - plain).toBeGreaterThan(0);
    expect(vhd - plain).toBeLessThan(MiB);
  });
});
