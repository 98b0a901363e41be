// How `kiln boot` reads an image's partition table to pick firmware and disk: real tables made
// by sfdisk on files (512-byte sectors), and a 4K-sector GPT laid out byte by byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEAD_BYTES, needsUefi, parseImageLayout } from '../../../src/vm/image-layout.js';
import { renderBootArgs } from '../../../src/vm/boot-test.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const BIOS = '21686148-6449-6E6F-744E-656564454649';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

/** A 64 MiB file partitioned by sfdisk with `script`; its first HEAD_BYTES bytes. */
function table(name: string, script: string): Buffer {
  const f = join(dir, name);
  writeFileSync(f, '');
  execFileSync('truncate', ['-s', '64M', f]);
  execFileSync('sfdisk', ['--quiet', f], { input: script });
  return readFileSync(f).subarray(0, HEAD_BYTES);
}

/** GPT's on-disk form of a GUID: the first three fields little-endian. */
function guidBytes(g: string): Buffer {
  const h = g.replace(/-/g, '');
  const le = (s: string) => Buffer.from(s, 'hex').reverse();
  return Buffer.concat([le(h.slice(0, 8)), le(h.slice(8, 12)), le(h.slice(12, 16)), Buffer.from(h.slice(16), 'hex')]);
}

describe('parseImageLayout', () => {
  it('an MBR image boots with the BIOS', () => {
    const l = parseImageLayout(table('mbr', 'label: dos\nstart=2048, type=83\n'));
    expect(l).toEqual({ table: 'mbr', sectorSize: 512, esp: false, biosBoot: false });
    expect(needsUefi(l)).toBe(false);
  });

  it('a GPT with an ESP and a BIOS boot partition boots either way (BIOS by default)', () => {
    const l = parseImageLayout(table('both', `label: gpt\nstart=2048, size=8192, type=${ESP}\nstart=10240, size=2048, type=${BIOS}\nstart=12288, type=${LINUX}\n`));
    expect(l).toEqual({ table: 'gpt', sectorSize: 512, esp: true, biosBoot: true });
    expect(needsUefi(l)).toBe(false);
  });

  it('a GPT with an ESP and no BIOS boot partition needs UEFI', () => {
    const l = parseImageLayout(table('efi', `label: gpt\nstart=2048, size=8192, type=${ESP}\nstart=10240, type=${LINUX}\n`));
    expect(l).toMatchObject({ table: 'gpt', esp: true, biosBoot: false });
    expect(needsUefi(l)).toBe(true);
  });

  it('a GPT whose header is at byte 4096 has 4K sectors, and needs UEFI', () => {
    const head = Buffer.alloc(HEAD_BYTES);
    head[510] = 0x55;
    head[511] = 0xaa;
    head.write('EFI PART', 4096, 'latin1');
    head.writeBigUInt64LE(2n, 4096 + 72); // entries at LBA 2 = byte 8192
    head.writeUInt32LE(128, 4096 + 80);
    head.writeUInt32LE(128, 4096 + 84);
    guidBytes(ESP).copy(head, 8192);
    guidBytes(LINUX).copy(head, 8192 + 128);
    const l = parseImageLayout(head);
    expect(l).toEqual({ table: 'gpt', sectorSize: 4096, esp: true, biosBoot: false });
    expect(needsUefi(l)).toBe(true);
  });

  it('a blank disk has no table', () => {
    expect(parseImageLayout(Buffer.alloc(HEAD_BYTES))).toEqual({ table: 'none', sectorSize: 512, esp: false, biosBoot: false });
  });
});

describe('renderBootArgs', () => {
  const base = { image: '/i/a,b.qcow2', format: 'qcow2', accel: 'tcg' as const, cpus: 2, memoryMiB: 1024 };
  it('boots the image read-only (snapshot) with the serial console on stdio, no display', () => {
    const a = renderBootArgs(base);
    expect(a).toContain('file=/i/a,,b.qcow2,format=qcow2,if=virtio,snapshot=on');
    expect(a.join(' ')).toContain('-serial stdio');
    expect(a.join(' ')).toContain('-display none');
    expect(a.join(' ')).not.toContain('pflash');
  });
  it('UEFI: OVMF code read-only and a private copy of the variable store', () => {
    const a = renderBootArgs({ ...base, uefi: { code: '/o/CODE.fd', vars: '/t/vars.fd' } });
    expect(a).toContain('if=pflash,format=raw,readonly=on,file=/o/CODE.fd');
    expect(a).toContain('if=pflash,format=raw,file=/t/vars.fd');
  });
  it('4K sectors: the disk says so to the guest', () => {
    const a = renderBootArgs({ ...base, sectorSize: 4096 });
    expect(a).toContain('file=/i/a,,b.qcow2,format=qcow2,if=none,id=disk0,snapshot=on');
    expect(a).toContain('virtio-blk-pci,drive=disk0,logical_block_size=4096,physical_block_size=4096');
  });
});
