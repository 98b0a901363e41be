// The bad-input campaign as data: each case is what a new user or a CI pipeline might type,
// the exit status kiln must give, and the words that must name the culprit. Setups build
// their element trees and files in the case's own directories (harness.ts). docs/reliability.md
// is written from this list (campaign.test.ts, KILN_WRITE_RELIABILITY_DOC=1).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { caseUser, tinyElements, type CaseDirs } from './harness.js';

export type Area =
  | 'options'
  | 'elements'
  | 'hooks'
  | 'package-installs'
  | 'block-device'
  | 'envvar'
  | 'sizes'
  | 'formats'
  | 'paths'
  | 'drives'
  | 'host'
  | 'accel'
  | 'memory'
  | 'cpus'
  | 'boot'
  | 'get-kernel'
  | 'cache';

export interface Case {
  id: string;
  area: Area;
  /** The table's first column: the bad input, in a user's words. */
  what: string;
  args: (d: CaseDirs) => string[];
  env?: (d: CaseDirs) => Record<string, string>;
  setup?: (d: CaseDirs) => void;
  /** Run as an unprivileged user when the tests run as root (file permissions must bite). */
  asUser?: boolean;
  /** Starts QEMU (the few cases that fail, or pass, only once a VM runs). */
  vm?: boolean;
  status: number;
  /** Must appear in kiln's stderr: the message that names the culprit. */
  message: RegExp;
  /** Run only where this holds (e.g. the case user cannot open /dev/kvm); otherwise skipped. */
  onlyIf?: () => boolean;
  /** Undo what setup did outside the case's files (a mount), after the checks. */
  teardown?: (d: CaseDirs) => void;
  /** Files the case may leave in its directory: the lock and lineage files beside a --drive stay, as the cache's helper.qcow2.lock does. */
  mayLeave?: RegExp;
  /** The case passes with a warning rather than failing: `message` is that warning. */
  warning?: boolean;
  timeoutMs?: number;
}

/** 0 ok, 1 failed, 2 usage (cli.ts). */
const FAIL = 1;
const USAGE = 2;

type FileSpec = string | { text: string; mode: number } | { link: string } | { dir: true };

/** An element directory under the case's element path; files in *.d/ are executable unless given a mode. */
export function element(d: CaseDirs, name: string, files: Record<string, FileSpec> = {}): string {
  const dir = join(d.elements, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'README.rst'), `${name}: a campaign fixture\n`);
  for (const [rel, spec] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof spec === 'object' && 'link' in spec) symlinkSync(spec.link, path);
    else if (typeof spec === 'object' && 'dir' in spec) mkdirSync(path, { recursive: true });
    else {
      const text = typeof spec === 'string' ? spec : spec.text;
      const mode = typeof spec === 'string' ? (/\.d\//.test(rel) && !rel.startsWith('environment.d') ? 0o755 : 0o644) : spec.mode;
      writeFileSync(path, text);
      chmodSync(path, mode);
    }
  }
  return dir;
}

const sh = (body: string) => `#!/bin/bash\nset -eu\n${body}\n`;
const img = (d: CaseDirs) => join(d.out, 'img');

/** `kiln build` of the tiny OS from the case's elements and the tiny fixtures, with `extra` before the elements. */
const build = (d: CaseDirs, extra: string[] = [], elements: string[] = ['tiny-os']) => ['build', '-n', '-p', d.elements, '-p', tinyElements, '-o', img(d), ...extra, ...elements];

/** A PATH holding every program of /usr/bin and /bin but those named. */
function pathWithout(d: CaseDirs, ...drop: string[]): string {
  const dir = join(d.root, 'bin');
  mkdirSync(dir, { recursive: true });
  for (const from of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue;
    }
    for (const n of names) {
      if (drop.some((x) => n === x || (x.endsWith('*') && n.startsWith(x.slice(0, -1))))) continue;
      try {
        symlinkSync(join(from, n), join(dir, n));
      } catch {
        // an earlier directory had it
      }
    }
  }
  return dir;
}

/** A qcow2 whose header is cut short: qemu-img and QEMU refuse it. */
function truncatedQcow2(path: string): void {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '64M']);
  execFileSync('truncate', ['-s', '100', path]);
}

/** A blank raw disk: no partition table, no file system, nothing to boot. */
function blankDisk(path: string, size = '16M'): void {
  execFileSync('truncate', ['-s', size, path]);
}

