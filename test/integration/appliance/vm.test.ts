// One real appliance under TCG, shared by every test here (a boot costs seconds): commands
// with their exit codes, signals and streams, and a ~200 MB tree with owners and special
// files moved into an ext4 drive in the guest and back, compared on both sides.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, linkSync, writeFileSync, chmodSync, chownSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppliance } from '../../../src/appliance/builder.js';
import { createLogger } from '../../../src/log.js';
import { ApplianceVm } from '../../../src/vm/appliance-vm.js';
import { TransferError } from '../../../src/channel/errors.js';
import { KilnError } from '../../../src/errors.js';
import { alive, isRoot, qemuPids } from './helpers.js';

const logger = createLogger({ write: () => {} });
let dir = '';
let vm: ApplianceVm;

const hasSetfattr = spawnSync('setfattr', ['--version']).status === 0;
const MB = 1024 * 1024;

// made here, not at load time: a filtered run that skips every test skips afterAll too
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-vmtest-'));
  const disk = join(dir, 'disk.raw');
  const { appliance } = await buildAppliance({ logger });
  writeFileSync(disk, '');
  truncateSync(disk, 1024 * MB);
  vm = await ApplianceVm.boot({ appliance, logger, accel: 'tcg', drives: [{ file: disk, serial: 'kiln-test', format: 'raw', cache: 'unsafe' }] });
});

afterAll(async () => {
  await vm?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the appliance under TCG', () => {
  it('reaches ready under TCG', () => {
    expect(vm.state).toBe('ready');
    expect(vm.accel).toBe('tcg');
    expect(vm.bootMs).toBeGreaterThan(0);
    expect(qemuPids(vm.dir)).toHaveLength(1);
  });

  it('reports exit codes', async () => {
    expect((await vm.exec('true')).exitCode).toBe(0);
    expect((await vm.exec('exit 7')).exitCode).toBe(7);
    expect((await vm.exec('false')).exitCode).toBe(1);
    expect((await vm.exec('no-such-command-here')).exitCode).toBe(127);
  });

  it('reports a command killed by a signal as the signal, not an exit code', async () => {
    const term = await vm.exec('kill -TERM $$');
    expect(term).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    const kill = await vm.exec('echo before; kill -KILL $$; echo after');
    expect(kill).toMatchObject({ exitCode: null, signal: 'SIGKILL', stdout: 'before\n' });
  });

  it('keeps stderr apart from stdout', async () => {
    const r = await vm.exec('echo out1; echo err1 >&2; echo out2; echo err2 >&2');
    expect(r.stdout).toBe('out1\nout2\n');
    expect(r.stderr).toBe('err1\nerr2\n');
  });

  it('feeds stdin and runs as root in the guest', async () => {
    const r = await vm.exec('id -u; cat', { stdin: 'hello\n' });
    expect(r.stdout).toBe('0\nhello\n');
  });

  it('gives a command exactly the base environment, never what the host or SSH has', async () => {
    const r = await vm.exec('env | LC_ALL=C sort');
    expect(r.stdout).toBe('HOME=/root\nLOGNAME=root\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nPWD=/root\nSHELL=/bin/sh\nUSER=root\n');
  });

  it('starts a command with no signal ignored or blocked', async () => {
    const r = await vm.exec(`awk '/^Sig(Ign|Blk)/ { print $1, $2 }' /proc/self/status`);
    expect(r.stdout).toBe('SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n');
  });

  it('runs argv without a shell, with exactly the given environment and cwd', async () => {
    const r = await vm.execArgv(['/usr/bin/env'], { ONLY: 'this one', EMPTY: '' }, '/tmp');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'ONLY=this one\nEMPTY=\n' });
    const pwd = await vm.execArgv(['/bin/pwd'], {}, '/usr/lib');
    expect(pwd.stdout).toBe('/usr/lib\n');
    const noDir = await vm.execArgv(['/bin/true'], {}, '/no/such/dir');
    expect(noDir.exitCode).toBe(126);
    expect(noDir.stderr).toMatch(/cannot change to \/no\/such\/dir/);
    const noProg = await vm.execArgv(['/no/such/program'], {});
    expect(noProg.exitCode).toBe(127);
    expect(noProg.stderr).toMatch(/cannot run \/no\/such\/program/);
  });

  it('feeds a stdin much larger than the flow-control window, and copes with a command that never reads it', async () => {
    const data = Buffer.alloc(8 * MB);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    const r = await vm.exec('sha256sum', { stdin: data });
    expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    const ignored = await vm.exec('echo did not read', { stdin: data });
    expect(ignored).toMatchObject({ exitCode: 0, stdout: 'did not read\n' });
  });

  it('runs commands side by side, each with its own streams and status', async () => {
    const rs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => vm.exec(`for j in 1 2 3; do echo out${i}.$j; echo err${i}.$j >&2; sleep 0.0${i}; done; exit ${i}`)));
    rs.forEach((r, k) => {
      const i = k + 1;
      expect(r.exitCode).toBe(i);
      expect(r.stdout).toBe(`out${i}.1\nout${i}.2\nout${i}.3\n`);
      expect(r.stderr).toBe(`err${i}.1\nerr${i}.2\nerr${i}.3\n`);
    });
  });

  it('streams a 100 MB stdout without collecting it', async () => {
    const made = await vm.exec('head -c 104857600 /dev/urandom > /tmp/r && sha256sum /tmp/r');
    expect(made.exitCode).toBe(0);
    const guestSum = made.stdout.split(' ')[0];
    const hash = createHash('sha256');
    let bytes = 0;
    let chunks = 0;
    const r = await vm.exec('cat /tmp/r', {
      collect: false,
      onStdout: (c) => {
        bytes += c.length;
        chunks++;
        hash.update(c);
      },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(bytes).toBe(100 * MB);
    expect(chunks).toBeGreaterThan(100);
    expect(hash.digest('hex')).toBe(guestSum);
    await vm.exec('rm -f /tmp/r');
  });
});

