import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { buildOptionsFrom, size } from '../../src/options.js';

describe('buildOptionsFrom', () => {
  it('fills defaults like virt-dib/DIB', () => {
    const o = buildOptionsFrom(['debian-minimal', 'vm'], { name: 'debian', compression: true, network: true, deleteOnFailure: true }, {});
    expect(o.formats.map((f) => f.name)).toEqual(['qcow2']);
    expect(o.imageBase).toBe(resolve('debian'));
    expect(o).toMatchObject({ name: 'debian', arch: 'amd64', compress: true, network: true, debug: 0, accel: 'auto', skipBase: false, memsizeMiB: 2048 });
  });

  it('splits comma lists and reads DIB spellings', () => {
    const o = buildOptionsFrom(['x'], { name: 'n', formats: ['qcow2,tar', 'raw', 'tar'], excludeElement: ['a,b'], extraPackages: ['vim,curl'], imageSize: '4G', x: true, compression: false }, { SOURCE_DATE_EPOCH: '1700000000' });
    expect(o.formats.map((f) => f.name)).toEqual(['qcow2', 'tar', 'raw']);
    expect(o.excludeElements).toEqual(['a', 'b']);
    expect(o.extraPackages).toEqual(['vim', 'curl']);
    expect(o.imageSizeGB).toBe(4);
    expect(o.debug).toBe(1);
    expect(o.compress).toBe(false);
    expect(o.sourceDateEpoch).toBe(1700000000);
  });

  it('names the option in every error', () => {
    expect(() => buildOptionsFrom([], { name: 'n' })).toThrow(/no elements given/);
    expect(() => buildOptionsFrom(['x'], {})).toThrow(/-o\/--name is required/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', formats: ['iso9000'] })).toThrow(/iso9000/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', arch: 's390x' })).toThrow(/--arch s390x: kiln cannot build for that architecture/);
    expect(buildOptionsFrom(['x'], { name: 'n', arch: 'aarch64' }).arch).toBe('arm64');
    expect(buildOptionsFrom(['x'], { name: 'n', arch: 'x86_64' }).arch).toBe('amd64');
    expect(() => buildOptionsFrom(['x'], { name: 'n', accel: 'hvf' })).toThrow(/--accel hvf/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', fsType: 'ntfs' })).toThrow(/--fs-type ntfs/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', envvar: ['1BAD'] })).toThrow(/--envvar 1BAD/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', formats: [''] })).toThrow(/-t\/--formats is empty/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', break: 'before-nothing' })).toThrow(/--break before-nothing: not a break point/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', memsize: '64' })).toThrow(/--memsize 64: give whole MiB from 256/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', memsize: 'abc' })).toThrow(/--memsize abc/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', smp: '0' })).toThrow(/--smp 0/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', smp: '999' })).toThrow(/--smp 999/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', formats: ['docker'], dockerTarget: 'Bad Tag' })).toThrow(/Bad Tag/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', installType: 'bogus' })).toThrow(/--install-type bogus/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', envvarSecret: ['9X'] })).toThrow(/--envvar-secret 9X/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', sourceDateEpoch: 'soon' })).toThrow(/--source-date-epoch soon: not a number/);
    expect(() => buildOptionsFrom(['x'], { name: 'n' }, { SOURCE_DATE_EPOCH: 'soon' })).toThrow(/SOURCE_DATE_EPOCH soon: not a number/);
    expect(() => buildOptionsFrom(['x'], { name: 'n' }, { break: 'bogus' })).toThrow(/break=bogus \(in the environment\): not a break point/);
  });

  it('takes an option given empty as given wrong, not as left out', () => {
    expect(() => buildOptionsFrom(['x'], { name: 'n', imageSize: '' })).toThrow(/--size : not a size/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', smp: '' })).toThrow(/--smp : not a number/);
    expect(() => buildOptionsFrom(['x'], { name: 'n', sourceDateEpoch: '' })).toThrow(/--source-date-epoch : not a number/);
    // an empty SOURCE_DATE_EPOCH in the environment is unset, as for every tool that reads it
    expect(buildOptionsFrom(['x'], { name: 'n' }, { SOURCE_DATE_EPOCH: '' }).sourceDateEpoch).toBeUndefined();
    expect(buildOptionsFrom(['x'], { name: 'n', imageSize: '2G' }).imageSizeText).toBe('2G');
  });

  it('treats --envvar-secret names as both passed and secret', () => {
    const o = buildOptionsFrom(['x'], { name: 'n', envvarSecret: ['TOKEN'] }, {});
    expect(o.envvars).toContainEqual({ name: 'TOKEN' });
    expect(o.secrets).toEqual(['TOKEN']);
  });
});

describe('size', () => {
  it('reads sizes in G, M and plain GB', () => {
    expect(size('2', '--size')).toBe(2);
    expect(size('2048M', '--size')).toBe(2);
    expect(size('1.5GiB', '--size')).toBe(1.5);
    expect(() => size('big', '--size')).toThrow(/--size big: not a size/);
  });
});
