// qcow2: compressed by default, as DIB does (-u turns it off); --qemu-img-options pass through.
import { atomicOutput } from './atomic.js';
import { qemuImgConvert, qemuImgSupported, splitQemuImgOptions } from './qemu-img.js';
import type { OutputFormat } from './types.js';

export const qcow2: OutputFormat = {
  name: 'qcow2',
  ext: 'qcow2',
  needs: 'disk',
  supported: qemuImgSupported,
  write: (input, dest, opts = {}) =>
    atomicOutput(dest, (tmp) =>
      qemuImgConvert(input, tmp, {
        format: 'qcow2',
        compress: opts.compress ?? true,
        options: splitQemuImgOptions(opts.qemuImgOptions),
        signal: opts.signal,
        label: 'qcow2',
      }),
    ),
};
