// kiln against each diskimage-builder it follows: bookworm's 3.13, trixie's 3.37, sid's 3.40
// (test/support/dib-oracles.ts; the two unpacked ones come from Debian's mirror). Per version:
//  - element expansion: kiln's engine and DIB's element_dependencies on DIB's own elements;
//  - package-installs: kiln's host squash plus the guest rule (package-installs-kiln --list)
//    and DIB's package-installs-squash, over every element of that DIB at once, and on
//    elements made to exercise the rule today's DIB has and 3.13 did not;
//  - block device: what `dib-block-device getval` answers and blockDeviceEnv exports;
//  - the variables and library functions that version's elements read and call: kiln
//    defines each one (or the list below says why not).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockDeviceEnv, planFromYaml } from '../../../src/blockdev/index.js';
import { elementInfo } from '../../../src/commands/element-info.js';
import { writePackageInstalls, PACKAGE_PHASES } from '../../../src/elements/package-installs.js';
import { guestEnvironment, hostEnvironment, type DibSettings } from '../../../src/env/dib.js';
import { phaseTable } from '../../../src/elements/phases.js';
import { dibOracles, oraclePython, oraclePythonRun, type DibOracle } from '../../support/dib-oracles.js';
import { tempDir } from './fixtures.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const kilnLib = join(repo, 'dib-lib');
const builtin = join(repo, 'elements');
const { oracles, missing } = dibOracles();
const isToday = (o: DibOracle) => o.version !== '3.13.0';

type Outcome = { ok: string[] } | { error: string };
const EXCEPTION: Record<string, string> = {
  MissingElementError: 'MissingElementException',
  AlreadyProvidedError: 'AlreadyProvidedException',
  MissingOSError: 'MissingOSException',
  ElementPathError: 'InvalidElementDir',
};

const EXPAND = `
import json, logging, sys
logging.disable(logging.CRITICAL)
from diskimage_builder import element_dependencies as ed
out = []
for case in json.load(sys.stdin):
    try:
        out.append({"ok": sorted(n for n, _ in ed.get_elements(case["names"], case["path"]))})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`;

function elementDirs(o: DibOracle): string[] {
  return readdirSync(o.elementsDir)
    .filter((n) => statSync(join(o.elementsDir, n)).isDirectory())
    .sort();
}

function kilnExpand(names: string[], dir: string): Outcome {
  try {
    const r = elementInfo(names, { expandDependencies: true, builtinElements: false }, { ELEMENTS_PATH: dir });
    return { ok: r.stdout.trim().split(' ').filter(Boolean).sort() };
  } catch (err) {
    return { error: EXCEPTION[(err as Error).name] ?? (err as Error).name };
  }
}

/** The variables package-installs files of these elements test in when: (DIB fails when one is unset). */
function whenVariables(dirs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const d of dirs) {
    for (const f of ['package-installs.yaml', 'package-installs.json']) {
      let text: string;
      try {
        text = readFileSync(join(d, f), 'utf8');
      } catch {
        continue;
      }
      for (const m of text.matchAll(/([A-Z_][A-Z0-9_]*)\s*!?=/g)) env[m[1]!] = 'x';
    }
  }
  return env;
}

