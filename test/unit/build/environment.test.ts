// The build's environment: what the elements' environment.d settles DIB_RELEASE to (the host
// package step makes its repository for that release), read from DIB's and kiln's own
// debian-minimal; and NAME.d/dib_environment holding only the user's variables.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elementVariable, renderDibEnvironment } from '../../../src/build/environment.js';
import type { PreparedElements } from '../../../src/build/prepare.js';
import { quote } from '../../../src/quote.js';
import { dibOracles } from '../../support/dib-oracles.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-envprobe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Just enough of a prepared build: staged environment.d files, sourced in this order. */
function prepared(envFiles: string[], name: string): PreparedElements {
  const hooks = join(dir, name, 'hooks');
  mkdirSync(join(hooks, 'environment.d'), { recursive: true });
  const environment = envFiles.map((f) => {
    const hook = `environment.d/${basename(f)}`;
    copyFileSync(f, join(hooks, hook));
    return { hook };
  });
  return { scripts: { environment }, staged: { hooksPath: hooks } } as unknown as PreparedElements;
}

describe('elementVariable (the release the elements ask for)', () => {
  const repo = join(import.meta.dirname, '../../..');
  it("kiln's debian-minimal asks for trixie, and the user's DIB_RELEASE wins", async () => {
    const p = prepared([join(repo, 'elements/debian-minimal/environment.d/10-debian-minimal.bash')], 'kiln');
    expect(await elementVariable(p, {}, 'DIB_RELEASE', dir)).toBe('trixie');
    expect(await elementVariable(p, { DIB_RELEASE: 'bookworm' }, 'DIB_RELEASE', dir)).toBe('bookworm');
  });

  for (const o of dibOracles().oracles) {
    it(`DIB ${o.version}'s debian-minimal asks for stable`, async () => {
      const p = prepared([join(o.elementsDir, 'debian-minimal/environment.d/10-debian-minimal.bash')], o.version);
      expect(await elementVariable(p, {}, 'DIB_RELEASE', dir)).toBe('stable');
    });

    // DIB's block-device-mbr environment.d stops the sourcing without ARCH (its arm64 gate): a
    // `vm` build's release must be read with the environment extra-data.d has, not an empty one
    it(`DIB ${o.version}'s debian-minimal beside block-device-mbr asks for stable, with the build's ARCH`, async () => {
      const p = prepared([join(o.elementsDir, 'debian-minimal/environment.d/10-debian-minimal.bash'), join(o.elementsDir, 'block-device-mbr/environment.d/15-block-device.bash')], `${o.version}-mbr`);
      expect(await elementVariable(p, { ARCH: 'amd64' }, 'DIB_RELEASE', dir)).toBe('stable');
      expect(await elementVariable(p, {}, 'DIB_RELEASE', dir)).toBeUndefined();
    });
  }
});

describe('NAME.d/dib_environment', () => {
  it("is the user's variables, one NAME=value line each, quoted", () => {
    expect(renderDibEnvironment({ B: 'two words', A: '1' }, quote)).toBe("A=1\nB='two words'\n");
  });
});
