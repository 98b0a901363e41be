// kiln's dib-lib against DIB's own lib, on the same inputs: select_boot_kernel_initrd on
// /boot trees of each distribution family (img-functions), and finish_image's checksums
// for every DIB_CHECKSUM form (common-functions). Every oracle version takes part: bookworm's
// 3.13, trixie's 3.37, sid's 3.40 (test/support/dib-oracles.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dibOracles } from '../../support/dib-oracles.js';
import { tempDir } from '../elements/fixtures.js';

const kilnLib = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dib-lib');
const { oracles, missing } = dibOracles();

interface Tree {
  files: string[];
  links?: Record<string, string>;
  /** Extra text files outside /boot, e.g. etc/debian_version. */
  etc?: Record<string, string>;
  env?: Record<string, string>;
}

// What real /boot trees hold (names only; contents do not matter to the choice).
const TREES: Record<string, Tree> = {
  'debian: two flavours, several versions': {
    etc: { 'etc/debian_version': '13.1\n' },
    files: ['vmlinuz-6.12.41+deb13-amd64', 'vmlinuz-6.12.41+deb13-cloud-amd64', 'vmlinuz-6.12.9+deb13-cloud-amd64', 'initrd.img-6.12.41+deb13-amd64', 'initrd.img-6.12.41+deb13-cloud-amd64', 'initrd.img-6.12.9+deb13-cloud-amd64', 'config-6.12.41+deb13-cloud-amd64', 'System.map-6.12.41+deb13-cloud-amd64'],
  },
  'ubuntu: the generic kernel, not its .efi.signed twin': {
    etc: { 'etc/debian_version': 'trixie/sid\n' },
    files: ['vmlinuz-6.8.0-31-generic', 'vmlinuz-6.8.0-31-generic.efi.signed', 'vmlinuz-6.8.0-40-generic', 'vmlinuz-6.8.0-40-generic.efi.signed', 'initrd.img-6.8.0-31-generic', 'initrd.img-6.8.0-40-generic'],
  },
  'ubuntu with dib-signed-kernel-version: the signed kernel': {
    etc: { 'etc/debian_version': 'trixie/sid\n', 'dib-signed-kernel-version': 'DIB_SIGNED_KERNEL_VERSION=6.8.0-40-generic.efi.signed\n' },
    files: ['vmlinuz-6.8.0-40-generic', 'vmlinuz-6.8.0-40-generic.efi.signed', 'initrd.img-6.8.0-40-generic'],
  },
  'red hat: no debug kernel, no kdump or rescue initramfs': {
    etc: { 'etc/redhat-release': 'Rocky Linux release 9.4 (Blue Onyx)\n' },
    files: [
      'vmlinuz-5.14.0-427.13.1.el9_4.x86_64',
      'vmlinuz-5.14.0-427.13.1.el9_4.x86_64+debug',
      'vmlinuz-5.14.0-362.8.1.el9_3.x86_64',
      'vmlinuz-0-rescue-0123456789abcdef0123456789abcdef',
      'initramfs-5.14.0-427.13.1.el9_4.x86_64.img',
      'initramfs-5.14.0-427.13.1.el9_4.x86_64kdump.img',
      'initramfs-5.14.0-427.13.1.el9_4.x86_64+debug.img',
      'initramfs-5.14.0-362.8.1.el9_3.x86_64.img',
      'initramfs-0-rescue-0123456789abcdef0123456789abcdef.img',
    ],
  },
  'red hat: a PAE kernel first': {
    etc: { 'etc/redhat-release': 'CentOS release 6.10 (Final)\n' },
    files: ['vmlinuz-2.6.32-754.el6.i686', 'vmlinuz-2.6.32-696.el6.i686.PAE', 'initramfs-2.6.32-754.el6.i686.img', 'initramfs-2.6.32-696.el6.i686.PAE.img'],
  },
  'red hat: the initramfs of the kernel is missing': {
    etc: { 'etc/redhat-release': 'Fedora release 40\n' },
    files: ['vmlinuz-6.8.5-301.fc40.x86_64', 'initramfs-6.8.5-301.fc40.x86_64kdump.img'],
  },
  'suse: what the links point to': {
    etc: { 'etc/SuSE-release': 'openSUSE 42.3\n' },
    files: ['vmlinuz-4.4.76-1-default', 'vmlinuz-4.4.90-1-default', 'initrd-4.4.76-1-default', 'initrd-4.4.90-1-default'],
    links: { vmlinuz: 'vmlinuz-4.4.76-1-default', initrd: 'initrd-4.4.76-1-default' },
  },
  'opensuse by DISTRO_NAME': {
    env: { DISTRO_NAME: 'opensuse' },
    files: ['vmlinuz-6.4.0-150600.23.7-default', 'initrd-6.4.0-150600.23.7-default'],
    links: { vmlinuz: 'vmlinuz-6.4.0-150600.23.7-default', initrd: 'initrd-6.4.0-150600.23.7-default' },
  },
  'gentoo': {
    etc: { 'etc/gentoo-release': 'Gentoo Base System release 2.14\n' },
    files: ['vmlinuz-6.6.30-gentoo-dist', 'vmlinuz-6.6.9-gentoo-dist', 'initramfs-6.6.30-gentoo-dist.img', 'initramfs-6.6.9-gentoo-dist.img'],
  },
  'patterns win over the distribution': {
    etc: { 'etc/debian_version': '12.5\n' },
    env: { DIB_BAREMETAL_KERNEL_PATTERN: 'vmlinuz-*-rt-*', DIB_BAREMETAL_INITRD_PATTERN: 'initrd.img-*-rt-*' },
    files: ['vmlinuz-6.1.0-18-amd64', 'vmlinuz-6.1.0-18-rt-amd64', 'vmlinuz-6.1.0-9-rt-amd64', 'initrd.img-6.1.0-18-amd64', 'initrd.img-6.1.0-18-rt-amd64', 'initrd.img-6.1.0-9-rt-amd64'],
  },
  'an unknown operating system': { files: ['vmlinuz-1', 'initrd-1'] },
};

