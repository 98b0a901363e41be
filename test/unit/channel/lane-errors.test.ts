// Failures of kiln's own lanes are named KilnErrors (lane, operation, counts, a hint), never
// plain Errors that cli.ts would print as internal errors with a stack (issue 13).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DataPort } from '../../../src/channel/dataport.js';
import { TransferError } from '../../../src/channel/errors.js';
import { ExecChannelError, ExecdClient } from '../../../src/channel/execd.js';
import { encodeFrame, FrameDecoder, ToGuest, ToHost } from '../../../src/channel/frames.js';
import { parseTotals } from '../../../src/channel/transfer.js';
import { Lz4Error } from '../../../src/appliance/lz4.js';
import { ChannelError, KilnError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-lanes-test-'));
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(name: string, onConn: (s: Socket) => void): Promise<string> {
  const path = join(dir, name);
  const server = createServer(onConn);
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

describe('the command lane', () => {
  it('a channel that closes under a running command rejects it with an ExecChannelError naming the lane and the command', async () => {
    // a fake kiln-execd: answers hello, then drops the connection when a command arrives
    const path = await serve('exec.sock', (s) => {
      const dec = new FrameDecoder();
      s.on('data', (c: Buffer) => {
        for (const f of dec.push(c)) {
          if (f.type === ToGuest.hello) s.write(encodeFrame(ToHost.hello, f.id, 'kiln-execd 1'));
          if (f.type === ToGuest.exec) s.destroy();
        }
      });
    });
    const client = await ExecdClient.open(path, 5000);
    const err = await client.exec('mkdir -p /kiln/elements && tar -x\nsecond line').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecChannelError);
    expect(err).toBeInstanceOf(KilnError);
    const e = err as ExecChannelError;
    expect(e.lane).toBe('command lane (kiln-execd)');
    expect(e.operation).toBe('running "mkdir -p /kiln/elements && tar -x"');
    expect(e.message).toMatch(/^command lane \(kiln-execd\): running "mkdir -p \/kiln\/elements && tar -x": the channel closed/);
    expect(e.hint).toMatch(/memsize/);
    // later commands fail the same way, at once
    await expect(client.exec('true')).rejects.toThrow(/running "true": the channel closed/);
    client.close();
  });

  it('no hello within the time allowed is an ExecChannelError', async () => {
    const path = await serve('silent.sock', () => {});
    await expect(ExecdClient.open(path, 300)).rejects.toThrow(ExecChannelError);
    await expect(ExecdClient.open(path, 300)).rejects.toThrow(/^command lane \(kiln-execd\): connecting to kiln-execd: kiln-execd did not answer/);
  });
});

describe('the data port', () => {
  it('a port that closes short is a TransferError with both counts, not a hang', async () => {
    const path = await serve('data.sock', (s) => {
      s.write(Buffer.alloc(1000), () => s.destroy());
    });
    const port = new DataPort(path);
    const dest = new PassThrough();
    dest.resume();
    const err = await port
      .receive(dest, "copying the appliance's /out to /tmp/x", () => ({ total: Promise.resolve(5000), done: async () => {} }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    const e = err as TransferError;
    expect(e.lane).toBe('data port');
    expect(e.sent).toBe(5000);
    expect(e.received).toBe(1000);
    expect(e.message).toBe("data port: copying the appliance's /out to /tmp/x: the guest wrote 5000 bytes, the port closed after the host received 1000");
    expect(e.hint).toMatch(/run the command again/);
    port.close();
  });
});

describe('error classes', () => {
  it('every lane error is a ChannelError, and Lz4Error a KilnError with a hint', () => {
    expect(() => parseTotals('garbage', 'transfer drive', 'copying /a into /b')).toThrow(ChannelError);
    const lz4 = new Lz4Error('not an LZ4 legacy stream');
    expect(lz4).toBeInstanceOf(KilnError);
    expect(lz4.name).toBe('Lz4Error');
    expect(lz4.hint).toMatch(/kiln appliance build --refresh/);
  });
});
