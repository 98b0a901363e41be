// The bulk lane: a raw virtio-serial port ("kiln.data") next to the SSH one. SSH tops out
// near 8 MB/s under emulation; a raw port moves >100 MB/s. One transfer at a time; the SSH
// command on the other end reports how many bytes it moved, which the host checks.
import { connect, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { DATA_PORT_LANE, LANE_FAULT_HINT, TransferError } from './errors.js';

export class DataPort {
  private socket: Socket | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private sink: ((chunk: Buffer) => void) | undefined;
  private received = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly path: string) {}

  private async open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const s = await new Promise<Socket>((resolve, reject) => {
      const sock = connect(this.path);
      sock.once('connect', () => resolve(sock));
      sock.once('error', (e) => reject(new TransferError(DATA_PORT_LANE, `connecting to ${this.path}`, e.message, { hint: 'the appliance VM has gone: see the messages before this one', cause: e })));
    });
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      this.received += c.length;
      this.sink?.(c);
      for (const w of this.waiters.splice(0)) w();
    });
    // a receive waiting for bytes learns that no more will come
    s.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket = s;
    return s;
  }

  /** Run transfers one after another: the guest end is one exclusive character device. */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    const next = this.busy.then(body, body);
    this.busy = next.catch(() => {});
    return next;
  }

  /** Send `source` to the guest while `guestSide` (the command reading the port) runs. */
  async send<T>(source: Readable, guestSide: () => Promise<T>): Promise<{ result: T; bytes: number }> {
    const sock = await this.open();
    let bytes = 0;
    source.on('data', (c: Buffer) => (bytes += c.length));
    const piped = new Promise<void>((resolve, reject) => {
      source.once('end', resolve);
      source.once('error', reject);
    });
    source.pipe(sock, { end: false });
    try {
      const result = await guestSide();
      await piped;
      return { result, bytes };
    } catch (e) {
      // the guest stopped reading: bytes still queued would corrupt the next transfer
      source.unpipe(sock);
      source.destroy();
      this.reset();
      throw e;
    }
  }

  /**
   * Receive what the guest writes to the port into `dest`. `guestSide` starts the guest
   * command and yields the byte count it wrote; the guest must keep the port open until
   * `done` runs, because QEMU drops data still queued when the guest closes its end.
   */
  async receive(dest: Writable, operation: string, guestSide: () => { total: Promise<number>; done: () => Promise<void> }): Promise<number> {
    const sock = await this.open();
    this.received = 0;
    // a reader like tar stops at its end-of-archive marker and may leave the record's zero
    // padding unread: once it has gone, the rest is dropped (its exit status is checked)
    let readerGone = false;
    dest.on('error', () => (readerGone = true));
    this.sink = (c) => {
      if (readerGone || dest.destroyed || dest.writableEnded) return;
      if (!dest.write(c)) {
        this.socket?.pause();
        dest.once('drain', () => this.socket?.resume());
      }
    };
    try {
      const guest = guestSide();
      const expected = await guest.total;
      while (this.received < expected && !sock.destroyed) {
        await new Promise<void>((r) => this.waiters.push(r));
      }
      if (this.received !== expected) {
        const how = this.received < expected ? 'the port closed after the host received' : 'the host received';
        throw new TransferError(DATA_PORT_LANE, operation, `the guest wrote ${expected} bytes, ${how} ${this.received}`, { hint: LANE_FAULT_HINT, sent: expected, received: this.received });
      }
      await guest.done();
      return expected;
    } catch (e) {
      this.reset();
      throw e;
    } finally {
      this.sink = undefined;
      // paused for this dest's 'drain', which an ending stream never emits: the next
      // transfer would wait forever
      this.socket?.resume();
      await endStream(dest);
    }
  }

  private reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  close(): void {
    this.reset();
  }
}

/** end() and wait until the data is handed on; a child's stdin may close without 'finish'. */
function endStream(dest: Writable): Promise<void> {
  return new Promise((resolve) => {
    // a reader such as tar may have exited at its end-of-archive marker already
    if (dest.writableFinished || dest.destroyed) return resolve();
    dest.once('finish', resolve);
    dest.once('close', resolve);
    dest.once('error', () => resolve());
    dest.end();
  });
}