/** DIB's package-installs-squash of ELEMENTS (in this order) on PATH: phase -> action -> [pkg, element]. */
function dibSquash(o: DibOracle, names: string[], path: string, env: Record<string, string>, out: string): Record<string, Record<string, [string, string][]>> {
  const r = spawnSync(oraclePython, [join(o.elementsDir, 'package-installs', 'bin', 'package-installs-squash'), `--elements=${names.join(' ')}`, `--path=${path}`, out], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, PYTHONPATH: o.pythonPath, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, [string, string][]>>;
}

/** kiln: the host squash written into a hooks tree, then the guest rule's chosen pairs per phase and action. */
function kilnSquash(refs: { name: string; path: string }[], env: Record<string, string>, hooks: string): Record<string, Record<string, [string, string][]>> {
  writePackageInstalls(hooks, refs, { arch: env.ARCH ?? 'amd64' });
  const out: Record<string, Record<string, [string, string][]>> = {};
  for (const phase of PACKAGE_PHASES) {
    out[phase] = {};
    for (const action of ['install', 'uninstall']) {
      const r = spawnSync('bash', [join(builtin, 'package-installs', 'bin', 'package-installs-kiln'), '--list', phase, action], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, TMP_HOOKS_PATH: hooks, ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      out[phase]![action] = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t') as [string, string]);
    }
  }
  return out;
}

const pick = (d: Record<string, Record<string, [string, string][]>>, phase: string, action: string) => d[phase]?.[action] ?? [];

// Elements made for the rule of DIB >= 3.31 (commit 788224cf, "Don't remove packages that are
// requested to be installed"). Names sort in the order the story needs (kiln and the
// squash below both take elements in byte order).
const RULE_ELEMENTS: Record<string, string> = {
  'a-build-git': 'git:\n  build-only:\n',
  'b-wants-git': 'git:\n',
  'c-drops-foo': 'foo:\n  uninstall:\n',
  'd-wants-foo': 'foo:\n',
  'e-wants-bar': 'bar:\n',
  'f-drops-bar': 'bar:\n  uninstall:\n',
  'g-drops-baz': 'baz:\n  uninstall:\n',
  'h-baz-never': 'baz:\n  when: RULE_FLAG = nope\n',
  'i-drops-qux': 'qux:\n  uninstall:\n',
  'j-qux-other-arch': 'qux:\n  arch: ppc64el\n',
  'k-build-tool': 'tool:\n  build-only:\n',
  'l-build-tool': 'tool:\n  build-only:\n',
  'm-early-pkg': 'early:\n  phase: pre-install.d\n',
  'n-drops-early': 'early:\n  uninstall:\n',
  'o-wants-later': 'later:\n',
  'p-build-later': 'later:\n  build-only:\n',
};

describe.each(oracles.map((o) => [o.version, o] as const))('DIB %s', (_version, o) => {
  const all = elementDirs(o);

  it('expands every element together with debian-minimal, and common builds, as DIB does', () => {
    const cases = [
      ...all.filter((n) => n !== 'debian-minimal').map((n) => ['debian-minimal', n]),
      ['base', 'debian-minimal', 'vm', 'block-device-mbr', 'devuser', 'growroot', 'cloud-init-datasources', 'dhcp-all-interfaces'],
      ['base', 'ubuntu-minimal', 'vm', 'block-device-efi', 'openssh-server'],
      ['base', 'centos-minimal', 'vm', 'block-device-gpt', 'growroot'],
      // vm needs a block-device provider since 3.x; DIB's disk-image-create adds one, element-info does not
      ['base', 'debian-minimal', 'vm'],
    ];
    const r = oraclePythonRun(o, EXPAND, JSON.stringify(cases.map((names) => ({ names, path: o.elementsDir }))));
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as Outcome[];
    const diffs = cases.flatMap((names, i) => {
      const k = kilnExpand(names, o.elementsDir);
      return JSON.stringify(k) === JSON.stringify(theirs[i]) ? [] : [`${names.join(' ')}: kiln ${JSON.stringify(k)} dib ${JSON.stringify(theirs[i])}`];
    });
    expect(diffs).toEqual([]);
  });

  describe('package-installs', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeAll(() => {
      tmp = tempDir();
    });
    afterAll(() => tmp.remove());

    it("gives DIB's lists over every element of this DIB at once", () => {
      const refs = all.map((name) => ({ name, path: join(o.elementsDir, name) }));
      const env = { ARCH: 'amd64', DIB_PYTHON_VERSION: '3', DIB_DEFAULT_INSTALLTYPE: 'source', ...whenVariables(refs.map((r) => r.path)) };
      const theirs = dibSquash(o, all, o.elementsDir, env, join(tmp.path, 'all.json'));
      const mine = kilnSquash(refs, env, join(tmp.path, 'all-hooks'));
      for (const phase of PACKAGE_PHASES) {
        expect(pick(mine, phase, 'install'), `${phase} install`).toEqual(pick(theirs, phase, 'install'));
        if (isToday(o)) expect(pick(mine, phase, 'uninstall'), `${phase} uninstall`).toEqual(pick(theirs, phase, 'uninstall'));
        // 3.13 also removed what another element installs; kiln follows today's DIB, so its
        // uninstall list is 3.13's less those
        else expect(pick(theirs, phase, 'uninstall')).toEqual(expect.arrayContaining(pick(mine, phase, 'uninstall')));
      }
    });

    it('does not remove what one element installs because another marks it uninstall or build-only (DIB >= 3.31)', () => {
      const dir = join(tmp.path, 'rule');
      for (const [name, yaml] of Object.entries(RULE_ELEMENTS)) {
        mkdirSync(join(dir, name), { recursive: true });
        writeFileSync(join(dir, name, 'package-installs.yaml'), yaml);
      }
      const names = Object.keys(RULE_ELEMENTS).sort();
      const env = { ARCH: 'amd64', RULE_FLAG: 'yes' };
      const mine = kilnSquash(
        names.map((name) => ({ name, path: join(dir, name) })),
        env,
        join(tmp.path, 'rule-hooks'),
      );
      // What today's DIB decides, entry by entry in element order: git (build-only, then a
      // plain install) stays; foo's uninstall is cancelled by d's install, bar's skipped as e
      // installs it; baz and qux lose their uninstall to a plain entry whose own when: or arch:
      // rules it out; two build-only tools both remove; early is installed in another phase;
      // later is installed by o, so p's build-only only installs it.
      expect(pick(mine, 'install.d', 'uninstall')).toEqual([
        ['tool', 'k-build-tool'],
        ['tool', 'l-build-tool'],
        ['early', 'n-drops-early'],
      ]);
      expect(pick(mine, 'install.d', 'install').map(([p]) => p)).toEqual(['git', 'git', 'foo', 'bar', 'tool', 'tool', 'later', 'later']);
      expect(pick(mine, 'pre-install.d', 'install')).toEqual([['early', 'm-early-pkg']]);
      const theirs = dibSquash(o, names, dir, env, join(tmp.path, 'rule.json'));
      if (isToday(o)) {
        for (const phase of PACKAGE_PHASES) {
          for (const action of ['install', 'uninstall']) expect(pick(mine, phase, action), `${phase} ${action}`).toEqual(pick(theirs, phase, action));
        }
      } else {
        // 3.13 removes git (build-only elsewhere), foo, bar, baz, qux despite the installs
        expect(pick(theirs, 'install.d', 'uninstall').map(([p]) => p)).toEqual(expect.arrayContaining(['git', 'foo', 'bar', 'baz', 'qux', 'later']));
      }
    });
  });

  it.runIf(isToday(o))('block device: DIB_ROOT_LABEL, DIB_ROOT_FSTYPE, DIB_BOOT_LABEL, DIB_MOUNTPOINTS as dib-block-device getval', () => {
    const tmp = tempDir();
    try {
      const configs: Record<string, string> = {};
      for (const e of ['block-device-mbr', 'block-device-gpt', 'block-device-efi']) configs[e] = readFileSync(join(o.elementsDir, e, 'block-device-default.yaml'), 'utf8');
      const part = (boot: string) =>
        `- local_loop:\n    name: image0\n- partitioning:\n    base: image0\n    label: mbr\n    partitions:\n      - name: boot\n        flags: [ boot, primary ]\n        size: 512MiB\n        mkfs:\n${boot}          mount:\n            mount_point: /boot\n            fstab:\n              options: "defaults"\n              fsck-passno: 2\n      - name: root\n        size: 100%\n        mkfs:\n          name: mkfs_root\n          mount:\n            mount_point: /\n            fstab:\n              options: "defaults"\n              fsck-passno: 1\n`;
      configs['/boot, unnamed'] = part('          type: ext4\n');
      configs['/boot, named'] = part('          type: ext4\n          name: bootfs\n');
      configs['/boot, labelled'] = part('          type: ext4\n          name: bootfs\n          label: BOOT1\n');
      const GETVAL = `
import json, logging, sys, tempfile
logging.disable(logging.CRITICAL)
from diskimage_builder.block_device.blockdevice import BlockDevice
out = {}
for name, path in json.load(sys.stdin).items():
    d = tempfile.mkdtemp()
    b = BlockDevice({"config": path, "build-dir": d, "image-dir": d, "mount-base": d, "root-label": None, "root-fs-type": "ext4"})
    b.cmd_init()
    vals = {}
    for sym, var in [("root-label", "DIB_ROOT_LABEL"), ("root-fstype", "DIB_ROOT_FSTYPE"), ("boot-label", "DIB_BOOT_LABEL"), ("mount-points", "DIB_MOUNTPOINTS")]:
        import io, contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            b.cmd_getval(sym)
        vals[var] = buf.getvalue().rstrip("\\n")
    out[name] = vals
print(json.dumps(out))
`;
      const files: Record<string, string> = {};
      Object.entries(configs).forEach(([name, text], i) => {
        files[name] = join(tmp.path, `c${i}.yaml`);
        writeFileSync(files[name]!, text);
      });
      const r = oraclePythonRun(o, GETVAL, JSON.stringify(files));
      expect(r.status, r.stderr).toBe(0);
      const theirs = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
      for (const [name, text] of Object.entries(configs)) {
        const env = blockDeviceEnv(planFromYaml(text, { seed: 's', imageSize: 4 * 2 ** 30 }));
        expect({ name, ...env }, name).toEqual({ name, ...theirs[name] });
      }
    } finally {
      tmp.remove();
    }
  });

  it("provides the variables this DIB's library exports that its elements read, and the library functions they call", () => {
    // What disk-image-create and lib/ export to every phase (DIB >= 3.28 adds DIB_BOOT_LABEL).
    const LIB_VARS = ['DIB_ARGS', 'DIB_ENV', '_LIB', 'DIB_PYTHON_EXEC', 'ARCH', 'IMAGE_NAME', 'DIB_IMAGE_CACHE', 'DIB_OFFLINE', 'DIB_DEBUG_TRACE', 'DIB_LOCKFILES', 'ELEMENTS_PATH', 'IMAGE_ELEMENT', 'IMAGE_ELEMENT_YAML', 'TMP_BUILD_DIR', 'TMP_IMAGE_DIR', 'TMP_HOOKS_PATH', 'DIB_ROOT_LABEL', 'DIB_ROOT_FSTYPE', 'DIB_BOOT_LABEL', 'DIB_MOUNTPOINTS', 'TMP_MOUNT_PATH', 'TARGET_ROOT', 'DIB_DEFAULT_INSTALLTYPE', 'DIB_CHECKSUM', 'DIB_NO_TMPFS'];
    // Set later or elsewhere: IMAGE_BLOCK_DEVICE(S) once the disk exists (blockDeviceEnv with devices).
    const LATER = ['IMAGE_BLOCK_DEVICE', 'IMAGE_BLOCK_DEVICES'];
    const read = new Set<string>();
    const called = new Set<string>();
    const LIB_FUNCS = ['die', 'run_in_target', 'unmount_image', 'select_boot_kernel_initrd', 'mount_dev_pts_options', 'mount_proc_dev_sys', 'unmount_dir', 'get_image_element_array', 'tmpfs_check', 'mk_build_dir', 'finish_image', 'save_image', 'run_d', 'check_element'];
    // DIB's ramdisk and dracut-ramdisk copy lib/ramdisk-functions into the target and call these there;
    // kiln has no ramdisk-functions (its own ramdisk element, or -B with DIB's lib)
    const RAMDISK_FUNCS = ['create_ramdisk_base', 'populate_lib', 'populate_busybox', 'populate_init', 'populate_udev', 'finalise_image', 'find_kernel_version'];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        const st = statSync(p);
        if (st.isDirectory()) {
          if (!['static', 'tests', 'test-elements', '__pycache__'].includes(n)) walk(p);
          continue;
        }
        const text = readFileSync(p, 'utf8');
        if (!/^#!.*sh\b/.test(text) && !p.includes('/environment.d/')) continue;
        const code = text.replace(/^\s*#.*$/gm, '');
        for (const v of [...LIB_VARS, ...LATER]) if (new RegExp(`\\$\\{?${v}\\b`).test(code)) read.add(v);
        for (const f of [...LIB_FUNCS, ...RAMDISK_FUNCS]) if (new RegExp(`(^|[\\s;&|(])${f}(\\s|$|\\))`, 'm').test(code)) called.add(f);
      }
    };
    walk(o.elementsDir);
    if (isToday(o)) expect(read).toContain('DIB_BOOT_LABEL');

    const s: DibSettings = {
      imageName: 'img', arch: 'amd64', imageElement: 'base vm', imageElementYaml: 'base: /e/base', elementsPath: '/e', imageElementArray: '[base]=/e/base ',
      offline: false, debugTrace: 0, installType: 'source', user: {}, kiln: {},
    };
    const blockDevice = blockDeviceEnv(planFromYaml(readFileSync(join(o.elementsDir, 'block-device-mbr', 'block-device-default.yaml'), 'utf8'), { seed: 's', imageSize: 2 * 2 ** 30 }));
    const guest = guestEnvironment(s, phaseTable['root'], blockDevice);
    const host = hostEnvironment(s, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/c', path: '/usr/bin', home: '/root' }, blockDevice);
    const unset = [...read].filter((v) => !LATER.includes(v)).filter((v) => !(v in guest) || !(v in host));
    expect(unset, 'variables elements read that kiln does not export to root.d and extra-data.d').toEqual([]);

    // the functions, after sourcing what elements source
    const r = spawnSync('bash', ['-c', `_LIB=${kilnLib}; for f in common-defaults img-defaults common-functions img-functions; do source "$_LIB/$f"; done; for f in "$@"; do declare -F "$f" >/dev/null || echo "$f"; done`, 'x', ...called], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH },
    });
    expect(r.stdout.split('\n').filter(Boolean).sort(), r.stderr).toEqual(RAMDISK_FUNCS.filter((f) => called.has(f)).sort());
  });
});

describe.runIf(missing.length > 0)('DIB oracles', () => {
  it('are all there', () => {
    console.log(`missing DIB oracles: ${missing.join('; ')}`);
    expect(oracles.length).toBeGreaterThan(0);
  });
});
