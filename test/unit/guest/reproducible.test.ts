// The normalise script is plain shell over a tree: run it for real on a temp tree (no root needed).
import { execa } from 'execa';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, planFromYaml } from '../../../src/blockdev/index.js';
import { normaliseTree, onePassRootScript, reproducibleTarArgs, volatilePaths } from '../../../src/guest/reproducible.js';

const EPOCH = 1_700_000_000;
let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(): string {
  root = mkdtempSync(join(tmpdir(), 'kiln-normalise-'));
  const put = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put('etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  put('etc/shadow', 'root:*:20000:0:99999:7:::\nuser:!:19000:0:99999:7:::\nnobody:*::0:99999:7:::\n');
  put('var/log/dpkg.log', '2026-11-22 19:00:00 startup\n');
  put('var/log/apt/history.log', 'Start-Date: 2026-11-22\n');
  put('var/cache/ldconfig/aux-cache', 'stat data');
  put('var/cache/debconf/config.dat-old', 'old');
  put('var/cache/debconf/config.dat', 'kept');
  put('tmp/leftover/file', 'x');
  put('run/blkid/blkid.tab', '<device DEVNO="0x0701" TIME="1700000123.1"/>');
  put('usr/bin/old', 'packaged');
  utimesSync(join(root, 'usr/bin/old'), 1_600_000_000, 1_600_000_000);
  symlinkSync('old', join(root, 'usr/bin/link'));
  return root;
}

describe('normaliseTree', () => {
  it('empties ids and logs, removes caches, clamps shadow dates and mtimes', async () => {
    const r = tree();
    await execa('bash', ['-c', normaliseTree(r, EPOCH)]);
    expect(readFileSync(join(r, 'etc/machine-id'), 'utf8')).toBe('');
    expect(readFileSync(join(r, 'var/log/dpkg.log'), 'utf8')).toBe('');
    expect(readFileSync(join(r, 'var/log/apt/history.log'), 'utf8')).toBe('');
    expect(existsSync(join(r, 'var/cache/ldconfig/aux-cache'))).toBe(false);
    expect(existsSync(join(r, 'var/cache/debconf/config.dat-old'))).toBe(false);
    expect(readFileSync(join(r, 'var/cache/debconf/config.dat'), 'utf8')).toBe('kept');
    expect(existsSync(join(r, 'tmp/leftover'))).toBe(false);
    expect(existsSync(join(r, 'tmp'))).toBe(true);
    expect(existsSync(join(r, 'run/blkid'))).toBe(false);
    const days = Math.floor(EPOCH / 86400);
    expect(readFileSync(join(r, 'etc/shadow'), 'utf8')).toBe(`root:*:${days}:0:99999:7:::\nuser:!:19000:0:99999:7:::\nnobody:*::0:99999:7:::\n`);
    // newer than the epoch: clamped, links themselves included; older: kept
    expect(lstatSync(join(r, 'etc/shadow')).mtimeMs / 1000).toBe(EPOCH);
    expect(lstatSync(join(r, 'usr/bin/link')).mtimeMs / 1000).toBe(EPOCH);
    expect(lstatSync(join(r, 'var/log')).mtimeMs / 1000).toBe(EPOCH);
    expect(lstatSync(join(r, 'usr/bin/old')).mtimeMs / 1000).toBe(1_600_000_000);
  });

  it('is safe on a tree without any of those files', async () => {
    root = mkdtempSync(join(tmpdir(), 'kiln-normalise-'));
    await execa('bash', ['-c', normaliseTree(root, EPOCH)]);
  });

  it('names only relative paths (it runs in the image root)', () => {
    for (const p of volatilePaths) expect(p.startsWith('/')).toBe(false);
  });
});

describe('reproducibleTarArgs', () => {
  it('two archives of the same tree made at different times are identical', async () => {
    const r = tree();
    const a = join(r, '..', `${r.split('/').pop()}-a.tar`);
    const b = join(r, '..', `${r.split('/').pop()}-b.tar`);
    try {
      await execa('tar', ['-C', r, '-cf', a, ...reproducibleTarArgs(EPOCH), '.']);
      writeFileSync(join(r, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n'); // same bytes, new ctime and mtime
      await execa('tar', ['-C', r, '-cf', b, ...reproducibleTarArgs(EPOCH), '.']);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    } finally {
      rmSync(a, { force: true });
      rmSync(b, { force: true });
    }
  });
});

describe('onePassRootScript', () => {
  it('zeroes the root partition, makes the filesystem from the tree in a scratch file, copies it over sparsely', () => {
    const plan = planFromYaml(defaultConfig('mbr'), { seed: 's', imageSize: 1024 ** 3 });
    const s = onePassRootScript(plan, { device: '/dev/loop0', tree: '/kiln/build/built', scratchFile: '/kiln/build/root.img', epoch: EPOCH });
    const order = ['blkdiscard -z -f /dev/loop0p1', 'truncate -s "$(blockdev --getsize64 /dev/loop0p1)" /kiln/build/root.img', `E2FSPROGS_FAKE_TIME=${EPOCH}`, '-d /kiln/build/built /kiln/build/root.img', 'dd if=/kiln/build/root.img of=/dev/loop0p1 bs=4M conv=sparse,fsync'];
    const at = order.map((x) => s.indexOf(x));
    expect(at.every((i) => i >= 0), s).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });
});
