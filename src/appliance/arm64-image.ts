// The arm64 appliance kernel as QEMU's -kernel wants it on `-M virt`: a plain arm64 Image
// (Documentation/arch/arm64/booting.rst), which QEMU copies into guest RAM and jumps into
// with the device tree in x0. Debian's arm64 packages ship /boot/vmlinuz as exactly that
// (bookworm and trixie alike); a gzip'd Image is unpacked here once, at appliance build,
// rather than by QEMU at every boot. An EFI zboot image (a PE file whose payload is
// compressed, CONFIG_EFI_ZBOOT) is only loadable directly by QEMU 8.1 or later: refused.
import { gunzipSync } from 'node:zlib';
import { ApplianceError } from '../errors.js';

/** "ARM\x64" at offset 0x38 of the Image header. */
const IMAGE_MAGIC = 0x644d5241;

export type Arm64KernelKind = 'image' | 'gzip' | 'zboot' | 'unknown';

export function arm64KernelKind(k: Buffer): Arm64KernelKind {
  if (k.length >= 64 && k.readUInt32LE(0x38) === IMAGE_MAGIC) return 'image';
  if (k.length >= 2 && k[0] === 0x1f && k[1] === 0x8b) return 'gzip';
  if (k.length >= 8 && k.toString('latin1', 0, 2) === 'MZ' && k.toString('latin1', 4, 8) === 'zimg') return 'zboot';
  return 'unknown';
}

/** The plain Image of a Debian arm64 vmlinuz; an ApplianceError for what QEMU cannot boot directly. */
export function arm64Image(vmlinuz: Buffer, name = 'vmlinuz'): Buffer {
  const kind = arm64KernelKind(vmlinuz);
  if (kind === 'image') return vmlinuz;
  if (kind === 'gzip') {
    const image = gunzipSync(vmlinuz);
    if (arm64KernelKind(image) === 'image') return image;
  }
  throw new ApplianceError(`the appliance kernel ${name} is not an arm64 Image QEMU can start with -kernel (${kind === 'zboot' ? 'an EFI zboot image' : `format: ${kind}`})`, {
    hint: 'pick another kernel package for arm64 in appliance/kernel',
  });
}
