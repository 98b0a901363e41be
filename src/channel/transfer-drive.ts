// The put lane: a sparse raw file attached as a virtio-blk drive ("kiln-xfer"). The host
// writes a tar stream into it natively, the guest reads the block device behind it. A drive
// moves data in big DMA requests with one interrupt each; the virtio-serial port hands the
// guest 4 KiB per read and per interrupt, which under emulation caps a put well below what
// the guest's tar can unpack. Data the guest sends back still goes over the data port.
import { open, stat, truncate } from 'node:fs/promises';
import type { CommandRunner } from './command.js';

export const TRANSFER_DRIVE_SERIAL = 'kiln-xfer';
/** Virtual size: sparse, so it costs only what a transfer writes, and is freed after it. */
export const TRANSFER_DRIVE_BYTES = 256 * 2 ** 30;

/** How often a growing stream's length is told to the guest: often enough to keep it busy. */
const GROWTH_POLL_MS = 10;

export class TransferDriveError extends Error {}

export class TransferDrive {
  private device: string | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string, readonly size = TRANSFER_DRIVE_BYTES) {}

  /** The empty sparse file QEMU attaches. */
  async create(): Promise<void> {
    await (await open(this.file, 'w', 0o600)).close();
    await truncate(this.file, this.size);
  }

  /** One transfer at a time: the drive holds one stream. */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    const next = this.busy.then(body, body);
    this.busy = next.catch(() => {});
    return next;
  }

  /** The guest's block device of the drive, found by its serial once. */
  async guestDevice(ch: CommandRunner): Promise<string> {
    if (this.device) return this.device;
    const r = await ch.exec(`for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = ${TRANSFER_DRIVE_SERIAL} ] && echo /dev/\${d##*/}; done`);
    const dev = r.stdout.trim();
    if (!/^\/dev\/vd[a-z]+$/.test(dev)) throw new TransferDriveError(`the guest has no transfer drive (serial ${TRANSFER_DRIVE_SERIAL}): ${r.stderr.trim() || 'not found'}`);
    return (this.device = dev);
  }

  /**
   * Let `write` (e.g. a host tar) write the drive's file from the start; the bytes it
   * wrote. The file may end shorter than the drive: QEMU reads zeros past its end.
   * `onLength` hears the file's length as it grows, so the guest can read behind the writer.
   */
  async fillWith(write: (file: string) => Promise<void>, onLength?: (bytes: number) => void): Promise<number> {
    let last = 0;
    let writing = true;
    const poll = onLength
      ? setInterval(() => {
          void stat(this.file).then(({ size }) => {
            if (writing && size > last) onLength((last = size));
          }, () => {});
        }, GROWTH_POLL_MS)
      : undefined;
    try {
      await write(this.file);
    } finally {
      writing = false;
      clearInterval(poll);
    }
    const { size } = await stat(this.file);
    if (size > this.size) throw new TransferDriveError(`the stream (${size} bytes) is larger than the transfer drive (${this.size} bytes)`);
    return size;
  }

  /** Give the written blocks back to the host's filesystem; the guest sees zeros again. */
  async clear(): Promise<void> {
    await truncate(this.file, 0);
    await truncate(this.file, this.size);
  }
}
