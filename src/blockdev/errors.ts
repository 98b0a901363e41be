// A block-device config that kiln cannot turn into a plan. The message names the node and
// field so the user can find the line in DIB_BLOCK_DEVICE_CONFIG or the element's YAML.
import { UsageError } from '../errors.js';

export class BlockDeviceError extends UsageError {
  constructor(
    message: string,
    readonly node?: string,
    readonly field?: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(`block-device config: ${where(node, field)}${message}`, {
      hint: opts.hint ?? 'check DIB_BLOCK_DEVICE_CONFIG or the block-device-*.yaml of your elements',
      cause: opts.cause,
    });
  }
}

function where(node?: string, field?: string): string {
  if (node && field) return `node "${node}", field "${field}": `;
  if (node) return `node "${node}": `;
  return '';
}

/**
 * The logical volumes ask for more than their volume group holds: the LVM layout is larger
 * than the part of the image its physical volumes take.
 */
export class LvmSpaceError extends BlockDeviceError {}

/** A size in a layout with 4096-byte logical sectors that is not a whole number of sectors. */
export class SectorSizeError extends BlockDeviceError {}

/** A thin volume with no thin pool, or one that names something other than a thin pool of its group. */
export class ThinPoolError extends BlockDeviceError {}
