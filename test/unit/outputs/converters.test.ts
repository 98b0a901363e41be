import { describe, expect, it } from 'vitest';
import { qcow2ConvertOptions } from '../../../src/outputs/qcow2.js';
import type { WriteOptions } from '../../../src/outputs/types.js';
import { convertArgs, splitQemuImgOptions } from '../../../src/outputs/qemu-img.js';
import { sqfstarArgs, tar2sqfsArgs } from '../../../src/outputs/squashfs.js';
import { patchVhdFooter, vhdChecksum, VHD_EPOCH } from '../../../src/outputs/vhd-footer.js';
import { patchVmdkCid } from '../../../src/outputs/vmdk-descriptor.js';

describe('qemu-img arguments', () => {
  it('qcow2 compressed with user options, as DIB runs it', () => {
    expect(convertArgs('in.raw', 'out.qcow2', { format: 'qcow2', compress: true, options: splitQemuImgOptions('compat=0.10, cluster_size=65536') })).toEqual([
      'convert', '-f', 'raw', '-O', 'qcow2', '-c', '-o', 'compat=0.10,cluster_size=65536', 'in.raw', 'out.qcow2',
    ]);
    expect(convertArgs('a', 'b', { format: 'vpc', options: ['subformat=fixed', 'force_size'] })).toEqual([
      'convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size', 'a', 'b',
    ]);
    expect(convertArgs('a', 'b', { format: 'raw' })).toEqual(['convert', '-f', 'raw', '-O', 'raw', 'a', 'b']);
  });

  it('qcow2 compresses on every core unless the build is reproducible', () => {
    const args = (o: WriteOptions) => { const c = qcow2ConvertOptions(o); return convertArgs('i', 'o', c); };
    expect(args({})).toEqual(['convert', '-f', 'raw', '-O', 'qcow2', '-c', '-m', '8', '-W', 'i', 'o']);
    expect(args({ sourceDateEpoch: 1 })).toEqual(['convert', '-f', 'raw', '-O', 'qcow2', '-c', 'i', 'o']);
    expect(args({ compress: false })).toEqual(['convert', '-f', 'raw', '-O', 'qcow2', 'i', 'o']);
  });
});

describe('squashfs arguments', () => {
  it('tar2sqfs: xz, keeps what the tar says', () => {
    expect(tar2sqfsArgs('o.squash')).toEqual(['--quiet', '--force', '--compressor', 'xz', 'o.squash']);
  });
  it('sqfstar: root attributes from the tar, every time from SOURCE_DATE_EPOCH', () => {
    expect(sqfstarArgs('o', { mode: 0o40755, uid: 0, gid: 0 }, { sourceDateEpoch: 1700000000 })).toEqual([
      '-comp', 'xz', '-quiet', '-no-progress', '-root-mode', '755', '-root-uid', '0', '-root-gid', '0',
      '-mkfs-time', '1700000000', '-all-time', '1700000000', 'o',
    ]);
  });
});

describe('VHD footer', () => {
  const footer = () => {
    const f = Buffer.alloc(512);
    f.write('conectix', 0, 'latin1');
    f.writeUInt32BE(12345, 24);
    Buffer.alloc(16, 0xab).copy(f, 68);
    f.writeUInt32BE(vhdChecksum(f), 64);
    return f;
  };

  it('sets the timestamp (seconds since 2000) and the UUID, and fixes the checksum', () => {
    const out = patchVhdFooter(footer(), { timestamp: 1700000000, uuid: '0f0e0d0c-0b0a-4908-8706-050403020100' });
    expect(out.readUInt32BE(24)).toBe(1700000000 - VHD_EPOCH);
    expect(out.subarray(68, 84).toString('hex')).toBe('0f0e0d0c0b0a49088706050403020100');
    expect(out.readUInt32BE(64)).toBe(vhdChecksum(out));
    expect(out.readUInt32BE(64)).not.toBe(footer().readUInt32BE(64));
  });

  it('leaves what it is not asked to change and refuses what is not a footer', () => {
    expect(patchVhdFooter(footer(), {}).equals(footer())).toBe(true);
    expect(() => patchVhdFooter(Buffer.alloc(512), {})).toThrow(/conectix/);
  });
});

describe('VMDK descriptor', () => {
  it('replaces the CID in place', () => {
    const text = '# Disk DescriptorFile\nversion=1\nCID=bfb80f88\nparentCID=ffffffff\n';
    const out = patchVmdkCid(text, '0123abcd');
    expect(out).toBe('# Disk DescriptorFile\nversion=1\nCID=0123abcd\nparentCID=ffffffff\n');
    expect(out.length).toBe(text.length);
    expect(() => patchVmdkCid('version=1\n', '0123abcd')).toThrow(/no CID/);
  });

  it('handles the CIDs qemu prints without leading zeros', () => {
    expect(patchVmdkCid('CID=fb80f88\nparentCID=ffffffff\n', '0123abcd')).toBe('CID=0123abcd\nparentCID=ffffffff\n');
  });
});
