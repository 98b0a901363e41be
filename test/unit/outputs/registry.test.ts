import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { formatNames, getFormat, imageBaseName, outputFileName } from '../../../src/outputs/index.js';

describe('format registry', () => {
  it('knows DIB and virt-dib format names, with what each needs', () => {
    expect(formatNames()).toEqual(['qcow2', 'raw', 'vhd', 'vmdk', 'tar', 'tgz', 'squashfs', 'docker']);
    expect(formatNames().map((n) => [n, getFormat(n).needs])).toEqual([
      ['qcow2', 'disk'], ['raw', 'disk'], ['vhd', 'disk'], ['vmdk', 'disk'],
      ['tar', 'tree'], ['tgz', 'tree'], ['squashfs', 'tree'], ['docker', 'tree'],
    ]);
  });

  it('names files as disk-image-create does, docker apart from tar', () => {
    expect(formatNames().map((n) => outputFileName('img', n))).toEqual([
      'img.qcow2', 'img.raw', 'img.vhd', 'img.vmdk', 'img.tar', 'img.tgz', 'img.squash', 'img.docker.tar',
    ]);
    expect(outputFileName('img', 'tar.gz')).toBe('img.tgz');
  });

  it('drops a type suffix from the name when there is one type, as DIB', () => {
    expect(imageBaseName('ubuntu.qcow2', ['qcow2'])).toBe('ubuntu');
    expect(imageBaseName('live.squashfs', ['squashfs'])).toBe('live');
    expect(imageBaseName('live.squash', ['squashfs'])).toBe('live');
    expect(imageBaseName('ubuntu.qcow2', ['qcow2', 'raw'])).toBe('ubuntu.qcow2');
  });

  it('rejects an unknown type, listing the known ones', () => {
    expect(() => getFormat('iso')).toThrow(UsageError);
    expect(() => getFormat('iso')).toThrow(/unknown image type "iso"/);
  });
});