/** Whether the user the unprivileged cases run as cannot open /dev/kvm (true on CI, where tests run as root). */
function userLacksKvm(): boolean {
  const who = caseUser?.name;
  const probe = ['sh', '-c', 'test -r /dev/kvm -a -w /dev/kvm'];
  try {
    execFileSync(who ? 'runuser' : probe[0]!, who ? ['-u', who, '--', ...probe] : probe.slice(1), { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

const BLOCK_MBR = `- local_loop:
    name: image0
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: root
        flags: [boot, primary]
        size: 100%
        mkfs:
          type: ext4
          mount:
            mount_point: /
`;

export const cases: Case[] = [
  // ---------------------------------------------------------------- options (usage errors: 2)
  { id: 'unknown-option', area: 'options', what: 'an unknown option (--bogus)', args: (d) => build(d, ['--bogus']), status: USAGE, message: /unknown option '--bogus'/ },
  { id: 'unknown-command', area: 'options', what: 'an unknown command (kiln frobnicate)', args: () => ['frobnicate'], status: USAGE, message: /unknown command 'frobnicate'/ },
  { id: 'no-elements', area: 'options', what: 'kiln build without elements', args: (d) => ['build', '-o', img(d)], status: USAGE, message: /no elements given/ },
  { id: 'no-name', area: 'options', what: 'kiln build without -o', args: () => ['build', 'tiny-os'], status: USAGE, message: /-o\/--name is required/ },
  { id: 'option-missing-value', area: 'options', what: '-o with no value', args: () => ['build', 'tiny-os', '-o'], status: USAGE, message: /option '-o, --name <NAME>' argument missing/ },
  { id: 'arch', area: 'options', what: '--arch sparc', args: (d) => build(d, ['--arch', 'sparc']), status: USAGE, message: /--arch sparc/ },
  { id: 'fs-type', area: 'options', what: '--fs-type zfs', args: (d) => build(d, ['--fs-type', 'zfs']), status: USAGE, message: /--fs-type zfs/ },
  { id: 'debug-level', area: 'options', what: '--debug abc', args: (d) => build(d, ['--debug', 'abc']), status: USAGE, message: /--debug abc/ },
  { id: 'source-date-epoch', area: 'options', what: '--source-date-epoch yesterday', args: (d) => build(d, ['--source-date-epoch', 'yesterday']), status: USAGE, message: /--source-date-epoch yesterday: not a number/ },
  { id: 'source-date-epoch-env', area: 'options', what: 'SOURCE_DATE_EPOCH=abc in the environment', args: (d) => build(d), env: () => ({ SOURCE_DATE_EPOCH: 'abc' }), status: USAGE, message: /SOURCE_DATE_EPOCH abc/ },
  { id: 'break-word', area: 'options', what: '--break bogus', args: (d) => build(d, ['--break', 'bogus']), status: USAGE, message: /--break bogus: not a break point/ },
  { id: 'break-phase', area: 'options', what: '--break before-nothing', args: (d) => build(d, ['--break', 'before-nothing']), status: USAGE, message: /--break before-nothing: not a break point/ },
  { id: 'break-env', area: 'options', what: 'break=bogus in the environment', args: (d) => build(d), env: () => ({ break: 'bogus' }), status: USAGE, message: /break=bogus \(in the environment\): not a break point/ },
  { id: 'docker-target', area: 'options', what: "-t docker --docker-target 'Bad Tag!'", args: (d) => build(d, ['-t', 'docker', '--docker-target', 'Bad Tag!']), status: USAGE, message: /docker target "Bad Tag!"/ },
  { id: 'dib-lib', area: 'options', what: '-B /nonexistent (no DIB lib there)', args: (d) => build(d, ['-B', '/nonexistent']), status: USAGE, message: /-B\/--dib-lib \/nonexistent/ },
  { id: 'install-type', area: 'options', what: '--install-type bogus', args: (d) => build(d, ['--install-type', 'bogus']), status: USAGE, message: /--install-type bogus/ },
  { id: 'root-label-long', area: 'options', what: '--root-label longer than ext4 allows', args: (d) => build(d, ['--root-label', 'a-label-far-too-long-for-ext4'], ['tiny-os', 'vm-layout']), setup: (d) => void element(d, 'vm-layout', { 'block-device-default.yaml': BLOCK_MBR }), status: USAGE, message: /a-label-far-too-long-for-ext4.*too long for ext4/ },
  { id: 'root-label-space', area: 'options', what: "--root-label 'a b'", args: (d) => build(d, ['--root-label', 'a b'], ['tiny-os', 'vm-layout']), setup: (d) => void element(d, 'vm-layout', { 'block-device-default.yaml': BLOCK_MBR }), status: USAGE, message: /"a b" must be non-empty and without whitespace/ },
  { id: 'logfile-missing-dir', area: 'options', what: '--logfile in a missing directory', args: (d) => build(d, ['--logfile', join(d.root, 'nodir', 'build.log')]), status: USAGE, message: /--logfile \S+\/nodir\/build\.log: cannot write it \(ENOENT\)/ },
  { id: 'logfile-dir', area: 'options', what: '--logfile pointing at a directory', args: (d) => build(d, ['--logfile', d.home]), status: USAGE, message: /--logfile \S+\/home: cannot write it \(EISDIR\)/ },
  {
    id: 'logfile-unwritable',
    area: 'options',
    what: '--logfile in a directory the user cannot write',
    setup: (d) => mkdirSync(join(d.root, 'ro'), { mode: 0o555 }),
    args: (d) => build(d, ['--logfile', join(d.root, 'ro', 'build.log')]),
    asUser: true,
    status: USAGE,
    message: /--logfile \S+\/ro\/build\.log: cannot write it \(EACCES\)/,
  },
  { id: 'exclude-script', area: 'options', what: '--exclude-script nosuch', args: (d) => build(d, ['--exclude-script', 'nosuch']), status: FAIL, message: /--exclude-script nosuch: no element in the set has a hook of that name/ },
  { id: 'dib-unknown-option', area: 'options', what: 'kiln dib --bogus', args: () => ['dib', '--bogus', 'tiny-os'], status: USAGE, message: /unknown option '--bogus'/ },
  { id: 'dib-missing-element', area: 'options', what: 'kiln dib -o NAME nosuch', args: (d) => ['dib', '-o', img(d), 'nosuch'], status: FAIL, message: /element 'nosuch' not found/ },
  { id: 'dib-journal-size', area: 'options', what: 'kiln dib --mkfs-journal-size 64M (DIB takes MiB, a whole number)', args: (d) => ['dib', '--mkfs-journal-size', '64M', '-o', img(d), 'tiny-os'], status: USAGE, message: /--mkfs-journal-size 64M: give a whole number above zero/ },
  { id: 'image-file-key', area: 'options', what: 'kiln build --file with a key DIB\'s image file has not', setup: (d) => writeFileSync(join(d.root, 'images.yaml'), '- imagename: x\n  element: [tiny-os]\n'), args: (d) => ['build', '--file', join(d.root, 'images.yaml')], status: USAGE, message: /images\.yaml: image 1: "element" is not one of DIB's image keys/ },
  { id: 'appliance-unknown', area: 'options', what: 'kiln appliance frobnicate', args: () => ['appliance', 'frobnicate'], status: USAGE, message: /unknown command 'frobnicate'/ },
  { id: 'shell-boot-timeout', area: 'options', what: 'kiln shell --boot-timeout soon', args: () => ['shell', '--boot-timeout', 'soon', '--', 'true'], status: USAGE, message: /--boot-timeout \(KILN_BOOT_TIMEOUT\) must be a positive number, not "soon"/ },
  { id: 'element-info-modes', area: 'options', what: 'kiln element-info -d -e (two modes)', args: () => ['element-info', '-d', '-e', 'tiny-os'], status: USAGE, message: /choose one of --expand-dependencies, --env and --scripts/ },

  // ---------------------------------------------------------------- formats
  { id: 'format-empty', area: 'formats', what: "-t ''", args: (d) => build(d, ['-t', '']), status: USAGE, message: /-t\/--formats is empty/ },
  { id: 'format-commas', area: 'formats', what: '-t ,,', args: (d) => build(d, ['-t', ',,']), status: USAGE, message: /-t\/--formats is empty/ },
  { id: 'format-unknown', area: 'formats', what: '-t bogus', args: (d) => build(d, ['-t', 'bogus']), status: USAGE, message: /unknown image type "bogus"/ },
  { id: 'format-one-unknown', area: 'formats', what: '-t qcow2,iso9660', args: (d) => build(d, ['-t', 'qcow2,iso9660']), status: USAGE, message: /unknown image type "iso9660"/ },
  { id: 'format-case', area: 'formats', what: '-t QCOW2 (capitals)', args: (d) => build(d, ['-t', 'QCOW2']), status: USAGE, message: /unknown image type "QCOW2"/ },
  {
    id: 'format-tool-missing',
    area: 'formats',
    what: '-t squashfs with neither tar2sqfs nor sqfstar on PATH',
    args: (d) => build(d, ['-t', 'squashfs']),
    env: (d) => ({ PATH: pathWithout(d, 'tar2sqfs', 'sqfstar') }),
    status: FAIL,
    message: /cannot write squashfs output: neither tar2sqfs \(Debian package squashfs-tools-ng\) nor sqfstar/,
  },
  { id: 'qemu-img-options', area: 'formats', what: '--qemu-img-options bogus=1', args: (d) => build(d, ['--qemu-img-options', 'bogus=1']), status: USAGE, message: /--qemu-img-options bogus=1: qemu-img refuses them for qcow2 \(Invalid parameter 'bogus'\)/ },
  { id: 'qemu-img-options-vmdk', area: 'formats', what: "-t vmdk --qemu-img-options subformat=nonsense", args: (d) => build(d, ['-t', 'vmdk', '--qemu-img-options', 'subformat=nonsense']), status: USAGE, message: /--qemu-img-options subformat=nonsense: qemu-img refuses them for vmdk/ },

  // ---------------------------------------------------------------- sizes
  { id: 'size-zero', area: 'sizes', what: '--size 0', args: (d) => build(d, ['--size', '0']), status: USAGE, message: /--size 0: an image needs a size above zero/ },
  { id: 'size-negative', area: 'sizes', what: '--size=-4G', args: (d) => build(d, ['--size=-4G']), status: USAGE, message: /--size -4G: not a size/ },
  { id: 'size-word', area: 'sizes', what: '--size big', args: (d) => build(d, ['--size', 'big']), status: USAGE, message: /--size big: not a size/ },
  { id: 'size-unit', area: 'sizes', what: '--size 4X', args: (d) => build(d, ['--size', '4X']), status: USAGE, message: /--size 4X: not a size/ },
  { id: 'size-empty', area: 'sizes', what: "--size ''", args: (d) => build(d, ['--size', '']), status: USAGE, message: /--size .*(not a size|above zero)/ },
  { id: 'size-extra', area: 'sizes', what: '--image-extra-size lots', args: (d) => build(d, ['--image-extra-size', 'lots']), status: USAGE, message: /--image-extra-size lots: not a size/ },
  { id: 'size-huge', area: 'sizes', what: '--size 5000T (beyond what the file system can hold)', args: (d) => build(d, ['--size', '5000T']), status: USAGE, message: /--size 5000T: the file system of \S+ cannot hold a file that large/ },
  { id: 'size-below-layout', area: 'sizes', what: '--size 1M with an MBR layout that needs more', args: (d) => build(d, ['--size', '1M'], ['tiny-os', 'vm-layout']), setup: (d) => void element(d, 'vm-layout', { 'block-device-default.yaml': BLOCK_MBR }), status: USAGE, message: /node "root", field "size": gets no space: the 1048576-byte disk has none left for it/ },

  {
    id: 'size-below-journal',
    area: 'sizes',
    what: "--size 64M: too small for ext4's 64 MiB journal, named as the --size",
    args: (d) => build(d, ['--size', '64M', '--accel', 'tcg'], ['tiny-os']),
    vm: true,
    status: FAIL,
    message: /making filesystems: the 64 MiB image \(--size 64M\) is too small for its file systems \(mkfs: .*journal size too big/i,
    timeoutMs: 180_000,
  },
  {
    id: 'size-tree-too-big',
    area: 'sizes',
    what: '--size 160M for a 120 MB tree: the copy into the image fails, named with both sizes',
    args: (d) => build(d, ['--size', '160M', '--accel', 'tcg', '--envvar', 'KILN_SLOW_BULK_SECONDS=0', '--envvar', 'KILN_SLOW_BULK_MB=120'], ['tiny-os', 'slow-bulk']),
    vm: true,
    status: FAIL,
    message: /copying the tree into the image: a 12\d MiB tree does not fit the 160 MiB image \(--size 160M\)[\s\S]*give a larger --size/,
    timeoutMs: 180_000,
  },

  // ---------------------------------------------------------------- memory and CPUs
  { id: 'memsize-zero', area: 'memory', what: '--memsize 0', args: (d) => build(d, ['--memsize', '0']), status: USAGE, message: /--memsize 0: give whole MiB from 256/ },
  { id: 'memsize-word', area: 'memory', what: '--memsize abc', args: (d) => build(d, ['--memsize', 'abc']), status: USAGE, message: /--memsize abc/ },
  { id: 'memsize-small', area: 'memory', what: '--memsize 64 (too little for the appliance)', args: (d) => build(d, ['--memsize', '64']), status: USAGE, message: /--memsize 64: give whole MiB from 256/ },
  { id: 'memsize-huge', area: 'memory', what: '--memsize 99999999 (more than the host has)', args: (d) => build(d, ['--memsize', '99999999']), status: USAGE, message: /--memsize 99999999: give whole MiB from 256 to \d+ \(this host's memory\)/ },
  { id: 'memsize-fraction', area: 'memory', what: '--memsize 1536.5', args: (d) => build(d, ['--memsize', '1536.5']), status: USAGE, message: /--memsize 1536\.5: give whole MiB/ },
  { id: 'memsize-shell', area: 'memory', what: 'kiln shell --memsize 0', args: () => ['shell', '--memsize', '0', '--', 'true'], status: USAGE, message: /--memsize 0: give whole MiB/ },
  { id: 'memsize-boot', area: 'memory', what: 'kiln boot --memsize abc', args: (d) => ['boot', '--memsize', 'abc', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--memsize abc/ },
  { id: 'smp-zero', area: 'cpus', what: '--smp 0', args: (d) => build(d, ['--smp', '0']), status: USAGE, message: /--smp 0: give a whole number of vCPUs from 1/ },
  { id: 'smp-huge', area: 'cpus', what: '--smp 999', args: (d) => build(d, ['--smp', '999']), status: USAGE, message: /--smp 999: give a whole number of vCPUs from 1 to \d+/ },
  { id: 'smp-negative', area: 'cpus', what: '--smp=-1', args: (d) => build(d, ['--smp=-1']), status: USAGE, message: /--smp -1/ },
  { id: 'smp-word', area: 'cpus', what: '--smp two', args: (d) => build(d, ['--smp', 'two']), status: USAGE, message: /--smp two/ },
  { id: 'smp-shell', area: 'cpus', what: 'kiln shell --smp 1.5', args: () => ['shell', '--smp', '1.5', '--', 'true'], status: USAGE, message: /--smp 1\.5/ },

  // ---------------------------------------------------------------- accel
  { id: 'accel-word', area: 'accel', what: '--accel xen', args: (d) => build(d, ['--accel', 'xen']), status: USAGE, message: /--accel xen: must be auto, kvm or tcg/ },
  { id: 'accel-empty', area: 'accel', what: "kiln shell --accel ''", args: () => ['shell', '--accel', '', '--', 'true'], status: USAGE, message: /--accel : must be auto, kvm or tcg/ },
  { id: 'accel-boot', area: 'accel', what: 'kiln boot --accel hvf', args: (d) => ['boot', '--accel', 'hvf', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--accel hvf: must be auto, kvm or tcg/ },
  { id: 'accel-get-kernel', area: 'accel', what: 'kiln get-kernel --accel KVM (capitals)', args: (d) => ['get-kernel', '--accel', 'KVM', '-d', d.out, join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--accel KVM: must be auto, kvm or tcg/ },
  { id: 'accel-kvm-shell', area: 'accel', what: 'kiln shell --accel kvm by a user who cannot open /dev/kvm', args: () => ['shell', '--accel', 'kvm', '--', 'true'], asUser: true, onlyIf: userLacksKvm, status: USAGE, message: /--accel kvm: \/dev\/kvm is missing or not readable and writable by you/ },
  { id: 'accel-kvm-build', area: 'accel', what: 'kiln build --accel kvm by a user who cannot open /dev/kvm', args: (d) => build(d, ['--accel', 'kvm']), asUser: true, onlyIf: userLacksKvm, status: USAGE, message: /--accel kvm: \/dev\/kvm is missing or not readable and writable by you/ },
  { id: 'accel-kvm-boot', area: 'accel', what: 'kiln boot --accel kvm by a user who cannot open /dev/kvm', args: (d) => ['boot', '--accel', 'kvm', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), asUser: true, onlyIf: userLacksKvm, status: USAGE, message: /--accel kvm: \/dev\/kvm is missing or not readable and writable by you/ },

  // ---------------------------------------------------------------- envvar
  { id: 'envvar-digit', area: 'envvar', what: '--envvar 1BAD=x', args: (d) => build(d, ['--envvar', '1BAD=x']), status: USAGE, message: /--envvar 1BAD=x: "1BAD" is not a valid variable name/ },
  { id: 'envvar-empty-name', area: 'envvar', what: '--envvar =x', args: (d) => build(d, ['--envvar', '=x']), status: USAGE, message: /--envvar =x: "" is not a valid variable name/ },
  { id: 'envvar-space', area: 'envvar', what: "--envvar 'A B=1'", args: (d) => build(d, ['--envvar', 'A B=1']), status: USAGE, message: /--envvar A B=1: "A B" is not a valid variable name/ },
  { id: 'envvar-dash', area: 'envvar', what: '--envvar MY-VAR=1', args: (d) => build(d, ['--envvar', 'MY-VAR=1']), status: USAGE, message: /"MY-VAR" is not a valid variable name/ },
  { id: 'envvar-secret', area: 'envvar', what: '--envvar-secret 9X', args: (d) => build(d, ['--envvar-secret', '9X']), status: USAGE, message: /--envvar-secret 9X: "9X" is not a valid variable name/ },
  { id: 'envvar-empty', area: 'envvar', what: "--envvar ''", args: (d) => build(d, ['--envvar', '']), status: USAGE, message: /--envvar : "" is not a valid variable name/ },
  {
    id: 'envvar-unset',
    area: 'envvar',
    what: '--envvar NAME that the host does not set (warned, then the missing element stops the build)',
    args: (d) => build(d, ['--envvar', 'KILN_CAMPAIGN_UNSET'], ['tiny-os', 'nosuch']),
    status: FAIL,
    message: /warning: --envvar KILN_CAMPAIGN_UNSET: .*not set/,
  },
  {
    id: 'envvar-secret-unset',
    area: 'envvar',
    what: '--envvar-secret NAME that the host does not set (warned)',
    args: (d) => build(d, ['--envvar-secret', 'KILN_CAMPAIGN_TOKEN'], ['tiny-os', 'nosuch']),
    status: FAIL,
    message: /warning: --envvar-secret KILN_CAMPAIGN_TOKEN: .*not set/,
  },

  // ---------------------------------------------------------------- elements
  { id: 'element-missing', area: 'elements', what: 'an element that exists nowhere', args: (d) => build(d, [], ['tiny-os', 'nosuch']), status: FAIL, message: /element 'nosuch' not found/ },
  { id: 'element-typo', area: 'elements', what: 'a misspelt element (tiny-oss)', args: (d) => build(d, [], ['tiny-oss']), status: FAIL, message: /element 'tiny-oss' not found[\s\S]*tiny-os/ },
  { id: 'element-dep-missing', area: 'elements', what: 'element-deps names a missing element', setup: (d) => void element(d, 'needs-gone', { 'element-deps': 'gone-element\n' }), args: (d) => build(d, [], ['tiny-os', 'needs-gone']), status: FAIL, message: /gone-element.*not found|not found.*gone-element/ },
  {
    id: 'element-cycle',
    area: 'elements',
    what: 'element-deps in a cycle (a -> b -> a) and no OS element: the cycle is fine (as in DIB), the missing OS is named',
    setup: (d) => {
      element(d, 'cyc-a', { 'element-deps': 'cyc-b\n' });
      element(d, 'cyc-b', { 'element-deps': 'cyc-a\n' });
    },
    args: (d) => build(d, [], ['cyc-a']),
    status: FAIL,
    message: /operating-system/,
  },
  { id: 'element-self-dep', area: 'elements', what: 'an element that depends on itself, no OS element', setup: (d) => void element(d, 'selfish', { 'element-deps': 'selfish\n' }), args: (d) => build(d, [], ['selfish']), status: FAIL, message: /operating-system/ },
  { id: 'element-no-os', area: 'elements', what: 'no element provides operating-system', setup: (d) => void element(d, 'just-files'), args: (d) => build(d, [], ['just-files']), status: FAIL, message: /operating-system/ },
  { id: 'element-two-os', area: 'elements', what: 'two elements provide operating-system', setup: (d) => void element(d, 'other-os', { 'element-provides': 'operating-system\n' }), args: (d) => build(d, [], ['tiny-os', 'other-os']), status: FAIL, message: /operating-system[\s\S]*(tiny-os|other-os)/ },
  {
    id: 'element-provided-twice',
    area: 'elements',
    what: 'two elements provide the same virtual name',
    setup: (d) => {
      element(d, 'prov-one', { 'element-provides': 'a-service\n' });
      element(d, 'prov-two', { 'element-provides': 'a-service\n' });
    },
    args: (d) => build(d, [], ['tiny-os', 'prov-one', 'prov-two']),
    status: FAIL,
    message: /a-service[\s\S]*prov-(one|two)/,
  },
  { id: 'element-virtual-unprovided', area: 'elements', what: 'element-deps on a virtual name nobody provides', setup: (d) => void element(d, 'wants-virtual', { 'element-deps': 'a-virtual-thing\n' }), args: (d) => build(d, [], ['tiny-os', 'wants-virtual']), status: FAIL, message: /a-virtual-thing/ },
  { id: 'element-exclude-os', area: 'elements', what: '--exclude-element of the OS element', args: (d) => build(d, ['--exclude-element', 'tiny-os']), status: FAIL, message: /operating-system/ },
  { id: 'element-path-missing', area: 'elements', what: '-p a directory that does not exist', args: (d) => ['build', '-n', '-p', join(d.root, 'nowhere'), '-o', img(d), 'tiny-os'], status: FAIL, message: /element path entry \S+\/nowhere is not a directory \(ENOENT\)/ },
  {
    id: 'element-path-file',
    area: 'elements',
    what: '-p a file',
    setup: (d) => writeFileSync(join(d.root, 'a-file'), 'x'),
    args: (d) => ['build', '-n', '-p', join(d.root, 'a-file'), '-o', img(d), 'tiny-os'],
    status: FAIL,
    message: /element path entry \S+\/a-file is not a directory/,
  },
  { id: 'element-path-env', area: 'elements', what: 'ELEMENTS_PATH naming a missing directory', args: (d) => ['build', '-n', '-o', img(d), 'tiny-os'], env: (d) => ({ ELEMENTS_PATH: join(d.root, 'gone') }), status: FAIL, message: /element path entry \S+\/gone is not a directory/ },
  {
    id: 'element-path-loop',
    area: 'elements',
    what: '-p a symlink that points at itself (ELOOP)',
    setup: (d) => symlinkSync(join(d.root, 'loop'), join(d.root, 'loop')),
    args: (d) => ['build', '-n', '-p', join(d.root, 'loop'), '-o', img(d), 'tiny-os'],
    status: FAIL,
    message: /element path entry \S+\/loop is not a directory \(ELOOP\)/,
  },
  {
    id: 'element-link-loop',
    area: 'elements',
    what: 'an element that is a symlink loop on the element path',
    setup: (d) => symlinkSync(join(d.elements, 'looped'), join(d.elements, 'looped')),
    args: (d) => build(d, [], ['tiny-os', 'looped']),
    status: FAIL,
    message: /looped/,
  },
  {
    id: 'element-hook-loop',
    area: 'elements',
    what: 'a hook that is a symlink loop (install.d/50-loop -> itself): warned, not run (the failing extra-data.d then stops the build)',
    setup: (d) => void element(d, 'hook-loop', { 'install.d/50-loop': { link: '50-loop' }, 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'hook-loop']),
    status: FAIL,
    message: /warning: element hook-loop: install\.d\/50-loop will not run: it is not a regular file \(a dangling symlink, or a link loop\)/,
    warning: true,
  },
  {
    id: 'element-file-loop',
    area: 'elements',
    what: "a data file in an element that is a symlink loop: staged as the link it is, as DIB's cp -a does (the failing extra-data.d then stops the build)",
    setup: (d) => void element(d, 'data-loop', { 'static/etc/x': { link: 'x' }, 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'data-loop']),
    status: FAIL,
    message: /element data-loop: extra-data\.d\/99-stop exited with status 9/,
  },
  {
    id: 'element-unreadable',
    area: 'elements',
    what: 'an element directory the user cannot read',
    setup: (d) => chmodSync(element(d, 'locked-away', { 'install.d/10-x': sh('true') }), 0o000),
    args: (d) => build(d, [], ['tiny-os', 'locked-away']),
    asUser: true,
    status: FAIL,
    message: /locked-away/,
  },
  {
    id: 'element-deps-unreadable',
    area: 'elements',
    what: 'an element-deps file the user cannot read',
    setup: (d) => chmodSync(join(element(d, 'secret-deps', { 'element-deps': 'tiny-os\n' }), 'element-deps'), 0o000),
    args: (d) => build(d, [], ['secret-deps']),
    asUser: true,
    status: FAIL,
    message: /secret-deps[\s\S]*element-deps/,
  },
  {
    id: 'element-deps-dir',
    area: 'elements',
    what: 'element-deps is a directory',
    setup: (d) => void element(d, 'deps-dir', { 'element-deps': { dir: true } }),
    args: (d) => build(d, [], ['tiny-os', 'deps-dir']),
    status: FAIL,
    message: /deps-dir[\s\S]*element-deps/,
  },
  {
    id: 'element-deps-binary',
    area: 'elements',
    what: 'element-deps holding binary garbage',
    setup: (d) => void element(d, 'garbled', { 'element-deps': { text: '\u0000\u0001\u00ff binary\n', mode: 0o644 } }),
    args: (d) => build(d, [], ['tiny-os', 'garbled']),
    status: FAIL,
    message: /garbled|binary/,
  },
  {
    id: 'element-duplicate-hook',
    area: 'elements',
    what: 'the same hook (install.d/50-same) in two elements',
    setup: (d) => {
      element(d, 'dup-one', { 'install.d/50-same': sh('true') });
      element(d, 'dup-two', { 'install.d/50-same': sh('true') });
    },
    args: (d) => build(d, [], ['tiny-os', 'dup-one', 'dup-two']),
    status: FAIL,
    message: /install\.d\/50-same is in two elements: dup-one .* and dup-two/,
  },
  {
    id: 'element-two-block-configs',
    area: 'elements',
    what: 'two elements each carrying a block-device-default.yaml',
    setup: (d) => {
      element(d, 'layout-one', { 'block-device-default.yaml': BLOCK_MBR });
      element(d, 'layout-two', { 'block-device-default.yaml': BLOCK_MBR });
    },
    args: (d) => build(d, [], ['tiny-os', 'layout-one', 'layout-two']),
    status: FAIL,
    message: /two elements carry a block-device config for amd64/,
  },
  { id: 'ramdisk-element-missing', area: 'elements', what: '--ramdisk-element nosuch', args: (d) => build(d, ['--ramdisk-element', 'nosuch-ramdisk']), status: FAIL, message: /nosuch-ramdisk/ },
  { id: 'element-info-missing', area: 'elements', what: 'kiln element-info nosuch', args: () => ['element-info', 'nosuch'], status: FAIL, message: /element 'nosuch' not found/ },
  { id: 'element-info-path', area: 'elements', what: 'kiln element-info -p /nonexistent', args: () => ['element-info', '-p', '/nonexistent'], status: FAIL, message: /element path entry \/nonexistent is not a directory/ },

  // ---------------------------------------------------------------- hooks
  {
    id: 'hook-fails-host',
    area: 'hooks',
    what: 'an extra-data.d script that exits 3 (runs on the host)',
    setup: (d) => void element(d, 'bad-extra', { 'extra-data.d/50-fail': sh('echo "extra-data about to fail" >&2\nexit 3') }),
    args: (d) => build(d, [], ['tiny-os', 'bad-extra']),
    status: FAIL,
    message: /element bad-extra: extra-data\.d\/50-fail exited with status 3[\s\S]*extra-data about to fail/,
  },
  {
    id: 'hook-killed-host',
    area: 'hooks',
    what: 'an extra-data.d script killed by a signal',
    setup: (d) => void element(d, 'killed-extra', { 'extra-data.d/50-die': sh('kill -KILL $$') }),
    args: (d) => build(d, [], ['tiny-os', 'killed-extra']),
    status: FAIL,
    message: /element killed-extra: extra-data\.d\/50-die (was killed by SIGKILL|exited with status 137)/,
  },
  {
    id: 'hook-syntax-error',
    area: 'hooks',
    what: 'an extra-data.d script with a bash syntax error',
    setup: (d) => void element(d, 'syntax-extra', { 'extra-data.d/50-syntax': '#!/bin/bash\nif then fi\n' }),
    args: (d) => build(d, [], ['tiny-os', 'syntax-extra']),
    status: FAIL,
    message: /element syntax-extra: extra-data\.d\/50-syntax exited with status 2[\s\S]*syntax error/,
  },
  {
    id: 'hook-bad-interpreter',
    area: 'hooks',
    what: 'an extra-data.d script whose #! interpreter does not exist',
    setup: (d) => void element(d, 'shebang-extra', { 'extra-data.d/50-shebang': '#!/no/such/interpreter\ntrue\n' }),
    args: (d) => build(d, [], ['tiny-os', 'shebang-extra']),
    status: FAIL,
    message: /element shebang-extra: extra-data\.d\/50-shebang exited with status 12[67][\s\S]*(\/no\/such\/interpreter|required file not found)/,
  },
  {
    id: 'hook-environment-syntax',
    area: 'hooks',
    what: 'an environment.d file with a syntax error (sourced before extra-data.d)',
    setup: (d) => void element(d, 'env-syntax', { 'environment.d/10-broken': 'export X=(\n', 'extra-data.d/50-ok': sh('true') }),
    args: (d) => build(d, [], ['tiny-os', 'env-syntax']),
    status: FAIL,
    message: /environment\.d\/10-broken: line 1: .*[\s\S]*kiln: sourcing environment\.d\/10-broken failed \(status \d+\): the script did not run/,
  },
  {
    id: 'hook-environment-exit',
    area: 'hooks',
    what: 'an environment.d file that exits non-zero',
    setup: (d) => void element(d, 'env-exit', { 'environment.d/10-exit': 'false\n', 'extra-data.d/50-ok': sh('true') }),
    args: (d) => build(d, [], ['tiny-os', 'env-exit']),
    status: FAIL,
    message: /element env-exit: extra-data\.d\/50-ok exited with status 1[\s\S]*kiln: sourcing environment\.d\/10-exit failed \(status 1\): the script did not run/,
  },
  {
    id: 'hook-unset-variable',
    area: 'hooks',
    what: 'an extra-data.d script that reads an unset variable under set -u',
    setup: (d) => void element(d, 'nounset-extra', { 'extra-data.d/50-nounset': sh('echo "$NOT_SET_ANYWHERE"') }),
    args: (d) => build(d, [], ['tiny-os', 'nounset-extra']),
    status: FAIL,
    message: /element nounset-extra: extra-data\.d\/50-nounset exited with status 1[\s\S]*NOT_SET_ANYWHERE: unbound variable/,
  },
  {
    id: 'hook-skipped-name',
    area: 'hooks',
    what: 'a hook named 50-bad.sh (dib-run-parts skips names with a dot): warned (the failing extra-data.d then stops the build)',
    setup: (d) => void element(d, 'dotted', { 'install.d/50-bad.sh': sh('true'), 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'dotted']),
    status: FAIL,
    message: /warning: element dotted: install\.d\/50-bad\.sh will not run/,
    warning: true,
  },
  {
    id: 'hook-skipped-mode',
    area: 'hooks',
    what: 'a hook that is not executable: warned (the failing extra-data.d then stops the build)',
    setup: (d) => void element(d, 'noexec', { 'install.d/60-noexec': { text: sh('true'), mode: 0o644 }, 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'noexec']),
    status: FAIL,
    message: /warning: element noexec: install\.d\/60-noexec will not run: it is not executable/,
    warning: true,
  },
  {
    id: 'hook-skipped-dangling',
    area: 'hooks',
    what: 'a hook that is a dangling symlink: warned (the failing extra-data.d then stops the build)',
    setup: (d) => void element(d, 'dangling', { 'install.d/70-gone': { link: '/nonexistent/script' }, 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'dangling']),
    status: FAIL,
    message: /warning: element dangling: install\.d\/70-gone will not run: it is not a regular file/,
    warning: true,
  },
  {
    id: 'hook-data-file',
    area: 'hooks',
    what: 'a data file beside the hooks (install.d/dhcp.conf) with -x: a debug line, not a warning (the failing extra-data.d then stops the build)',
    setup: (d) => void element(d, 'with-data', { 'install.d/dhcp.conf': { text: 'x=1\n', mode: 0o644 }, 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, ['-x'], ['tiny-os', 'with-data']),
    status: FAIL,
    message: /debug: element with-data: install\.d\/dhcp\.conf will not run: dib-run-parts runs only names of letters, digits, - and _/,
    warning: true,
  },
  {
    id: 'hook-skipped-extra-data',
    area: 'hooks',
    what: 'an extra-data.d script named 50-fetch.sh: warned and not run on the host',
    setup: (d) => void element(d, 'dotted-extra', { 'extra-data.d/50-fetch.sh': sh('exit 1'), 'extra-data.d/99-stop': sh('exit 9') }),
    args: (d) => build(d, [], ['tiny-os', 'dotted-extra']),
    status: FAIL,
    message: /warning: element dotted-extra: extra-data\.d\/50-fetch\.sh will not run[\s\S]*extra-data\.d\/99-stop exited with status 9/,
    warning: true,
  },

  // ---------------------------------------------------------------- package-installs
  { id: 'pi-yaml', area: 'package-installs', what: 'package-installs.yaml that is not YAML', setup: (d) => void element(d, 'pi-broken', { 'package-installs.yaml': 'vim: [unclosed\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-broken']), status: FAIL, message: /element pi-broken: \S+package-installs\.yaml/ },
  { id: 'pi-list', area: 'package-installs', what: 'package-installs.yaml that is a list', setup: (d) => void element(d, 'pi-list', { 'package-installs.yaml': '- vim\n- curl\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-list']), status: FAIL, message: /element pi-list: \S+package-installs\.yaml: it must be a mapping of package names/ },
  { id: 'pi-scalar-params', area: 'package-installs', what: 'package-installs.yaml with parameters that are a list of strings', setup: (d) => void element(d, 'pi-params', { 'package-installs.yaml': 'vim:\n  - phase\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-params']), status: FAIL, message: /element pi-params: \S+package-installs\.yaml: the parameters of vim must be a mapping/ },
  { id: 'pi-arch-both', area: 'package-installs', what: 'package-installs.yaml with arch and not-arch', setup: (d) => void element(d, 'pi-arch', { 'package-installs.yaml': 'vim:\n  arch: amd64\n  not-arch: arm64\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-arch']), status: FAIL, message: /element pi-arch: \S+: arch and not-arch given for package vim/ },
  { id: 'pi-when', area: 'package-installs', what: 'package-installs.yaml with a malformed when:', setup: (d) => void element(d, 'pi-when', { 'package-installs.yaml': 'vim:\n  when: DIB_RELEASE\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-when']), status: FAIL, message: /element pi-when: \S+: malformed when: "DIB_RELEASE"/ },
  { id: 'pi-json', area: 'package-installs', what: 'package-installs.json that is neither JSON nor YAML', setup: (d) => void element(d, 'pi-json', { 'package-installs.json': '{"vim": [\n' }), args: (d) => build(d, [], ['tiny-os', 'pi-json']), status: FAIL, message: /element pi-json: \S+package-installs\.json/ },
  { id: 'pi-unreadable', area: 'package-installs', what: 'package-installs.yaml the user cannot read', setup: (d) => chmodSync(join(element(d, 'pi-locked', { 'package-installs.yaml': 'vim:\n' }), 'package-installs.yaml'), 0o000), args: (d) => build(d, [], ['tiny-os', 'pi-locked']), asUser: true, status: FAIL, message: /element pi-locked: cannot (read|stage) \S+package-installs\.yaml.*EACCES/ },
  { id: 'pkg-map-array', area: 'package-installs', what: 'pkg-map that is a JSON array', setup: (d) => void element(d, 'map-array', { 'pkg-map': '["vim"]\n' }), args: (d) => build(d, [], ['tiny-os', 'map-array']), status: FAIL, message: /element map-array: \S+pkg-map: a pkg-map must be a JSON object/ },
  { id: 'pkg-map-scope', area: 'package-installs', what: 'pkg-map whose distro section is a string', setup: (d) => void element(d, 'map-scope', { 'pkg-map': '{"distro": "debian"}\n' }), args: (d) => build(d, [], ['tiny-os', 'map-scope']), status: FAIL, message: /element map-scope: \S+pkg-map: distro must be an object/ },
  { id: 'pkg-map-garbage', area: 'package-installs', what: 'pkg-map that is not JSON', setup: (d) => void element(d, 'map-garbage', { 'pkg-map': '{ this is: [not json\n' }), args: (d) => build(d, [], ['tiny-os', 'map-garbage']), status: FAIL, message: /element map-garbage: \S+pkg-map/ },

  // ---------------------------------------------------------------- block-device YAML
  ...blockDeviceCases(),

  // ---------------------------------------------------------------- paths
  {
    id: 'out-unwritable',
    area: 'paths',
    what: 'the output directory is not writable',
    setup: (d) => chmodSync(d.out, 0o555),
    args: (d) => build(d),
    asUser: true,
    status: USAGE,
    message: /-o \S+\/img: cannot write into \S+\/out \(EACCES\)/,
  },
  {
    id: 'out-parent-file',
    area: 'paths',
    what: 'the output parent is a file (-o FILE/img)',
    setup: (d) => writeFileSync(join(d.out, 'plain-file'), 'user data\n'),
    args: (d) => ['build', '-n', '-p', tinyElements, '-o', join(d.out, 'plain-file', 'img'), 'tiny-os'],
    status: USAGE,
    message: /-o \S+\/plain-file\/img: \S+\/plain-file is a file, not a directory/,
  },
  {
    id: 'out-grandparent-file',
    area: 'paths',
    what: 'a file further up the output path (-o FILE/a/b/img)',
    setup: (d) => writeFileSync(join(d.out, 'plain-file'), 'user data\n'),
    args: (d) => ['build', '-n', '-p', tinyElements, '-o', join(d.out, 'plain-file', 'a', 'b', 'img'), 'tiny-os'],
    status: USAGE,
    message: /\S+\/plain-file is a file, not a directory/,
  },
  {
    id: 'out-image-is-dir',
    area: 'paths',
    what: 'NAME.qcow2 is a directory (holding a user file)',
    setup: (d) => {
      mkdirSync(join(d.out, 'img.qcow2'));
      writeFileSync(join(d.out, 'img.qcow2', 'keep-me'), 'user data\n');
    },
    args: (d) => build(d),
    status: USAGE,
    message: /-o \S+\/img: \S+\/img\.qcow2 is a directory; kiln would write the image there/,
  },
  {
    id: 'out-raw-is-dir',
    area: 'paths',
    what: '-t raw and NAME.raw is a directory',
    setup: (d) => mkdirSync(join(d.out, 'img.raw')),
    args: (d) => build(d, ['-t', 'raw']),
    status: USAGE,
    message: /\S+\/img\.raw is a directory/,
  },
  {
    id: 'out-checksum-is-dir',
    area: 'paths',
    what: '--checksum and NAME.qcow2.sha256 is a directory',
    setup: (d) => mkdirSync(join(d.out, 'img.qcow2.sha256')),
    args: (d) => build(d, ['--checksum']),
    status: USAGE,
    message: /\S+\/img\.qcow2\.sha256 is a directory/,
  },
  {
    id: 'out-dotd-is-file',
    area: 'paths',
    what: 'NAME.d is a file',
    setup: (d) => writeFileSync(join(d.out, 'img.d'), 'user data\n'),
    args: (d) => build(d),
    status: USAGE,
    message: /-o \S+\/img: \S+\/img\.d is a file; kiln writes NAME\.d\/ as a directory/,
  },
  {
    id: 'out-keeps-user-files',
    area: 'paths',
    what: "a failing build beside the user's NAME.qcow2, NAME.d/notes and other files: all left byte for byte",
    setup: (d) => {
      writeFileSync(join(d.out, 'img.qcow2'), 'the previous good image\n');
      mkdirSync(join(d.out, 'img.d'));
      writeFileSync(join(d.out, 'img.d', 'notes'), 'my notes\n');
      writeFileSync(join(d.out, 'other-file'), 'unrelated\n');
    },
    args: (d) => build(d, [], ['tiny-os', 'nosuch']),
    status: FAIL,
    message: /element 'nosuch' not found/,
  },
  {
    id: 'out-keeps-user-files-late',
    area: 'paths',
    what: "a build failing in install.d beside the user's NAME.qcow2, NAME.d/notes and other files: all left byte for byte",
    setup: (d) => {
      writeFileSync(join(d.out, 'img.qcow2'), 'the previous good image\n');
      mkdirSync(join(d.out, 'img.d'));
      writeFileSync(join(d.out, 'img.d', 'notes'), 'my notes\n');
      writeFileSync(join(d.out, 'other-file'), 'unrelated\n');
    },
    args: (d) => build(d, ['--accel', 'tcg'], ['tiny-os', 'failing-script']),
    vm: true,
    status: FAIL,
    message: /element failing-script: install\.d\/50-fail exited with status 3/,
  },
  {
    id: 'out-fs-full',
    area: 'paths',
    what: 'the output file system fills up during the build (a 100 MB tmpfs, a 150 MB tree): named within a minute, nothing left',
    onlyIf: () => process.getuid?.() === 0,
    setup: (d) => execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=100m,mode=0755', 'tmpfs', d.out]),
    teardown: (d) => execFileSync('umount', [d.out]),
    args: (d) => build(d, ['--accel', 'tcg', '--envvar', 'KILN_SLOW_BULK_SECONDS=0'], ['tiny-os', 'slow-bulk']),
    vm: true,
    status: FAIL,
    message: /the file system holding \S+\/out is full \(\d+ MiB free\)/,
    timeoutMs: 60_000,
  },
  {
    id: 'out-new-dirs',
    area: 'paths',
    what: '-o new1/new2/img with a missing element: the new directories go again',
    args: (d) => ['build', '-n', '-p', tinyElements, '-o', join(d.out, 'new1', 'new2', 'img'), 'tiny-os', 'nosuch'],
    status: FAIL,
    message: /element 'nosuch' not found/,
  },
  {
    id: 'out-dir-is-symlink-loop',
    area: 'paths',
    what: 'the output directory is a symlink loop',
    setup: (d) => symlinkSync(join(d.out, 'spin'), join(d.out, 'spin')),
    args: (d) => ['build', '-n', '-p', tinyElements, '-o', join(d.out, 'spin', 'img'), 'tiny-os'],
    status: USAGE,
    message: /\S+\/spin/,
  },
  { id: 'tmpdir-missing', area: 'paths', what: 'TMPDIR names a directory that does not exist', args: (d) => build(d), env: (d) => ({ TMPDIR: join(d.root, 'no-tmp') }), status: USAGE, message: /TMPDIR \S+\/no-tmp/ },
  {
    id: 'tmpdir-file',
    area: 'paths',
    what: 'TMPDIR is a file',
    setup: (d) => writeFileSync(join(d.root, 'tmp-file'), ''),
    args: (d) => build(d),
    env: (d) => ({ TMPDIR: join(d.root, 'tmp-file') }),
    status: USAGE,
    message: /TMPDIR \S+\/tmp-file/,
  },
  {
    id: 'tmpdir-unwritable',
    area: 'paths',
    what: 'TMPDIR is not writable',
    setup: (d) => mkdirSync(join(d.root, 'tmp-ro'), { mode: 0o555 }),
    args: (d) => build(d),
    env: (d) => ({ TMPDIR: join(d.root, 'tmp-ro') }),
    asUser: true,
    status: USAGE,
    message: /TMPDIR \S+\/tmp-ro/,
  },
  { id: 'tmpdir-shell', area: 'paths', what: 'kiln shell with a missing TMPDIR', args: () => ['shell', '--', 'true'], env: (d) => ({ TMPDIR: join(d.root, 'no-tmp') }), status: USAGE, message: /TMPDIR \S+\/no-tmp/ },
  {
    id: 'dib-block-config-file',
    area: 'paths',
    what: 'DIB_BLOCK_DEVICE_CONFIG=file:// naming a missing file',
    args: (d) => build(d, ['--envvar', `DIB_BLOCK_DEVICE_CONFIG=file://${join(d.root, 'absent.yaml')}`]),
    status: USAGE,
    message: /cannot read DIB_BLOCK_DEVICE_CONFIG file \S+\/absent\.yaml/,
  },

  // ---------------------------------------------------------------- drives
  { id: 'drive-dev-null', area: 'drives', what: '--drive /dev/null', args: (d) => build(d, ['--drive', '/dev/null']), status: USAGE, message: /--drive \/dev\/null: not a regular file/ },
  { id: 'drive-dir', area: 'drives', what: '--drive a directory', args: (d) => build(d, ['--drive', d.home]), status: USAGE, message: /--drive \S+\/home: not a regular file/ },
  {
    id: 'drive-unwritable-dir',
    area: 'drives',
    what: '--drive in a directory the user cannot write (no lock file possible)',
    setup: (d) => mkdirSync(join(d.root, 'ro'), { mode: 0o555 }),
    args: (d) => build(d, ['--drive', join(d.root, 'ro', 'helper.qcow2')]),
    asUser: true,
    status: USAGE,
    message: /--drive \S+\/ro\/helper\.qcow2: cannot write/,
  },
  {
    id: 'drive-unreadable',
    area: 'drives',
    what: '--drive a helper drive the user cannot read or write',
    setup: (d) => {
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(d.root, 'theirs.qcow2'), '1G']);
      chmodSync(join(d.root, 'theirs.qcow2'), 0o600);
    },
    args: (d) => build(d, ['--drive', join(d.root, 'theirs.qcow2')]),
    asUser: true,
    status: USAGE,
    message: /--drive \S+\/theirs\.qcow2: cannot (read|write)/,
  },
  {
    id: 'drive-truncated',
    area: 'drives',
    what: '--drive a damaged helper drive (qcow2 header cut short)',
    setup: (d) => truncatedQcow2(join(d.root, 'damaged.qcow2')),
    args: (d) => build(d, ['--drive', join(d.root, 'damaged.qcow2')]),
    status: FAIL,
    message: /the helper drive \S+\/damaged\.qcow2 cannot be used: qemu-img cannot read it as a qcow2 \(.*header too short\)[\s\S]*kiln cache clear/,
  },
  {
    id: 'drive-not-qcow2',
    area: 'drives',
    what: '--drive a text file',
    setup: (d) => writeFileSync(join(d.root, 'notes.txt'), 'not a disk\n'),
    args: (d) => build(d, ['--drive', join(d.root, 'notes.txt')]),
    status: FAIL,
    message: /the helper drive \S+\/notes\.txt cannot be used: qemu-img cannot read it as a qcow2[\s\S]*kiln cache clear/,
  },
  {
    id: 'drive-no-filesystem',
    area: 'drives',
    what: '--drive a qcow2 whose ext4 is damaged (its group descriptors zeroed)',
    setup: (d) => {
      // a real ext4 (blkid knows it, so kiln does not format it again), which mount refuses
      const raw = join(d.root, 'garbage.raw');
      execFileSync('truncate', ['-s', '64M', raw]);
      execFileSync('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', 'kiln-cache', raw]);
      execFileSync('dd', ['if=/dev/zero', `of=${raw}`, 'bs=4096', 'seek=1', 'count=4', 'conv=notrunc'], { stdio: 'ignore' });
      execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, join(d.root, 'garbage.qcow2')]);
      rmSync(raw);
    },
    args: (d) => build(d, ['--drive', join(d.root, 'garbage.qcow2'), '--accel', 'tcg']),
    mayLeave: /^garbage\.qcow2\.(lock|lineage)$/,
    vm: true,
    status: FAIL,
    message: /helper drive \S+\/garbage\.qcow2[\s\S]*kiln cache clear/,
    timeoutMs: 180_000,
  },

  // ---------------------------------------------------------------- host tools
  { id: 'no-qemu', area: 'host', what: 'no QEMU on PATH', args: (d) => build(d), env: (d) => ({ PATH: pathWithout(d, 'qemu-system-*') }), status: FAIL, message: /qemu-system-x86_64 is not installed; kiln needs it to boot the amd64 appliance/ },
  { id: 'no-qemu-img', area: 'host', what: 'no qemu-img on PATH', args: (d) => build(d), env: (d) => ({ PATH: pathWithout(d, 'qemu-img') }), status: FAIL, message: /qemu-img is not installed/ },
  { id: 'no-qemu-at-all', area: 'host', what: 'neither QEMU nor qemu-img on PATH: both named at once', args: (d) => build(d), env: (d) => ({ PATH: pathWithout(d, 'qemu-system-*', 'qemu-img') }), status: FAIL, message: /qemu-system-x86_64 is not installed[\s\S]*qemu-img is not installed/ },
  { id: 'no-flock', area: 'host', what: 'no flock on PATH', args: (d) => build(d), env: (d) => ({ PATH: pathWithout(d, 'flock') }), status: FAIL, message: /flock is not installed/ },
  { id: 'no-qemu-shell', area: 'host', what: 'kiln shell with no QEMU on PATH', args: () => ['shell', '--', 'true'], env: (d) => ({ PATH: pathWithout(d, 'qemu-system-*') }), status: FAIL, message: /qemu-system-x86_64 is not installed/ },
  { id: 'qemu-option-missing', area: 'host', what: 'kiln shell --qemu /nonexistent/qemu', args: () => ['shell', '--qemu', '/nonexistent/qemu', '--', 'true'], status: FAIL, message: /the QEMU binary \/nonexistent\/qemu does not exist/ },
  {
    id: 'qemu-not-executable',
    area: 'host',
    what: 'KILN_QEMU naming a file that is not a program',
    setup: (d) => writeFileSync(join(d.root, 'qemu-text'), 'not a program\n'),
    args: () => ['shell', '--', 'true'],
    env: (d) => ({ KILN_QEMU: join(d.root, 'qemu-text') }),
    status: FAIL,
    message: /\S+\/qemu-text/,
  },
  { id: 'no-qemu-boot', area: 'host', what: 'kiln boot with no QEMU on PATH', args: (d) => ['boot', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), env: (d) => ({ PATH: pathWithout(d, 'qemu-system-*') }), status: FAIL, message: /qemu-system-x86_64 is not installed/ },
  { id: 'no-qemu-img-get-kernel', area: 'host', what: 'kiln get-kernel with no qemu-img on PATH', args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), env: (d) => ({ PATH: pathWithout(d, 'qemu-img') }), status: FAIL, message: /qemu-img is not installed/ },

  // ---------------------------------------------------------------- kiln boot
  { id: 'boot-missing', area: 'boot', what: 'kiln boot of a file that does not exist', args: (d) => ['boot', join(d.root, 'absent.qcow2')], status: USAGE, message: /\S+\/absent\.qcow2: no such image/ },
  { id: 'boot-dir', area: 'boot', what: 'kiln boot of a directory', args: (d) => ['boot', d.home], status: USAGE, message: /\S+\/home: a directory, not an image file/ },
  { id: 'boot-empty', area: 'boot', what: 'kiln boot of an empty file', setup: (d) => writeFileSync(join(d.root, 'empty.raw'), ''), args: (d) => ['boot', join(d.root, 'empty.raw')], status: FAIL, message: /\S+\/empty\.raw.*(empty|0 bytes)/ },
  { id: 'boot-truncated', area: 'boot', what: 'kiln boot of a qcow2 cut short', setup: (d) => truncatedQcow2(join(d.root, 'cut.qcow2')), args: (d) => ['boot', join(d.root, 'cut.qcow2')], status: FAIL, message: /\S+\/cut\.qcow2/ },
  {
    id: 'boot-backing',
    area: 'boot',
    what: 'kiln boot of a qcow2 whose backing file is gone',
    setup: (d) => execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', join(d.root, 'gone-base.raw'), '-F', 'raw', join(d.root, 'overlay.qcow2'), '64M']),
    args: (d) => ['boot', join(d.root, 'overlay.qcow2')],
    status: FAIL,
    message: /\S+\/overlay\.qcow2[\s\S]*gone-base\.raw/,
  },
  {
    id: 'boot-unreadable',
    area: 'boot',
    what: 'kiln boot of an image the user cannot read',
    setup: (d) => {
      blankDisk(join(d.root, 'private.raw'));
      chmodSync(join(d.root, 'private.raw'), 0o600);
    },
    args: (d) => ['boot', join(d.root, 'private.raw')],
    asUser: true,
    status: USAGE,
    message: /\S+\/private\.raw: cannot read it \(EACCES\)/,
  },
  { id: 'boot-timeout-zero', area: 'boot', what: 'kiln boot --timeout 0', args: (d) => ['boot', '--timeout', '0', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--timeout 0: give a number of seconds above 0/ },
  { id: 'boot-timeout-word', area: 'boot', what: 'kiln boot --timeout soon', args: (d) => ['boot', '--timeout', 'soon', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--timeout soon: give a number of seconds above 0/ },
  { id: 'boot-marker', area: 'boot', what: "kiln boot --marker '(['", args: (d) => ['boot', '--marker', '([', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--marker \(\[: not a regular expression/ },
  { id: 'boot-uefi-bios', area: 'boot', what: 'kiln boot --uefi --bios', args: (d) => ['boot', '--uefi', '--bios', join(d.root, 'blank.raw')], setup: (d) => blankDisk(join(d.root, 'blank.raw')), status: USAGE, message: /--uefi and --bios: choose one/ },
  { id: 'boot-no-image', area: 'boot', what: 'kiln boot without an image', args: () => ['boot'], status: USAGE, message: /missing required argument 'image'/ },
  {
    id: 'boot-blank',
    area: 'boot',
    what: 'kiln boot of a blank disk (nothing boots): exit 1 at the timeout',
    setup: (d) => blankDisk(join(d.root, 'blank.raw')),
    args: (d) => ['boot', '--accel', 'tcg', '--timeout', '8', join(d.root, 'blank.raw')],
    vm: true,
    status: FAIL,
    message: /\S+\/blank\.raw did not reach a login prompt within 8s/,
    warning: true,
    timeoutMs: 60_000,
  },

  // ---------------------------------------------------------------- kiln get-kernel
  { id: 'get-kernel-missing', area: 'get-kernel', what: 'kiln get-kernel of a file that does not exist', args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'absent.qcow2')], status: USAGE, message: /\S+\/absent\.qcow2: no such image file/ },
  { id: 'get-kernel-dir', area: 'get-kernel', what: 'kiln get-kernel of a directory', args: (d) => ['get-kernel', '-d', d.out, d.home], status: USAGE, message: /\S+\/home: a directory, not an image file/ },
  { id: 'get-kernel-empty', area: 'get-kernel', what: 'kiln get-kernel of an empty file', setup: (d) => writeFileSync(join(d.root, 'empty.raw'), ''), args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'empty.raw')], status: FAIL, message: /\S+\/empty\.raw.*(empty|0 bytes)/ },
  { id: 'get-kernel-truncated', area: 'get-kernel', what: 'kiln get-kernel of a qcow2 cut short', setup: (d) => truncatedQcow2(join(d.root, 'cut.qcow2')), args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'cut.qcow2')], status: FAIL, message: /\S+\/cut\.qcow2/ },
  {
    id: 'get-kernel-backing',
    area: 'get-kernel',
    what: 'kiln get-kernel of a qcow2 whose backing file is gone',
    setup: (d) => execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', join(d.root, 'gone-base.raw'), '-F', 'raw', join(d.root, 'overlay.qcow2'), '64M']),
    args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'overlay.qcow2')],
    status: FAIL,
    message: /failed to read \S+\/overlay\.qcow2: qemu-img exited with status 1[\s\S]*gone-base\.raw/,
  },
  {
    id: 'get-kernel-dir-unwritable',
    area: 'get-kernel',
    what: 'kiln get-kernel -d a directory the user cannot write',
    setup: (d) => {
      blankDisk(join(d.root, 'blank.raw'));
      chmodSync(d.out, 0o555);
    },
    args: (d) => ['get-kernel', '-d', d.out, join(d.root, 'blank.raw')],
    asUser: true,
    status: USAGE,
    message: /-d \S+\/out: cannot write there \(EACCES\)/,
  },
  {
    id: 'get-kernel-dir-file',
    area: 'get-kernel',
    what: 'kiln get-kernel -d a file',
    setup: (d) => {
      blankDisk(join(d.root, 'blank.raw'));
      writeFileSync(join(d.out, 'a-file'), 'user data\n');
    },
    args: (d) => ['get-kernel', '-d', join(d.out, 'a-file'), join(d.root, 'blank.raw')],
    status: USAGE,
    message: /-d \S+\/a-file: (cannot write there|not a directory)/,
  },
  {
    id: 'get-kernel-dir-under-file',
    area: 'get-kernel',
    what: 'kiln get-kernel -d FILE/sub',
    setup: (d) => {
      blankDisk(join(d.root, 'blank.raw'));
      writeFileSync(join(d.out, 'a-file'), 'user data\n');
    },
    args: (d) => ['get-kernel', '-d', join(d.out, 'a-file', 'sub'), join(d.root, 'blank.raw')],
    status: USAGE,
    message: /-d \S+\/a-file\/sub/,
  },
  {
    id: 'get-kernel-new-dir',
    area: 'get-kernel',
    what: 'kiln get-kernel -d new/dir of an image that does not exist: the new dirs are not left',
    args: (d) => ['get-kernel', '-d', join(d.out, 'new', 'dir'), join(d.root, 'absent.qcow2')],
    status: USAGE,
    message: /\S+\/absent\.qcow2: no such image file/,
  },
  {
    id: 'get-kernel-no-kernel',
    area: 'get-kernel',
    what: 'kiln get-kernel of a disk with no kernel on it',
    setup: (d) => blankDisk(join(d.root, 'blank.raw')),
    args: (d) => ['get-kernel', '--accel', 'tcg', '-d', d.out, join(d.root, 'blank.raw')],
    vm: true,
    status: FAIL,
    message: /\S+\/blank\.raw: no \/boot\/vmlinuz-\* in any filesystem of the image/,
    timeoutMs: 120_000,
  },

  // ---------------------------------------------------------------- cache
  { id: 'cache-unknown', area: 'cache', what: 'kiln cache frobnicate', args: () => ['cache', 'frobnicate'], status: USAGE, message: /unknown command 'frobnicate'/ },
  {
    id: 'cache-dir-file',
    area: 'cache',
    what: 'KILN_CACHE_DIR is a file',
    setup: (d) => writeFileSync(join(d.root, 'cache-file'), 'x'),
    args: (d) => build(d),
    env: (d) => ({ KILN_CACHE_DIR: join(d.root, 'cache-file') }),
    status: FAIL,
    message: /cannot make the cache directory \S+\/cache-file\/appliance: a file is in the way/,
  },
  {
    id: 'cache-dir-unwritable',
    area: 'cache',
    what: 'KILN_CACHE_DIR in a directory the user cannot write',
    setup: (d) => mkdirSync(join(d.root, 'ro'), { mode: 0o555 }),
    args: (d) => build(d),
    env: (d) => ({ KILN_CACHE_DIR: join(d.root, 'ro', 'cache') }),
    asUser: true,
    status: FAIL,
    message: /cannot write the cache directory \S+\/ro\/cache\/appliance \(EACCES\)/,
  },
  {
    id: 'cache-info-stale-lock',
    area: 'cache',
    what: 'kiln cache info with a lock file left by a killed build (a pid that no longer exists): reported free',
    setup: (d) => {
      const cache = join(d.root, 'stale-cache');
      mkdirSync(cache);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(cache, 'helper.qcow2'), '1G']);
      writeFileSync(join(cache, 'helper.qcow2.lock'), '999999\n');
    },
    args: () => ['cache', 'info'],
    env: (d) => ({ KILN_CACHE_DIR: join(d.root, 'stale-cache') }),
    status: 0,
    message: /helper drive: \S+helper\.qcow2 .*free \(no build is merging into it\)/,
    warning: true,
  },
  {
    id: 'cache-info-reused-pid',
    area: 'cache',
    what: 'kiln cache info with a lock file naming a live, unrelated pid: reported free (the lock is flock, not a pid)',
    setup: (d) => {
      const cache = join(d.root, 'reused-cache');
      mkdirSync(cache);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(cache, 'helper.qcow2'), '1G']);
      writeFileSync(join(cache, 'helper.qcow2.lock'), '1\n');
    },
    args: () => ['cache', 'info'],
    env: (d) => ({ KILN_CACHE_DIR: join(d.root, 'reused-cache') }),
    status: 0,
    message: /helper drive: \S+helper\.qcow2 .*free \(no build is merging into it\)/,
    warning: true,
  },
  {
    id: 'cache-info-damaged-drive',
    area: 'cache',
    what: 'kiln cache info with a damaged helper drive',
    setup: (d) => {
      const cache = join(d.root, 'damaged-cache');
      mkdirSync(cache);
      truncatedQcow2(join(cache, 'helper.qcow2'));
    },
    args: () => ['cache', 'info'],
    env: (d) => ({ KILN_CACHE_DIR: join(d.root, 'damaged-cache') }),
    status: FAIL,
    message: /helper drive \S+helper\.qcow2[\s\S]*kiln cache clear/,
  },
];

