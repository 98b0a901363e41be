// The put lane: a sparse raw file attached as a virtio-blk drive ("kiln-xfer"). The host
// writes a tar stream into it natively, the guest reads the block device behind it. A drive
// moves data in big DMA requests with one interrupt each; the virtio-serial port hands the
// guest 4 KiB per read and per interrupt, which under emulation caps a put well below what
// the guest's tar can unpack. Data the guest sends back still goes over the data port.
import { open, stat, truncate } from 'node:fs/promises';
import { ChannelError } from '../errors.js';
import type { CommandRunner } from './command.js';
import { TRANSFER_DRIVE_LANE } from './errors.js';

export const TRANSFER_DRIVE_SERIAL = 'kiln-xfer';
/** Virtual size: sparse, so it costs only what a transfer writes, and is freed after it. */
export const TRANSFER_DRIVE_BYTES = 256 * 2 ** 30;

/** How often a growing stream's length is told to the guest: often enough to keep it busy. */
const GROWTH_POLL_MS = 10;

/** The transfer drive itself failed (not what travelled on it). */
export class TransferDriveError extends ChannelError {
  constructor(operation: string, detail: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(TRANSFER_DRIVE_LANE, operation, detail, opts);
  }
}

export class TransferDrive {
  private device: string | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string, readonly size = TRANSFER_DRIVE_BYTES) {}

  /**
   * The empty sparse file QEMU attaches. QEMU sizes the device from the file when it opens
   * it and keeps that size; the file itself may be shorter later (reads past its end are
   * zeros), and is, whenever a stream is written into it.
   */
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
    if (!/^\/dev\/vd[a-z]+$/.test(dev)) {
      throw new TransferDriveError('finding the drive in the guest', `the guest has no block device with serial ${TRANSFER_DRIVE_SERIAL}: ${r.stderr.trim() || 'not found'}`, {
        hint: 'the appliance does not match this kiln: rebuild it with kiln appliance build --refresh',
      });
    }
    return (this.device = dev);
  }

  /**
   * Let `write` (e.g. a host tar) write the drive's file from the start; the bytes it
   * wrote. The file may end shorter than the drive: QEMU reads zeros past its end.
   * `onLength` hears the file's length as it grows, so the guest can read behind the writer.
   *
   * The file's length is what the guest is told has been written, so it must count this
   * stream's bytes only: the file is emptied before the writer starts and before its length
   * is first looked at. (Between transfers it keeps the drive's full size; a length read
   * before the writer's own O_TRUNC told the guest 256 GiB were ready, and it read zeros:
   * a tar end-of-archive, so the guest unpacked nothing and said it read one record.)
   * Linux raises a file's length only after the bytes below it are in the page cache,
   * which is what QEMU (cache=unsafe, no O_DIRECT on the host) reads.
   */
  async fillWith(write: (file: string) => Promise<void>, onLength?: (bytes: number) => void): Promise<number> {
    await truncate(this.file, 0);
    let told = 0;
    let writing = true;
    let timer: NodeJS.Timeout | undefined;
    // one stat at a time, the next GROWTH_POLL_MS after the last answered: under load
    // stats never pile up, and the lengths told only grow
    const poll = (): void => {
      timer = setTimeout(() => {
        void stat(this.file).then(
          ({ size }) => {
            if (!writing) return;
            if (size > told) onLength!((told = size));
            poll();
          },
          () => writing && poll(),
        );
      }, GROWTH_POLL_MS);
    };
    if (onLength) poll();
    try {
      await write(this.file);
    } finally {
      writing = false;
      clearTimeout(timer);
    }
    const { size } = await stat(this.file);
    if (size > this.size) {
      throw new TransferDriveError('writing a stream', `the stream (${size} bytes) is larger than the transfer drive (${this.size} bytes)`, {
        hint: 'a tree this big cannot be copied into the appliance in one transfer',
      });
    }
    // a length told to the guest that the stream never reached: it read bytes the writer
    // did not write. Never expected; said by name rather than left to the unpacker.
    if (told > size) {
      throw new TransferDriveError('writing a stream', `the guest was told ${told} bytes were written, but the stream is ${size} bytes`, {
        hint: 'something else changed the transfer drive file during the transfer; run the build again',
      });
    }
    return size;
  }

  /** Give the written blocks back to the host's filesystem; the guest sees zeros again. */
  async clear(): Promise<void> {
    await truncate(this.file, 0);
    await truncate(this.file, this.size);
  }
}
