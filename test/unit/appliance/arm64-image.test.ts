// The arm64 appliance kernel: a plain Image passes, a gzip'd one is unpacked, the rest refused.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { arm64Image, arm64KernelKind } from '../../../src/appliance/arm64-image.js';

/** A minimal arm64 Image header: "MZ" (EFI stub) and "ARM\x64" at 0x38. */
function image(size = 4096): Buffer {
  const b = Buffer.alloc(size);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x644d5241, 0x38);
  return b;
}

describe('arm64Image', () => {
  it('a plain Image (what Debian ships as /boot/vmlinuz) is used as is', () => {
    const k = image();
    expect(arm64KernelKind(k)).toBe('image');
    expect(arm64Image(k)).toBe(k);
  });

  it('a gzip-compressed Image is unpacked once', () => {
    const k = image();
    expect(arm64KernelKind(gzipSync(k))).toBe('gzip');
    expect(arm64Image(gzipSync(k)).equals(k)).toBe(true);
  });

  it('an EFI zboot image and anything else are refused with the file named', () => {
    const z = Buffer.alloc(4096);
    z.write('MZ', 0, 'latin1');
    z.write('zimg', 4, 'latin1');
    expect(arm64KernelKind(z)).toBe('zboot');
    expect(() => arm64Image(z, '/k/vmlinuz-x')).toThrow(/vmlinuz-x .*EFI zboot/);
    expect(() => arm64Image(Buffer.from('not a kernel'))).toThrow(/format: unknown/);
    expect(() => arm64Image(gzipSync(Buffer.from('gzip of junk')))).toThrow(/format: gzip/);
  });
});
