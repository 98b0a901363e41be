import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenPkgMap, squashPackageInstalls, writePackageInstalls } from '../../../src/elements/package-installs.js';
import { fixture, tempDir, thrown } from './fixtures.js';

const P = fixture('package-installs');
const el = (name: string) => ({ name, path: join(P, name) });
const builtin = resolve(dirname(fileURLToPath(import.meta.url)), '../../../elements');

describe('squashPackageInstalls', () => {
  it("lists every form in DIB's reading order with its kind, applying arch: and not-arch: for ARCH", () => {
    const { files, ignored, phases } = squashPackageInstalls([el('pi-one')], { arch: 'amd64' });
    expect(files['package-installs/pre-install.d.entries']).toBe('install\tearly\tpi-one\ninstall\ttwice\tpi-one\n');
    expect(files['package-installs/post-install.d.entries']).toBe('install\tlate\tpi-one\n');
    expect(files['package-installs/install.d.entries']).toBe(
      [
        'install\tplain\tpi-one',
        'install\tempty-string\tpi-one',
        'uninstall\tgone\tpi-one',
        'build-only\thelper\tpi-one',
        'install\tonly-amd64\tpi-one',
        // ruled out by arch, still a plain entry (it cancels earlier uninstalls in DIB)
        'install\tonly-arm\tpi-one\tfalse',
        'install\tnot-amd64\tpi-one\tfalse',
        'install\tnot-ppc\tpi-one',
        // DIB splits arch lists on "," only, so " amd64" does not match (nor does here).
        'install\tspaced-arch\tpi-one\tfalse',
        'install\tsource-only\tpi-one\tinstalltype=source',
        'install\tpy3\tpi-one\tpython=3',
        'install\tconditional\tpi-one\twhen=FOO=bar',
        'install\tconditions\tpi-one\twhen=FOO!=baz\twhen=BAR=a=b',
        'uninstall\ttwice\tpi-one',
        '',
      ].join('\n'),
    );
    // what may install / uninstall before the guest's rule (the host prefetches the former)
    expect(phases['install.d'].install.map((e) => e.pkg)).toEqual(['plain', 'empty-string', 'helper', 'only-amd64', 'not-ppc', 'source-only', 'py3', 'conditional', 'conditions']);
    expect(phases['install.d'].uninstall.map((e) => e.pkg)).toEqual(['gone', 'helper', 'twice']);
    expect(ignored).toEqual([{ element: 'pi-one', pkg: 'finalise', phase: 'finalise.d' }]);
  });

  it('takes arm64 entries for arm64', () => {
    const { files } = squashPackageInstalls([el('pi-one')], { arch: 'arm64' });
    expect(files['package-installs/install.d.entries']).toMatch(/^install\tonly-arm\tpi-one\n/m);
    expect(files['package-installs/install.d.entries']).toMatch(/^install\tnot-amd64\tpi-one\n/m);
    expect(files['package-installs/install.d.entries']).toMatch(/^install\tspaced-arch\tpi-one\n/m);
    expect(files['package-installs/install.d.entries']).toMatch(/^install\tonly-amd64\tpi-one\tfalse\n/m);
  });

  it('reads both package-installs.json and .yaml of one element, json first', () => {
    const { files } = squashPackageInstalls([el('pi-two')], { arch: 'amd64' });
    expect(files['package-installs/install.d.entries']).toBe('install\tfrom-json\tpi-two\ninstall\tboth\tpi-two\ninstall\tfrom-yaml\tpi-two\n');
    expect(files['kiln-pkg-map/pi-two']).toBeUndefined();
  });

  it('refuses arch and not-arch together, naming element and file', () => {
    const err = thrown(() => squashPackageInstalls([el('pi-bad')], { arch: 'amd64' }));
    expect(err.message).toBe(`element pi-bad: ${P}/pi-bad/package-installs.yaml: arch and not-arch given for package confused`);
  });
});

describe('flattenPkgMap', () => {
  it('writes one SCOPE/NAME/MAPPED line per mapping', () => {
    const text = flattenPkgMap(JSON.parse(readFileSync(join(P, 'pi-one', 'pkg-map'), 'utf8')), 'pi-one');
    expect(text).toBe(
      [
        'default\tplain\tplain',
        'default\thelper\t',
        'family:redhat\tplain\tplain-rpm another-rpm',
        'distro:ubuntu\tplain\tplain-ubuntu',
        'release:debian:bookworm\tplain\tplain-bookworm',
        '',
      ].join('\n'),
    );
  });
});

// The guest side for real: the package-installs and pkg-map elements' bash scripts read what
// writePackageInstalls wrote; install-packages is replaced by a recorder.
describe('the in-chroot scripts with the squashed files', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => dir?.remove());

  function run(phase: string, action: string, env: Record<string, string>): string {
    dir = tempDir();
    const hooks = join(dir.path, 'hooks');
    mkdirSync(join(dir.path, 'bin'), { recursive: true });
    writePackageInstalls(hooks, [el('pi-one'), el('pi-two')], { arch: 'amd64' });
    const rec = join(dir.path, 'bin', 'install-packages');
    writeFileSync(rec, '#!/bin/bash\necho "install-packages $*"\n');
    chmodSync(rec, 0o755);
    const PATH = [join(dir.path, 'bin'), join(builtin, 'pkg-map', 'bin'), join(builtin, 'package-installs', 'bin'), process.env.PATH].join(':');
    return execFileSync('bash', [join(builtin, 'package-installs', 'bin', 'package-installs-kiln'), phase, action], {
      env: { PATH, TMP_HOOKS_PATH: hooks, ...env },
      encoding: 'utf8',
    });
  }

  it('evaluates conditions, maps per element through pkg-map and installs once, sorted', () => {
    const out = run('install.d', 'install', { DISTRO_NAME: 'debian', DIB_RELEASE: 'bookworm', FOO: 'bar', BAR: 'a=b', DIB_PYTHON_VERSION: '3' });
    expect(out.trim().split('\n').pop()).toBe(
      'install-packages both conditional conditions empty-string from-json from-yaml not-ppc only-amd64 plain-bookworm py3 source-only',
    );
  });

  it('uses the family mapping, drops false conditions and honours the install type', () => {
    const out = run('install.d', 'install', { DISTRO_NAME: 'centos', DIB_RELEASE: '9', FOO: 'baz', BAR: 'x', DIB_INSTALLTYPE_pi_one: 'package' });
    expect(out.trim().split('\n').pop()).toBe('install-packages another-rpm both empty-string from-json from-yaml not-ppc only-amd64 plain-rpm');
  });

  it('removes with -e, skipping names mapped to nothing', () => {
    // every entry's when: is evaluated for either list, as DIB evaluates them all in one squash
    const out = run('install.d', 'uninstall', { DISTRO_NAME: 'debian', DIB_RELEASE: 'bookworm', FOO: 'bar', BAR: 'x' });
    expect(out.trim().split('\n').pop()).toBe('install-packages -e gone twice');
  });

  it('fails naming the variable when a when: variable is unset', () => {
    const err = thrown(() => run('install.d', 'install', { DISTRO_NAME: 'debian', DIB_RELEASE: 'bookworm' })) as Error & { stderr: string };
    expect(err.stderr).toContain('package-installs: pi-one: when: FOO=bar: the variable FOO is not set');
  });
});
