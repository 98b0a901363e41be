// kiln dib / kiln ramdisk: DIB's spellings -> kiln build's, and the options they become.
import { describe, expect, it } from 'vitest';
import { buildCommand } from '../../../src/commands/build.js';
import { dibArgv } from '../../../src/commands/dib.js';
import { buildOptionsFrom, dibLibDir } from '../../../src/options.js';
import { dib, noDibReason } from '../elements/dib-oracle.js';

/** What kiln build makes of an argv, without building. */
function parse(argv: string[]) {
  const cmd = buildCommand('t');
  let got: ReturnType<typeof buildOptionsFrom> | undefined;
  cmd.action((elements: string[], raw: Record<string, unknown>) => {
    got = buildOptionsFrom(elements, raw, {});
  });
  cmd.parse(argv, { from: 'user' });
  return got!;
}

describe('kiln dib (disk-image-create)', () => {
  it('-p is a package list, -n skips base, DIB_* come along', () => {
    const argv = dibArgv(['debian-minimal', 'vm'], { o: 'img', p: ['vim,curl'], n: true, t: 'qcow2,tar' }, 'disk');
    expect(argv).toEqual(['--dib-env', '-o', 'img', '-t', 'qcow2,tar', '-n', '--extra-packages', 'vim,curl', 'debian-minimal', 'vm']);
    const o = parse(argv);
    expect(o).toMatchObject({ dibEnv: true, skipBase: true, extraPackages: ['vim', 'curl'], ramdisk: false, elements: ['debian-minimal', 'vm'] });
  });
});

describe('kiln ramdisk (ramdisk-image-create)', () => {
  it('is ramdisk mode with the ramdisk element by default', () => {
    const argv = dibArgv(['debian-minimal'], { o: 'rd' }, 'ramdisk');
    expect(argv).toEqual(['--dib-env', '-o', 'rd', '--ramdisk', 'debian-minimal']);
    expect(parse(argv)).toMatchObject({ ramdisk: true, ramdiskElement: 'ramdisk', name: 'rd' });
  });
  it('--ramdisk-element picks another element', () => {
    expect(parse(dibArgv(['x'], { o: 'rd', ramdiskElement: 'dracut-ramdisk' }, 'ramdisk'))).toMatchObject({ ramdisk: true, ramdiskElement: 'dracut-ramdisk' });
  });
  it('has no -n or -p, as ramdisk-image-create', () => {
    expect(() => dibArgv(['x'], { n: true }, 'ramdisk')).toThrow(/no -n or -p/);
  });
  it('kiln build --ramdisk-element implies --ramdisk', () => {
    expect(parse(['-o', 'r', '--ramdisk-element', 'dracut-ramdisk', 'x'])).toMatchObject({ ramdisk: true, ramdiskElement: 'dracut-ramdisk' });
    expect(parse(['-o', 'r', 'x'])).toMatchObject({ ramdisk: false });
  });
});

describe('-B/--dib-lib', () => {
  it('refuses a directory without DIB\'s library, naming what is missing', () => {
    expect(() => dibLibDir('/tmp')).toThrow(/-B\/--dib-lib \/tmp: no DIB library there \(common-functions and die are missing\)/);
  });
  it.skipIf(!dib)(`takes DIB's lib dir${dib ? '' : ` (${noDibReason})`}`, () => {
    expect(parse(['-o', 'i', '-B', dib!.libDir, 'x']).dibLib).toBe(dib!.libDir);
    expect(dibArgv(['x'], { o: 'i', dibLib: dib!.libDir }, 'disk')).toContain('--dib-lib');
  });
});