function makeTree(root: string, t: Tree): void {
  mkdirSync(join(root, 'boot'), { recursive: true });
  for (const f of t.files) writeFileSync(join(root, 'boot', f), '');
  for (const [name, target] of Object.entries(t.links ?? {})) symlinkSync(target, join(root, 'boot', name));
  for (const [rel, text] of Object.entries(t.etc ?? {})) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

/** Source LIB/img-functions as DIB's callers do (set -eu, pipefail) and report the choice. */
function select(lib: string, root: string, env: Record<string, string> = {}): { ok: boolean; result: string; stdout: string } {
  const script = `set -eu\nset -o pipefail\nsource "$LIB/img-functions"\nselect_boot_kernel_initrd "$ROOT"\necho "RESULT KERNEL=$KERNEL RAMDISK=$RAMDISK BOOTDIR=$BOOTDIR TARGET_ROOT=$TARGET_ROOT"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, LIB: lib, ROOT: root, ...env } });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT ')) ?? '';
  return { ok: r.status === 0, result: line, stdout: r.stdout };
}

describe('select_boot_kernel_initrd', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    for (const [i, t] of Object.values(TREES).entries()) makeTree(join(tmp.path, `t${i}`), t);
  });
  afterAll(() => tmp.remove());
  const root = (name: string) => join(tmp.path, `t${Object.keys(TREES).indexOf(name)}`);

  it('makes the choices DIB documents', () => {
    const k = (name: string) => select(kilnLib, root(name), TREES[name]!.env);
    expect(k('debian: two flavours, several versions').result).toContain('KERNEL=vmlinuz-6.12.41+deb13-cloud-amd64 RAMDISK=initrd.img-6.12.41+deb13-cloud-amd64');
    expect(k('ubuntu: the generic kernel, not its .efi.signed twin').result).toContain('KERNEL=vmlinuz-6.8.0-40-generic RAMDISK=initrd.img-6.8.0-40-generic');
    expect(k('ubuntu with dib-signed-kernel-version: the signed kernel').result).toContain('KERNEL=vmlinuz-6.8.0-40-generic.efi.signed RAMDISK=initrd.img-6.8.0-40-generic');
    expect(k('red hat: no debug kernel, no kdump or rescue initramfs').result).toContain(
      'KERNEL=vmlinuz-5.14.0-427.13.1.el9_4.x86_64 RAMDISK=initramfs-5.14.0-427.13.1.el9_4.x86_64.img',
    );
    expect(k('red hat: a PAE kernel first').result).toContain('KERNEL=vmlinuz-2.6.32-696.el6.i686.PAE ');
    expect(k('red hat: the initramfs of the kernel is missing').ok).toBe(false);
    expect(k('suse: what the links point to').result).toContain('KERNEL=vmlinuz-4.4.76-1-default RAMDISK=initrd-4.4.76-1-default');
    expect(k('patterns win over the distribution').result).toContain('KERNEL=vmlinuz-6.1.0-18-rt-amd64 RAMDISK=initrd.img-6.1.0-18-rt-amd64');
    expect(k('an unknown operating system').ok).toBe(false);
    // callers copy "$BOOTDIR/$KERNEL" (DIB's baremetal), so BOOTDIR and TARGET_ROOT are set
    expect(k('gentoo').result).toContain(`BOOTDIR=${root('gentoo')}/boot TARGET_ROOT=${root('gentoo')}`);
  });

  it('is sourceable alone in a chroot-like place: no $_LIB, no other library file, nothing else on stdout', () => {
    const alone = join(tmp.path, 'alone');
    mkdirSync(alone);
    copyFileSync(join(kilnLib, 'img-functions'), join(alone, 'img-functions'));
    const r = spawnSync(
      'bash',
      ['-c', 'set -eu\nset -o pipefail\nsource "$LIB/img-functions"\nselect_boot_kernel_initrd "$ROOT"\necho "${KERNEL}:${RAMDISK}"'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, LIB: alone, ROOT: root('ubuntu: the generic kernel, not its .efi.signed twin') } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('vmlinuz-6.8.0-40-generic:initrd.img-6.8.0-40-generic\n');
  });

  describe.each(oracles.map((o) => [o.version, o] as const))('agrees with DIB %s', (_v, o) => {
    it.each(Object.keys(TREES))('%s', (name) => {
      const env = TREES[name]!.env;
      const mine = select(kilnLib, root(name), env);
      const theirs = select(o.libDir, root(name), env);
      expect({ ok: mine.ok, result: mine.result }).toEqual({ ok: theirs.ok, result: theirs.result });
    });
  });
});

describe('finish_image and DIB_CHECKSUM', () => {
  const FORMS = ['', '0', '1', 'md5', 'sha256', 'md5,sha256', 'sha256,md5'];

  /** finish_image of LIB's common-functions; the checksum files it left. */
  function finish(lib: string, dir: string, form: string): string[] {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'out.raw-new'), 'image bytes\n');
    const r = spawnSync('bash', ['-c', 'set -eu\n_LIB=$LIB\nsource "$_LIB/common-functions"\ncd "$DIR"\nOUT_IMAGE_PATH=out.raw-new finish_image out.raw'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, LIB: lib, DIR: dir, DIB_CHECKSUM: form },
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    return readdirSync(dir)
      .filter((f) => f !== 'out.raw')
      .sort()
      .map((f) => `${f}: ${readFileSync(join(dir, f), 'utf8').trim()}`);
  }

  it('writes the sums DIB writes for each form', () => {
    const tmp = tempDir();
    try {
      const sum = (alg: string) => `${createHash(alg).update('image bytes\n').digest('hex')}  out.raw`;
      expect(finish(kilnLib, join(tmp.path, 'kiln-1'), '1')).toEqual([`out.raw.md5: ${sum('md5')}`, `out.raw.sha256: ${sum('sha256')}`]);
      expect(finish(kilnLib, join(tmp.path, 'kiln-sha'), 'sha256').map((l) => l.split(':')[0])).toEqual(['out.raw.sha256']);
      for (const o of oracles) {
        for (const [i, form] of FORMS.entries()) {
          // 3.13 knew only "1"; today's DIB reads the others too
          if (o.version === '3.13.0' && !['', '0', '1'].includes(form)) continue;
          expect(finish(kilnLib, join(tmp.path, `k${o.version}-${i}`), form), `DIB ${o.version} DIB_CHECKSUM=${form}`).toEqual(
            finish(o.libDir, join(tmp.path, `d${o.version}-${i}`), form),
          );
        }
      }
    } finally {
      tmp.remove();
    }
  });
});

describe.skipIf(missing.length === 0)('oracles', () => {
  it('reports what is missing', () => {
    console.log(`DIB oracles missing: ${missing.join('; ')}`);
    expect(existsSync(kilnLib)).toBe(true);
  });
});
