// Ramdisk mode for real: `kiln build --ramdisk` of the tiny OS with a kernel (the
// appliance's, handed in through --envvar) leaves NAME.d/NAME.kernel and
// NAME.d/NAME.initramfs, and QEMU (TCG) boots them to the ramdisk's /init, which says so on
// the console. Needs no packages: about a minute, whatever the cache holds.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, leftovers, snapshotLeftovers, tinyElements } from './helpers.js';

const before = await snapshotLeftovers();
const out = mkdtempSync(join(tmpdir(), 'kiln-e2e-ramdisk-'));
const name = join(out, 'rd');
let build: Awaited<ReturnType<typeof kiln>>;

beforeAll(async () => {
  const info = await kiln(['appliance', 'build']);
  expect(info.exitCode, info.all).toBe(0);
  const path = /^path:\s+(\S+)/m.exec((await kiln(['appliance', 'info'])).stdout)?.[1];
  expect(path).toBeTruthy();
  build = await kiln(['build', '--ramdisk', '-n', '-p', tinyElements, '-o', name, '--envvar', `KILN_TEST_KERNEL=${join(path!, 'kernel')}`, 'tiny-os', 'tiny-kernel']);
}, 900_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('kiln build --ramdisk', () => {
  it('leaves NAME.kernel and NAME.initramfs in NAME.d, and no disk image', () => {
    expect(build.exitCode, build.all.slice(-3000)).toBe(0);
    expect(existsSync(join(`${name}.d`, 'rd.kernel'))).toBe(true);
    expect(existsSync(join(`${name}.d`, 'rd.initramfs'))).toBe(true);
    expect(existsSync(`${name}.qcow2`)).toBe(false);
  });

  it('boots under QEMU (TCG) to the ramdisk\'s init', async () => {
    const r = await execa(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', '512', '-nographic', '-nodefaults', '-no-reboot', '-serial', 'stdio', '-kernel', join(`${name}.d`, 'rd.kernel'), '-initrd', join(`${name}.d`, 'rd.initramfs'), '-append', 'console=ttyS0 panic=-1 kiln.poweroff'],
      { reject: false, timeout: 300_000, stdin: 'ignore' },
    );
    expect(r.stdout).toMatch(/kiln-ramdisk: init reached \(rd, kernel \S+\)/);
    expect(r.exitCode, r.stderr).toBe(0);
  }, 320_000);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
