import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TransferDrive, TransferDriveError } from '../../../src/channel/transfer-drive.js';
import { ChannelError, KilnError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-drive-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A writer like the host's tar: creat() (O_TRUNC), then whole records, a pause between them. */
function slowWriter(records: number, startDelayMs: number, record = 128 * 1024) {
  const written: number[] = [];
  const write = async (file: string) => {
    await sleep(startDelayMs);
    const fh = await open(file, 'w');
    try {
      for (let i = 0; i < records; i++) {
        await fh.write(Buffer.alloc(record, i + 1));
        written.push((i + 1) * record);
        await sleep(15);
      }
    } finally {
      await fh.close();
    }
  };
  return { write, written };
}

describe('TransferDrive.fillWith', () => {
  it('tells the guest only lengths the writer has written, even when the writer starts late (issue 13)', async () => {
    // the drive file has its full size between transfers (QEMU sized the device from it);
    // a writer that opens it late (a loaded host) must not make that size a length the
    // guest is told: it would read zeros where the stream will be
    const drive = new TransferDrive(join(dir, 'late.raw'), 2 ** 30);
    await drive.create();
    const told: number[] = [];
    const w = slowWriter(4, 60);
    const bytes = await drive.fillWith(w.write, (n) => told.push(n));
    expect(bytes).toBe(4 * 128 * 1024);
    expect(told.length).toBeGreaterThan(0);
    expect(Math.max(...told)).toBeLessThanOrEqual(bytes);
    expect(told).toEqual([...told].sort((a, b) => a - b));
    expect(new Set(told).size).toBe(told.length);
    await drive.clear();
    expect(statSync(drive.file).size).toBe(2 ** 30);
  });

  it('empties the file before the writer starts, so a writer that appends starts from 0', async () => {
    const drive = new TransferDrive(join(dir, 'append.raw'), 2 ** 30);
    await drive.create();
    const told: number[] = [];
    const bytes = await drive.fillWith(async (file) => {
      const fh = await open(file, 'a');
      await fh.write(Buffer.alloc(4096, 7));
      await fh.close();
    }, (n) => told.push(n));
    expect(bytes).toBe(4096);
    expect(told.every((n) => n <= 4096)).toBe(true);
  });

  it('a stream larger than the drive is a TransferDriveError naming the lane and the sizes', async () => {
    const drive = new TransferDrive(join(dir, 'small.raw'), 8192);
    await drive.create();
    const err = await drive
      .fillWith(async (file) => {
        const fh = await open(file, 'w');
        await fh.write(Buffer.alloc(16384));
        await fh.close();
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferDriveError);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toBeInstanceOf(KilnError);
    const e = err as TransferDriveError;
    expect(e.lane).toBe('transfer drive');
    expect(e.message).toMatch(/^transfer drive: writing a stream: the stream \(16384 bytes\) is larger than the transfer drive \(8192 bytes\)/);
    expect(e.hint).toBeTruthy();
  });
});