/** One line per entry: type, mode, owner, link target; size and link count of files; device numbers. */
const listing = (root: string) => `cd ${root} && { find . -mindepth 1 -printf '%P|%y|%m|%U|%G|%l\\n'; find . -type f -printf '%P|size=%s|links=%n\\n'; find . \\( -type c -o -type b \\) -exec stat -c '%n|dev=%t,%T' {} + | sed 's,^\\./,,'; } | LC_ALL=C sort`;
const sums = (root: string) => `cd ${root} && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum`;

describe('the transfer drive', () => {
  it('a put that fails in the guest says so, and the drive gives its blocks back either way', async () => {
    const src = join(dir, 'small-tree');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'x'.repeat(100_000));
    const err = await vm.putTree(src, '/etc/passwd/below-a-file').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    expect(err).toBeInstanceOf(KilnError);
    expect(err).toMatchObject({ name: 'TransferError', lane: 'transfer drive', sent: 131072 });
    expect((err as Error).message).toMatch(/^transfer drive: copying .*small-tree into the appliance's \/etc\/passwd\/below-a-file: unpacking into \/etc\/passwd\/below-a-file failed in the guest \(exit 1\): mkdir: .*Not a directory/);
    expect(statSync(join(vm.dir, 'transfer.raw')).blocks).toBe(0);
    expect(await vm.putTree(src, '/tmp/small-tree')).toBeGreaterThan(100_000);
    expect((await vm.exec('wc -c < /tmp/small-tree/f')).stdout.trim()).toBe('100000');
    expect(statSync(join(vm.dir, 'transfer.raw')).blocks).toBe(0);
  });

  it('a put that fails on the host stops the guest\'s reader too, and the next put works', async () => {
    await expect(vm.putTree(join(dir, 'no-such-dir'), '/tmp/never')).rejects.toThrow(/^transfer drive: copying .*no-such-dir into the appliance's \/tmp\/never: the host's tar could not write the stream \(exit 2\): .*no-such-dir: Cannot open/);
    expect(statSync(join(vm.dir, 'transfer.raw')).blocks).toBe(0);
    expect((await vm.exec('pgrep -x readdrive; ls /tmp/never | wc -l')).stdout.trim()).toBe('0');
    const src = join(dir, 'small-tree');
    expect(await vm.putTree(src, '/tmp/after-failure')).toBeGreaterThan(100_000);
    expect((await vm.exec('wc -c < /tmp/after-failure/f')).stdout.trim()).toBe('100000');
  });

  it('a host tar that starts late (a loaded host) still delivers the whole tree (issue 13)', async () => {
    // the drive's file keeps its full size between transfers: a length read before the
    // host's tar truncated it told the guest 256 GiB were there, and it unpacked zeros
    // ("sent 262144 bytes, the guest read 131072"; a one-record stream even passed the
    // count, with nothing unpacked). A tar that takes a second to start made it happen
    // every time.
    const bin = join(dir, 'slow-tar');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tar'), `#!/bin/sh\nsleep 1\nexec ${execFileSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).trim()} "$@"\n`, { mode: 0o755 });
    const src = join(dir, 'two-records');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'y'.repeat(200_000));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await vm.putTree(src, '/tmp/late-tar')).toBe(262144);
    } finally {
      process.env.PATH = path;
    }
    expect((await vm.exec('wc -c < /tmp/late-tar/f')).stdout.trim()).toBe('200000');
  });
});

