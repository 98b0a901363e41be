// --checksum: NAME.EXT.md5 and NAME.EXT.sha256 next to the image, in md5sum/sha256sum format
// ("<hex>  <basename>"), so `sha256sum -c` works in the output directory. One read of the
// image feeds both hashes, natively.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { atomicOutput } from './atomic.js';

export interface Checksums {
  md5: string;
  sha256: string;
}

export type ChecksumKind = keyof Checksums;

/**
 * DIB_CHECKSUM's forms, as today's DIB reads them: empty or 0 none, 1 both, otherwise each of
 * md5 and sha256 the value mentions ("sha256", "md5,sha256"...).
 */
export function checksumKinds(value: string | undefined): ChecksumKind[] {
  const v = value ?? '0';
  if (v === '' || v === '0') return [];
  if (v === '1') return ['md5', 'sha256'];
  return (['md5', 'sha256'] as const).filter((k) => v.includes(k));
}

export async function hashFile(path: string, signal?: AbortSignal): Promise<Checksums> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

export function checksumLine(hex: string, file: string): string {
  return `${hex}  ${basename(file)}\n`;
}

/** Writes `${file}.md5` and/or `${file}.sha256`; returns the digests and the files written. */
export async function writeChecksums(file: string, kinds: readonly ChecksumKind[] = ['md5', 'sha256'], signal?: AbortSignal): Promise<Checksums & { files: string[] }> {
  const sums = await hashFile(file, signal);
  const files: string[] = [];
  for (const k of kinds) {
    const f = `${file}.${k}`;
    await atomicOutput(f, (tmp) => writeFile(tmp, checksumLine(sums[k], file)));
    files.push(f);
  }
  return { ...sums, files };
}
