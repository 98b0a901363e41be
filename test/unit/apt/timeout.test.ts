// A mirror that accepts connections and never answers: apt must be stopped, with an error
// naming the mirror, not left to hang the build. Real apt-get against a real socket.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptTimeoutMs, APT_TIMEOUT_MS, PrivateApt } from '../../../src/apt/private-apt.js';

const hasApt = spawnSync('apt-get', ['--version']).status === 0;
let dir = '';
let server: Server;
const held: Socket[] = [];
let port = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-apt-timeout-'));
  server = createServer((s) => held.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('apt timeout', () => {
  it('defaults to a generous limit; KILN_APT_TIMEOUT sets seconds', () => {
    expect(APT_TIMEOUT_MS).toBeGreaterThanOrEqual(10 * 60_000);
    expect(aptTimeoutMs({})).toBe(APT_TIMEOUT_MS);
    expect(aptTimeoutMs({ KILN_APT_TIMEOUT: '90' })).toBe(90_000);
    expect(aptTimeoutMs({ KILN_APT_TIMEOUT: 'soon' })).toBe(APT_TIMEOUT_MS);
  });

  it.skipIf(!hasApt)('stops apt-get update against a mirror that never answers and names the mirror', { timeout: 30_000 }, async () => {
    const keyring = join(dir, 'k.gpg');
    writeFileSync(keyring, '');
    const mirror = `http://127.0.0.1:${port}/debian`;
    const apt = new PrivateApt(join(dir, 'apt'), 'amd64', 2000);
    await apt.init([{ mirror, suite: 'bookworm', components: ['main'], keyring }]);
    const t0 = Date.now();
    const err = await apt.update().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(err?.message).toMatch(/apt-get update.*did not finish within 2 s/);
    expect(err?.message).toContain(mirror);
    expect((err as { hint?: string }).hint).toMatch(/KILN_APT_TIMEOUT/);
  });
});
