// The build's environment: what the elements' environment.d settles DIB_RELEASE to (the host
// package step makes its repository for that release), read from DIB's and kiln's own
// debian-minimal; and NAME.d/dib_environment holding only the user's variables.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elementVariable, renderDibEnvironment } from '../../../src/build/environment.js';
import type { PreparedElements } from '../../../src/build/prepare.js';
import { quote } from '../../../src/quote.js';
import { dibOracles } from '../../support/dib-oracles.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-envprobe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Just enough of a prepared build: the staged environment.d of one element. */
function prepared(envFile: string, name: string): PreparedElements {
  const hooks = join(dir, name, 'hooks');
  mkdirSync(join(hooks, 'environment.d'), { recursive: true });
  copyFileSync(envFile, join(hooks, 'environment.d', '10-debian-minimal.bash'));
  return { scripts: { environment: [{ hook: 'environment.d/10-debian-minimal.bash' }] }, staged: { hooksPath: hooks } } as unknown as PreparedElements;
}

describe('elementVariable (the release the elements ask for)', () => {
  const repo = join(import.meta.dirname, '../../..');
  it("kiln's debian-minimal asks for trixie, and the user's DIB_RELEASE wins", async () => {
    const p = prepared(join(repo, 'elements/debian-minimal/environment.d/10-debian-minimal.bash'), 'kiln');
    expect(await elementVariable(p, {}, 'DIB_RELEASE', dir)).toBe('trixie');
    expect(await elementVariable(p, { DIB_RELEASE: 'bookworm' }, 'DIB_RELEASE', dir)).toBe('bookworm');
  });

  for (const o of dibOracles().oracles) {
    it(`DIB ${o.version}'s debian-minimal asks for stable`, async () => {
      const p = prepared(join(o.elementsDir, 'debian-minimal/environment.d/10-debian-minimal.bash'), o.version);
      expect(await elementVariable(p, {}, 'DIB_RELEASE', dir)).toBe('stable');
    });
  }
});

describe('NAME.d/dib_environment', () => {
  it("is the user's variables, one NAME=value line each, quoted", () => {
    expect(renderDibEnvironment({ B: 'two words', A: '1' }, quote)).toBe("A=1\nB='two words'\n");
  });
});
