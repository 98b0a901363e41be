// The PVH kernel: LZ4 legacy decoding against the lz4 tool's own output, the ELF note
// search, and the bzImage header walk, on synthetic kernels built here.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLz4Legacy, Lz4Error } from '../../../src/appliance/lz4.js';
import { hasPvhEntry, pvhKernel } from '../../../src/appliance/pvh.js';

const lz4Legacy = (data: Buffer) => execFileSync('lz4', ['-l', '-c', '-q'], { input: data, maxBuffer: 1 << 28 });

/** Incompressible runs, long repeats, short patterns that overlap their own matches. */
function mixed(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    parts.push(randomBytes(1 + ((i * 7919) % 5000)));
    parts.push(Buffer.alloc((i * 104729) % 70000, i));
    parts.push(Buffer.from('abc'.repeat(1 + i * 37)));
  }
  return Buffer.concat(parts);
}

describe('decodeLz4Legacy', () => {
  it('gives back what lz4 -l compressed, across several 8 MiB blocks', () => {
    const data = Buffer.concat([mixed(), randomBytes(9 << 20), mixed(), Buffer.alloc(3 << 20)]);
    expect(decodeLz4Legacy(lz4Legacy(data), data.length).equals(data)).toBe(true);
  });

  it('says what is wrong with a stream it cannot read', () => {
    const data = mixed();
    const packed = lz4Legacy(data);
    expect(() => decodeLz4Legacy(Buffer.from('not lz4 at all'), 10)).toThrow(Lz4Error);
    expect(() => decodeLz4Legacy(packed.subarray(0, packed.length / 2), data.length)).toThrow(/runs past the stream's end|ends after/);
    expect(() => decodeLz4Legacy(packed, data.length + 100)).toThrow(/ends after \d+ of/);
  });
});

/** A minimal ELF64 with one PT_NOTE holding (name, type) notes. */
function elf(notes: [string, number][]): Buffer {
  const body = Buffer.concat(
    notes.map(([name, type]) => {
      const n = Buffer.alloc(12 + ((name.length + 1 + 3) & ~3) + 8);
      n.writeUInt32LE(name.length + 1, 0);
      n.writeUInt32LE(8, 4);
      n.writeUInt32LE(type, 8);
      n.write(name, 12, 'latin1');
      return n;
    }),
  );
  const h = Buffer.alloc(64 + 56);
  h.writeUInt32BE(0x7f454c46, 0);
  h[4] = 2; // 64-bit
  h[5] = 1; // little-endian
  h.writeBigUInt64LE(64n, 0x20); // phoff
  h.writeUInt16LE(56, 0x36); // phentsize
  h.writeUInt16LE(1, 0x38); // phnum
  h.writeUInt32LE(4, 64); // PT_NOTE
  h.writeBigUInt64LE(BigInt(h.length), 64 + 8); // offset
  h.writeBigUInt64LE(BigInt(body.length), 64 + 32); // filesz
  return Buffer.concat([h, body, randomBytes(4096)]);
}

/** A bzImage-shaped file: boot header, setup sectors, then the payload where the header says. */
function bzImage(payload: Buffer, version = 0x20f): Buffer {
  const setupSectors = 3;
  const pm = (setupSectors + 1) * 512;
  const payloadOffset = 0x200;
  const f = Buffer.alloc(pm + payloadOffset + payload.length);
  f[0x1f1] = setupSectors;
  f.write('HdrS', 0x202, 'latin1');
  f.writeUInt16LE(version, 0x206);
  f.writeUInt32LE(payloadOffset, 0x248);
  f.writeUInt32LE(payload.length, 0x24c);
  payload.copy(f, pm + payloadOffset);
  return f;
}

/** What the kernel build makes: the legacy stream with the uncompressed size appended. */
const kernelLz4 = (data: Buffer) => {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([lz4Legacy(data), size]);
};

describe('hasPvhEntry', () => {
  it('finds the Xen PHYS32_ENTRY note among others', () => {
    expect(hasPvhEntry(elf([['GNU', 3], ['Xen', 6], ['Xen', 18]]))).toBe(true);
  });

  it('no such note, another owner\'s type 18, or no ELF at all: false', () => {
    expect(hasPvhEntry(elf([['Xen', 6], ['Xen', 17]]))).toBe(false);
    expect(hasPvhEntry(elf([['GNU', 18]]))).toBe(false);
    expect(hasPvhEntry(randomBytes(4096))).toBe(false);
  });
});

describe('pvhKernel', () => {
  it('unpacks the ELF of an LZ4 bzImage that has a PVH entry', () => {
    const vmlinux = elf([['Xen', 18]]);
    expect(pvhKernel(bzImage(kernelLz4(vmlinux)))?.equals(vmlinux)).toBe(true);
  });

  it('leaves other kernels as they are: no PVH note, not LZ4, an old boot protocol, not a bzImage', () => {
    expect(pvhKernel(bzImage(kernelLz4(elf([['Xen', 6]]))))).toBeUndefined();
    expect(pvhKernel(bzImage(execFileSync('gzip', ['-c'], { input: elf([['Xen', 18]]) })))).toBeUndefined();
    expect(pvhKernel(bzImage(kernelLz4(elf([['Xen', 18]])), 0x206))).toBeUndefined();
    expect(pvhKernel(randomBytes(8192))).toBeUndefined();
  });
});
