// What a disk image's first sectors say about how it boots, read without root and without
// mounting: its partition table (MBR or GPT), its logical sector size (a GPT header at byte
// 4096 instead of 512 means 4K sectors), and whether it has an EFI system partition and a
// BIOS boot partition. `kiln boot` picks its firmware and disk from this.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../host/run.js';
import { makeTempDir } from '../host/tmpdir.js';

export interface ImageLayout {
  table: 'gpt' | 'mbr' | 'none';
  sectorSize: 512 | 4096;
  /** A GPT partition of the EFI system type, or an MBR partition of type 0xef. */
  esp: boolean;
  /** A GPT BIOS boot partition (GRUB's core image for BIOS on GPT). */
  biosBoot: boolean;
}

const ESP_GUID = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const BIOS_BOOT_GUID = '21686148-6449-6e6f-744e-656564454649';

/** How many bytes of the image the layout needs: tables of up to 128 entries at 4K sectors. */
export const HEAD_BYTES = 64 * 1024;

/** A GUID as GPT stores it (first three fields little-endian), lower-case text. */
function guidAt(b: Buffer, off: number): string {
  const hex = (s: number, e: number, le: boolean) => {
    const part = b.subarray(off + s, off + e);
    return Buffer.from(le ? [...part].reverse() : part).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The layout read from the image's first HEAD_BYTES bytes (pure: tested as data). */
export function parseImageLayout(head: Buffer): ImageLayout {
  for (const sectorSize of [512, 4096] as const) {
    if (head.length < sectorSize + 92 || head.toString('latin1', sectorSize, sectorSize + 8) !== 'EFI PART') continue;
    const entriesLba = Number(head.readBigUInt64LE(sectorSize + 72));
    const count = head.readUInt32LE(sectorSize + 80);
    const size = head.readUInt32LE(sectorSize + 84);
    const types: string[] = [];
    for (let i = 0; i < Math.min(count, 128); i++) {
      const off = entriesLba * sectorSize + i * size;
      if (off + 16 > head.length) break;
      const t = guidAt(head, off);
      if (t !== '00000000-0000-0000-0000-000000000000') types.push(t);
    }
    return { table: 'gpt', sectorSize, esp: types.includes(ESP_GUID), biosBoot: types.includes(BIOS_BOOT_GUID) };
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    const types = [0, 1, 2, 3].map((i) => head[446 + i * 16 + 4]!);
    return { table: 'mbr', sectorSize: 512, esp: types.includes(0xef), biosBoot: false };
  }
  return { table: 'none', sectorSize: 512, esp: false, biosBoot: false };
}

/** The layout of `image` (any format qemu-img reads), from a copy of its head. */
export async function readImageLayout(image: string, format: string): Promise<ImageLayout> {
  const dir = await makeTempDir('kiln-head-');
  try {
    const head = join(dir, 'head');
    await run('qemu-img', ['dd', '-f', format, '-O', 'raw', 'bs=4096', `count=${HEAD_BYTES / 4096}`, `if=${image}`, `of=${head}`], { what: `read the partition table of ${image}` });
    return parseImageLayout(await readFile(head));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** UEFI for an image that can only boot that way: an ESP and no BIOS boot partition, or 4K sectors. */
export function needsUefi(l: ImageLayout): boolean {
  return l.sectorSize === 4096 || (l.table === 'gpt' && l.esp && !l.biosBoot) || (l.table === 'mbr' && l.esp);
}