describe.skipIf(!isRoot)('a ~200 MB tree with owners and special files, host -> guest -> host', () => {
  let src = '';
  let back = '';

  beforeAll(() => {
    src = join(dir, 'src');
    back = join(dir, 'back');
    mkdirSync(join(src, 'big'), { recursive: true });
    mkdirSync(join(src, 'small/deeper/still'), { recursive: true });
    mkdirSync(join(src, 'empty-dir'));
    mkdirSync(back);
    execFileSync('sh', ['-c', `for i in 0 1 2 3 4 5 6 7 8 9; do head -c ${20 * MB} /dev/urandom > big/blob$i; done`], { cwd: src });
    for (let i = 0; i < 300; i++) writeFileSync(join(src, 'small', i % 3 ? 'deeper' : '.', `f${i}`), `small file ${i}\n`.repeat(i + 1));
    writeFileSync(join(src, 'owned'), 'mine\n');
    chownSync(join(src, 'owned'), 1234, 2345);
    chmodSync(join(src, 'owned'), 0o640);
    chownSync(join(src, 'small/deeper'), 4321, 4321);
    writeFileSync(join(src, 'setuid'), '#!/bin/sh\n');
    chmodSync(join(src, 'setuid'), 0o4755);
    writeFileSync(join(src, 'setgid'), '#!/bin/sh\n');
    chownSync(join(src, 'setgid'), 0, 50);
    chmodSync(join(src, 'setgid'), 0o2750);
    mkdirSync(join(src, 'sticky'));
    chmodSync(join(src, 'sticky'), 0o1777);
    symlinkSync('big/blob0', join(src, 'link-relative'));
    symlinkSync('/etc/passwd', join(src, 'link-absolute'));
    symlinkSync('does/not/exist', join(src, 'link-dangling'));
    symlinkSync('../owned', join(src, 'small/link-up'));
    writeFileSync(join(src, 'hard1'), 'hard linked\n');
    linkSync(join(src, 'hard1'), join(src, 'hard2'));
    linkSync(join(src, 'hard1'), join(src, 'small/deeper/hard3'));
    execFileSync('mknod', ['-m', '0666', join(src, 'null-dev'), 'c', '1', '3']);
    execFileSync('mknod', ['-m', '0660', join(src, 'loop-dev'), 'b', '7', '0']);
    execFileSync('mkfifo', ['-m', '0600', join(src, 'fifo')]);
    if (hasSetfattr) execFileSync('setfattr', ['-n', 'user.kiln', '-v', 'kept', join(src, 'owned')]);
  });

  it('put: the guest holds the same tree (listing, contents, inodes, xattr)', { timeout: 300_000 }, async () => {
    const mk = await vm.exec(
      'for d in /sys/block/vd*; do [ "$(cat $d/serial)" = kiln-test ] && dev=/dev/${d##*/}; done; mkfs.ext4 -q -F -E lazy_itable_init=1 $dev && mkdir -p /mnt/t && mount $dev /mnt/t',
    );
    expect(mk.exitCode, mk.stderr).toBe(0);
    const t0 = performance.now();
    const bytes = await vm.putTree(src, '/mnt/t/tree');
    const s = (performance.now() - t0) / 1000;
    console.log(`put ${(bytes / 1e6).toFixed(0)} MB in ${s.toFixed(1)} s: ${(bytes / 1e6 / s).toFixed(0)} MB/s`);
    expect(bytes).toBeGreaterThan(200e6);

    const hostList = execFileSync('sh', ['-c', listing(src)], { encoding: 'utf8' });
    const guestList = await vm.exec(listing('/mnt/t/tree'));
    expect(guestList.stderr).toBe('');
    expect(guestList.stdout).toBe(hostList);
    expect(hostList).toMatch(/^owned\|f\|640\|1234\|2345\|$/m);
    expect(hostList).toMatch(/^setuid\|f\|4755\|0\|0\|$/m);
    expect(hostList).toMatch(/^null-dev\|dev=1,3$/m);
    expect(hostList).toMatch(/^fifo\|p\|600\|/m);
    expect(hostList).toMatch(/^link-dangling\|l\|777\|0\|0\|does\/not\/exist$/m);
    expect(hostList).toMatch(/^hard1\|size=12\|links=3$/m);

    const hostSums = execFileSync('sh', ['-c', sums(src)], { encoding: 'utf8', maxBuffer: 16 * MB });
    const guestSums = await vm.exec(sums('/mnt/t/tree'));
    expect(guestSums.stdout).toBe(hostSums);

    const inodes = await vm.exec('cd /mnt/t/tree && stat -c %i hard1 hard2 small/deeper/hard3 | uniq | wc -l');
    expect(inodes.stdout.trim()).toBe('1');
    if (hasSetfattr) {
      const x = await vm.exec(`python3 -c "import os; print(os.getxattr('/mnt/t/tree/owned', 'user.kiln').decode())"`);
      expect(x.stdout).toBe('kept\n');
    }
  });

  it('get: the tree comes back identical (listing, cmp of every file, inodes, xattr)', { timeout: 300_000 }, async () => {
    const t0 = performance.now();
    const bytes = await vm.getTree('/mnt/t/tree', back);
    const s = (performance.now() - t0) / 1000;
    console.log(`get ${(bytes / 1e6).toFixed(0)} MB in ${s.toFixed(1)} s: ${(bytes / 1e6 / s).toFixed(0)} MB/s`);
    expect(execFileSync('sh', ['-c', listing(back)], { encoding: 'utf8' })).toBe(execFileSync('sh', ['-c', listing(src)], { encoding: 'utf8' }));
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: src, encoding: 'utf8' }).trim().split('\n');
    expect(files.length).toBeGreaterThan(300);
    for (const f of files) expect(spawnSync('cmp', [join(src, f), join(back, f)]).status, f).toBe(0);
    expect(new Set(execFileSync('stat', ['-c', '%i', 'hard1', 'hard2', 'small/deeper/hard3'], { cwd: back, encoding: 'utf8' }).trim().split('\n')).size).toBe(1);
    if (hasSetfattr) expect(execFileSync('getfattr', ['--only-values', '-n', 'user.kiln', join(back, 'owned')], { encoding: 'utf8' })).toBe('kept');
  });
});

describe('shutdown', () => {
  it('powers off cleanly, leaves no QEMU and no VM directory, and is safe twice', async () => {
    const pids = qemuPids(vm.dir);
    await vm.exec('umount /mnt/t 2>/dev/null; true');
    const t0 = performance.now();
    await vm.shutdown();
    console.log(`shutdown in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(vm.state).toBe('stopped');
    await vm.shutdown();
    expect(vm.state).toBe('stopped');
    for (const p of pids) expect(alive(p)).toBe(false);
    expect(existsSync(vm.dir)).toBe(false);
    await expect(vm.exec('true')).rejects.toThrow(/stopped, not ready/);
  });
});