/** Block-device YAML, given as DIB_BLOCK_DEVICE_CONFIG or in an element: every one is refused on the host, before a VM. */
function blockDeviceCases(): Case[] {
  const yaml = (id: string, what: string, text: string, message: RegExp): Case => ({
    id: `bd-${id}`,
    area: 'block-device',
    what,
    args: (d) => build(d, ['--envvar', `DIB_BLOCK_DEVICE_CONFIG=${text}`]),
    status: USAGE,
    message,
  });
  const part = (extra: string) => `- local_loop:\n    name: image0\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n      - name: root\n${extra}`;
  const mkfs = '        mkfs:\n          type: ext4\n          mount:\n            mount_point: /\n';
  return [
    yaml('not-yaml', 'DIB_BLOCK_DEVICE_CONFIG that is not YAML', '- local_loop: [unclosed', /block-device config: not valid YAML/),
    yaml('not-list', 'DIB_BLOCK_DEVICE_CONFIG that is a map, not a list', 'local_loop: {name: image0}', /must be a YAML list/),
    yaml('plugin', 'an unknown block-device plugin', '- local_loop:\n    name: image0\n- zfs_pool:\n    name: tank\n', /"zfs_pool" is not a block-device plugin/),
    yaml('two-keys', 'an entry with two plugin keys', '- local_loop:\n    name: image0\n  mkfs:\n    name: x\n', /exactly one key/),
    yaml('no-loop', 'no local_loop node', '- mkfs:\n    name: root\n    type: ext4\n    mount:\n      mount_point: /\n', /no local_loop node|needs a "base"/),
    yaml('two-loops', 'two local_loop nodes', '- local_loop:\n    name: image0\n- local_loop:\n    name: image1\n', /kiln builds one disk; found 2 local_loop nodes/),
    yaml('no-size', 'a partition without a size', part(`        flags: [boot]\n${mkfs}`), /root.*size.*is required|size: is required/),
    yaml('bad-size', 'a partition size that is not a size', part(`        size: lots\n${mkfs}`), /"lots" is not a size/),
    yaml('percent', 'a partition of 150%', part(`        size: 150%\n${mkfs}`), /"150%" is not a percentage between 0 and 100/),
    yaml('flag', 'an unknown partition flag', part(`        flags: [bootable]\n        size: 100%\n${mkfs}`), /unknown flag "bootable"/),
    yaml('label', 'a partition table label that is neither mbr nor gpt', '- local_loop:\n    name: image0\n- partitioning:\n    base: image0\n    label: apm\n    partitions:\n      - name: root\n        size: 100%\n', /must be "mbr" or "gpt", not "apm"/),
    yaml('fs-type', 'a filesystem type kiln cannot make', part(`        size: 100%\n        mkfs:\n          type: zfs\n          mount:\n            mount_point: /\n`), /"zfs" is not a filesystem kiln can make/),
    yaml('no-root', 'no filesystem mounted at /', part(`        size: 100%\n        mkfs:\n          type: ext4\n          mount:\n            mount_point: /srv\n`), /no filesystem is mounted at "\/"/),
    yaml('relative-mount', 'a relative mount point', part(`        size: 100%\n        mkfs:\n          type: ext4\n          mount:\n            mount_point: boot\n`), /"boot" must be an absolute path/),
    yaml('missing-base', 'a node whose base is not defined', '- local_loop:\n    name: image0\n- mkfs:\n    name: root\n    base: image9\n    type: ext4\n    mount:\n      mount_point: /\n', /refers to "image9", which is not defined/),
    yaml('dup-name', 'two nodes with one name', '- local_loop:\n    name: image0\n- mkfs:\n    name: image0\n    base: image0\n    type: ext4\n    mount:\n      mount_point: /\n', /image0.*used by more than one node/),
    yaml('dup-mount', 'two filesystems mounted at /', part(`        size: 50%\n${mkfs}      - name: second\n        size: 50%\n        mkfs:\n          name: fs2\n          type: ext4\n          mount:\n            mount_point: /\n`), /mount point \/ is also used/),
    {
      id: 'bd-element-file',
      area: 'block-device',
      what: "an element's block-device-default.yaml that is not YAML",
      setup: (d) => void element(d, 'broken-layout', { 'block-device-default.yaml': '- local_loop: [unclosed\n' }),
      args: (d) => build(d, [], ['tiny-os', 'broken-layout']),
      status: USAGE,
      message: /block-device config: not valid YAML/,
    },
    {
      id: 'bd-block-size',
      area: 'block-device',
      what: 'DIB_BLOCK_SIZE=1000',
      setup: (d) => void element(d, 'vm-layout', { 'block-device-default.yaml': BLOCK_MBR }),
      args: (d) => build(d, ['--envvar', 'DIB_BLOCK_SIZE=1000'], ['tiny-os', 'vm-layout']),
      status: USAGE,
      message: /DIB_BLOCK_SIZE=1000/,
    },
    {
      id: 'bd-partition-too-big',
      area: 'block-device',
      what: 'a 2 GiB partition on a --size 1G image',
      args: (d) => build(d, ['--size', '1G', '--envvar', `DIB_BLOCK_DEVICE_CONFIG=${part(`        size: 2GiB\n${mkfs}`)}`]),
      status: USAGE,
      message: /node "root", field "size": does not fit: .*the disk's usable space ends before sector 2097152/,
    },
  ];
}
