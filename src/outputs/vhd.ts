// vhd: a fixed-size VHD (Azure's format) via qemu-img's vpc driver. force_size keeps the
// virtual size exactly the raw size instead of rounding it to a CHS geometry. DIB 3.13 used
// vhd-util with a patch for this; qemu-img does it unpatched.
import { atomicOutput } from './atomic.js';
import { deriveUuid } from '../ids.js';
import { qemuImgConvert, qemuImgSupported } from './qemu-img.js';
import type { OutputFormat } from './types.js';
import { rewriteVhdFooter } from './vhd-footer.js';

export const vhd: OutputFormat = {
  name: 'vhd',
  ext: 'vhd',
  needs: 'disk',
  supported: qemuImgSupported,
  write: (input, dest, opts = {}) =>
    atomicOutput(dest, async (tmp) => {
      await qemuImgConvert(input, tmp, { format: 'vpc', options: ['subformat=fixed', 'force_size'], signal: opts.signal, label: 'vhd' });
      if (opts.sourceDateEpoch !== undefined || opts.seed !== undefined) {
        await rewriteVhdFooter(tmp, {
          timestamp: opts.sourceDateEpoch,
          uuid: opts.seed === undefined ? undefined : deriveUuid('kiln-output', opts.seed, 'vhd-unique-id'),
        });
      }
    }),
};
