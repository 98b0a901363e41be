// kiln dib / kiln ramdisk: DIB's spellings -> kiln build's, and the options they become.
import { describe, expect, it } from 'vitest';
import { buildCommand } from '../../../src/commands/build.js';
import { Command } from 'commander';
import { dibArgv, register } from '../../../src/commands/dib.js';
import { ExitStatus } from '../../../src/commands/status.js';
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

describe("DIB's options kiln build had not, and DIB's environment", () => {
  it("nodepool-builder's shape: -x -t qcow2,raw --checksum --no-tmpfs --qemu-img-options compat=0.10 -o FILE", () => {
    const cmd = new Command('kiln');
    let argv: string[] = [];
    register(cmd, new ExitStatus());
    const dib = cmd.commands.find((c) => c.name() === 'dib')!;
    dib.action((elements: string[], raw: Record<string, unknown>) => void (argv = dibArgv(elements, raw as never, 'disk', { DIB_RELEASE: 'bookworm', ELEMENTS_PATH: '/e' })));
    dib.parse(['-x', '-t', 'qcow2,raw', '--checksum', '--no-tmpfs', '--qemu-img-options', 'compat=0.10', '-o', '/opt/dib/ubuntu-0000000001', 'ubuntu-minimal', 'vm'], { from: 'user' });
    expect(argv).toEqual(['--dib-env', '-o', '/opt/dib/ubuntu-0000000001', '-t', 'qcow2,raw', '--debug', '1', '--qemu-img-options', 'compat=0.10', '--checksum', 'ubuntu-minimal', 'vm']);
    expect(parse(argv)).toMatchObject({ debug: 1, checksums: ['md5', 'sha256'], qemuImgOptions: 'compat=0.10', name: '/opt/dib/ubuntu-0000000001', dibEnv: true });
    expect(parse(argv).formats.map((f) => f.name)).toEqual(['qcow2', 'raw']);
  });

  it("Zuul's build-diskimage role: -o ROOT/NAME -t FORMATS --logfile LOG ELEMENTS, DIB_* from its environment", () => {
    const cmd = new Command('kiln');
    let argv: string[] = [];
    register(cmd, new ExitStatus());
    const dib = cmd.commands.find((c) => c.name() === 'dib')!;
    dib.action((elements: string[], raw: Record<string, unknown>) => void (argv = dibArgv(elements, raw as never, 'disk', { DIB_RELEASE: 'trixie', DIB_CHECKSUM: '1' })));
    dib.parse(['-o', '/home/zuul/dib-images/debian-trixie', '-t', 'qcow2,raw', '--logfile', '/home/zuul/zuul-output/logs/diskimage-debian-trixie.log', 'debian-minimal', 'vm'], { from: 'user' });
    expect(argv).toEqual(['--dib-env', '-o', '/home/zuul/dib-images/debian-trixie', '-t', 'qcow2,raw', '--logfile', '/home/zuul/zuul-output/logs/diskimage-debian-trixie.log', 'debian-minimal', 'vm']);
    const cmdB = buildCommand('t');
    let got: ReturnType<typeof buildOptionsFrom> | undefined;
    cmdB.action((elements: string[], raw: Record<string, unknown>) => void (got = buildOptionsFrom(elements, raw, { DIB_RELEASE: 'trixie', DIB_CHECKSUM: '1' })));
    cmdB.parse(argv, { from: 'user' });
    expect(got).toMatchObject({ dibEnv: true, logfile: '/home/zuul/zuul-output/logs/diskimage-debian-trixie.log', checksums: ['md5', 'sha256'] });
  });

  it('-x -x counts, as DIB_DEBUG_TRACE', () => {
    const cmd = new Command('kiln');
    register(cmd, new ExitStatus());
    const dib = cmd.commands.find((c) => c.name() === 'dib')!;
    let raw: Record<string, unknown> = {};
    dib.action((_e: string[], r: Record<string, unknown>) => void (raw = r));
    dib.parse(['-x', '-x', '-o', 'i', 'x'], { from: 'user' });
    expect(raw.x).toBe(2);
    expect(parse(dibArgv(['x'], raw as never, 'disk')).debug).toBe(2);
  });

  it('--max-online-resize, --mkfs-journal-size and --image-cache reach the build', () => {
    const o = parse(dibArgv(['x'], { o: 'i', maxOnlineResize: '274877906944', mkfsJournalSize: '16', imageCache: '/var/cache/dib' }, 'disk'));
    expect(o).toMatchObject({ maxOnlineResize: 274877906944, journalSizeMiB: 16, imageCache: '/var/cache/dib' });
  });

  it("reads DIB's settings from the environment when the option is not given; the option wins", () => {
    const env = { FS_TYPE: 'xfs', ROOT_LABEL: 'r', DIB_IMAGE_SIZE: '3', MAX_ONLINE_RESIZE: '1000', DIB_JOURNAL_SIZE: '8', DIB_IMAGE_CACHE: '/c', DIB_OFFLINE: '1', ARCH: 'amd64' };
    const o = parse(dibArgv(['x'], { o: 'i', rootLabel: 'mine' }, 'disk', env));
    expect(o).toMatchObject({ fsType: 'xfs', rootLabel: 'mine', imageSizeGB: 3, maxOnlineResize: 1000, journalSizeMiB: 8, imageCache: '/c', offline: true });
  });

  it('-c: no environment reaches the build (neither DIB_* nor DIB\'s settings)', () => {
    const argv = dibArgv(['x'], { o: 'i', c: true }, 'disk', { FS_TYPE: 'xfs', DIB_OFFLINE: '1' });
    expect(argv).toEqual(['-o', 'i', 'x']);
    expect(parse(argv)).toMatchObject({ dibEnv: false, offline: false, fsType: undefined });
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
  it('takes -n and -p as DIB\'s ramdisk-image-create does (its help hides them, its code honours them)', () => {
    expect(parse(dibArgv(['x'], { o: 'rd', n: true, p: ['busybox'] }, 'ramdisk'))).toMatchObject({ ramdisk: true, skipBase: true, extraPackages: ['busybox'] });
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
