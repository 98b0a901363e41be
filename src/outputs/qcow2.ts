// qcow2: compressed by default, as DIB does (-u turns it off); --qemu-img-options pass through.
// In parallel unless the build is reproducible (SOURCE_DATE_EPOCH): see outOfOrder.
import { atomicOutput } from './atomic.js';
import { qemuImgConvert, qemuImgSupported, splitQemuImgOptions, type ConvertOptions } from './qemu-img.js';
import type { OutputFormat, WriteOptions } from './types.js';

/** How the build's options become qemu-img's (tests assert it). */
export function qcow2ConvertOptions(opts: WriteOptions): ConvertOptions {
  const compress = opts.compress ?? true;
  return {
    format: 'qcow2',
    compress,
    outOfOrder: compress && opts.sourceDateEpoch === undefined,
    options: splitQemuImgOptions(opts.qemuImgOptions),
    signal: opts.signal,
    label: 'qcow2',
  };
}

export const qcow2: OutputFormat = {
  name: 'qcow2',
  ext: 'qcow2',
  needs: 'disk',
  supported: qemuImgSupported,
  write: (input, dest, opts = {}) => atomicOutput(dest, (tmp) => qemuImgConvert(input, tmp, qcow2ConvertOptions(opts))),
};
