// LVM and 4K sectors at once: kiln's block-device-efi-lvm layout (root, /var and /home on
// logical volumes in one volume group) with DIB_BLOCK_SIZE=4096, built from the warm caches
// and booted under OVMF from a disk that says logical_block_size=4096 (kiln boot reads the
// sector size and the ESP from the image itself). One build proves UEFI, LVM and 4K.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageLayout } from '../../src/vm/image-layout.js';
import { BOOT_TIMEOUT_MS, kiln, leftovers, printLogOnFailure, snapshotLeftovers } from './helpers.js';

const before = await snapshotLeftovers();
const ELEMENTS = ['debian-minimal', 'vm', 'block-device-efi-lvm'];
let out = '';
let name = '';
let build: Awaited<ReturnType<typeof kiln>>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'kiln-e2e-lvm-'));
  name = join(out, 'lvm');
  const t0 = performance.now();
  build = await kiln(['build', '-o', name, '-t', 'qcow2,tar', '--envvar', 'DIB_BLOCK_SIZE=4096', '--logfile', join(out, 'build.log'), ...ELEMENTS]);
  console.log(`build of ${ELEMENTS.join(' ')} with 4K sectors: ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}, 2_400_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`kiln build ${ELEMENTS.join(' ')} (DIB_BLOCK_SIZE=4096)`, () => {
  it('builds', () => {
    printLogOnFailure(build, join(out, 'build.log'));
    expect(build.exitCode, build.stderr.slice(-3000)).toBe(0);
  });

  it('is a 4K-sector GPT disk with an ESP, its fstab naming the logical volumes', async () => {
    expect(await readImageLayout(`${name}.qcow2`, 'qcow2')).toMatchObject({ table: 'gpt', sectorSize: 4096, esp: true });
    const fstab = (await execa('tar', ['-xOf', `${name}.tar`, './etc/fstab'])).stdout;
    for (const m of [' / ', ' /var ', ' /home ', ' /boot/efi ']) expect(fstab).toContain(m);
    const files = (await execa('tar', ['-tf', `${name}.tar`])).stdout.split('\n');
    expect(files).toContain('./usr/sbin/lvm');
  });

  it('boots under UEFI from a 4K disk, root on LVM, to a login prompt', async () => {
    const r = await kiln(['boot', '--timeout', '900', `${name}.qcow2`], { timeout: BOOT_TIMEOUT_MS });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/UEFI .*4096-byte sectors/);
    expect(r.stderr).toContain('booted: login prompt');
  }, BOOT_TIMEOUT_MS);

  it('leaves no QEMU process and no temp dir', async () => {
    expect(await leftovers(before)).toEqual([]);
  });
});
