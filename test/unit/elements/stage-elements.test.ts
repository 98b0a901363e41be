// The element set copied on its own (ELEMENTS_PATH / IMAGE_ELEMENT_YAML in the guest).
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageElements, stagedElementEnv } from '../../../src/elements/index.js';
import { guestEnvironment, hostEnvironment, dibEnv, type DibSettings } from '../../../src/env/dib.js';
import { phaseTable } from '../../../src/elements/phases.js';
import { unmountAllUnder } from '../../../src/guest/chroot.js';
import { exportLines } from '../../../src/guest/script-run.js';
import { execa } from 'execa';
import { fixture } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-stage-elements-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('stageElements', () => {
  it('copies exactly the resolved elements, once each, under their names', () => {
    const els = ['pi-one', 'pi-two'].map((name) => ({ name, path: fixture('package-installs', name) }));
    const dir = stageElements(els, join(tmp, 'elements'));
    expect(readdirSync(dir).sort()).toEqual(['pi-one', 'pi-two']);
    expect(existsSync(join(dir, 'pi-one', 'package-installs.yaml'))).toBe(true);
  });

  it('copies a link that leads nowhere (dangling, or a loop) as the link it is, as cp -a does', () => {
    const src = join(tmp, 'src', 'links');
    mkdirSync(join(src, 'static'), { recursive: true });
    writeFileSync(join(src, 'static', 'real'), 'x');
    symlinkSync('real', join(src, 'static', 'good'));
    symlinkSync('/nonexistent/target', join(src, 'static', 'dangling'));
    symlinkSync('loop', join(src, 'static', 'loop'));
    const dir = stageElements([{ name: 'links', path: src }], join(tmp, 'staged-links'));
    expect(lstatSync(join(dir, 'links', 'static', 'good')).isFile()).toBe(true);
    expect(readlinkSync(join(dir, 'links', 'static', 'dangling'))).toBe('/nonexistent/target');
    expect(readlinkSync(join(dir, 'links', 'static', 'loop'))).toBe('loop');
  });

  it('names the guest copies in IMAGE_ELEMENT_YAML', () => {
    const env = stagedElementEnv([{ name: 'b', path: '/host/x/b' }, { name: 'a', path: '/host/y/a' }], '/kiln/elements');
    expect(env.IMAGE_ELEMENT_YAML).toBe('a: /kiln/elements/a\nb: /kiln/elements/b\n');
    expect(env.IMAGE_ELEMENT).toBe('b a');
  });
});

describe('the element set in each phase', () => {
  const s: DibSettings = {
    imageName: 'img', arch: 'amd64', imageElement: 'a', imageElementYaml: 'a: /host/a\n', elementsPath: '/host/work/elements',
    guest: { imageElementYaml: 'a: /kiln/elements/a\n', elementsPath: '/kiln/elements' },
    offline: false, debugTrace: 0, installType: 'source', blockDevice: {}, user: { DIB_RELEASE: 'bookworm', DIB_TOKEN: 's"e$cret', OTHER: 'x' },
    args: 'debian-minimal vm', secrets: ['DIB_TOKEN'],
  };
  it('guest phases see guest paths, extra-data.d on the host sees host paths', () => {
    for (const phase of [phaseTable.root, phaseTable.install]) {
      const env = guestEnvironment(s, phase);
      expect(env.IMAGE_ELEMENT_YAML).toBe('a: /kiln/elements/a\n');
      expect(env.ELEMENTS_PATH).toBe('/kiln/elements');
    }
    const host = hostEnvironment(s, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/c', path: '/bin', home: '/home/u' });
    expect(host.IMAGE_ELEMENT_YAML).toBe('a: /host/a\n');
    expect(host.ELEMENTS_PATH).toBe('/host/work/elements');
  });
  it("DIB_ENV and DIB_ARGS as DIB's manifests element reads them; secrets stay out", () => {
    const env = guestEnvironment(s, phaseTable.cleanup);
    expect(env.DIB_ARGS).toBe('debian-minimal vm');
    expect(env.DIB_ENV).toBe('declare -x DIB_RELEASE="bookworm"');
    expect(dibEnv({ DIB_A: 'q"$`\\' }, [])).toBe('declare -x DIB_A="q\\"\\$\\`\\\\"');
  });
});

describe('unmountAllUnder', () => {
  it('unmounts mounts below the tree only, innermost first', () => {
    expect(unmountAllUnder('/kiln/build/mnt')).toContain("grep -E '^/kiln/build/mnt/' | sort -r");
  });
});

describe('get_image_element_array in every phase', () => {
  const base: DibSettings = {
    imageName: 'img', arch: 'amd64', imageElement: 'a b', imageElementYaml: '', elementsPath: '/e', offline: false, debugTrace: 0, installType: 'source', blockDevice: {}, user: {},
    imageElementArray: "[a]=/host/a [b]='/host/it'\\''s' ",
    guest: { imageElementYaml: '', elementsPath: '/kiln/elements', imageElementArray: '[a]=/kiln/elements/a [b]=/kiln/elements/b ' },
  };
  const probe = 'eval declare -A m=($(get_image_element_array)); for k in "${!m[@]}"; do echo "$k=${m[$k]}"; done | sort';

  it('on the host, through the environment as bash exports functions', async () => {
    const env = hostEnvironment(base, { hooks: '/h', targetRoot: '/t', buildDir: '/b', lib: '/l', imageCache: '/c', path: '/usr/bin:/bin', home: '/tmp' });
    const r = await execa('bash', ['-c', `bash -c '${probe}'`], { env, extendEnv: false });
    expect(r.stdout).toBe("a=/host/a\nb=/host/it's");
  });

  it('in the guest, defined and exported by the rendered script', async () => {
    const env = guestEnvironment(base, phaseTable.install);
    const r = await execa('bash', ['-c', `${exportLines({ PATH: '/usr/bin:/bin', [Object.keys(env).find((k) => k.startsWith('BASH_FUNC_'))!]: env['BASH_FUNC_get_image_element_array%%']! })}bash -c '${probe}'`], { extendEnv: false });
    expect(r.stdout).toBe('a=/kiln/elements/a\nb=/kiln/elements/b');
  });
});
