// Script discovery on fixture elements: dib-run-parts' name and executable rules, its sort -n
// order across elements, environment.d order, duplicates, --exclude-script — and, where DIB is
// installed, the same lists from DIB's own dib-run-parts run over kiln's staged tree.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DuplicateHookError,
  ElementFileError,
  IGNORED_BECAUSE,
  PHASES,
  collectScripts,
  resolveElements,
  stageHooks,
} from '../../../src/elements/index.js';
import { dib, dibBash } from './dib-oracle.js';
import { fixture, tempDir, thrown } from './fixtures.js';

const S = fixture('scripts');
const scriptsSet = () => resolveElements({ names: ['s-three'], elementPaths: [S], dibDefaults: false });
const dupSet = (names = ['dup-a', 'dup-b']) => resolveElements({ names, elementPaths: [fixture('duplicate')], dibDefaults: false });

describe('collectScripts', () => {
  it('orders each phase as dib-run-parts does across all elements', () => {
    const plan = collectScripts(scriptsSet().elements);
    expect(plan.phases.install.map((s) => `${s.element}/${s.name}`)).toEqual([
      's-one/-5-negative',
      's-one/zzz-no-number',
      's-one/9-nine',
      's-one/010-ten-padded',
      's-one/10-First',
      's-one/10-first',
      's-two/10-second',
      's-one/10_underscore',
      's-two/15-two',
      's-one/40-link',
      's-one/100-hundred',
    ]);
    expect(plan.phases['pre-install'].map((s) => s.hook)).toEqual(['pre-install.d/05-three']);
    expect(plan.phases.root[0]).toEqual({
      phase: 'root',
      name: '10-root',
      element: 's-one',
      source: join(S, 's-one', 'root.d', '10-root'),
      hook: 'root.d/10-root',
    });
    const used = PHASES.filter((p) => plan.phases[p].length > 0);
    expect(used).toEqual(['root', 'extra-data', 'pre-install', 'install', 'post-install', 'post-root', 'block-device', 'pre-finalise', 'finalise', 'cleanup']);
  });

  it('sources environment.d files in byte order, executable or not, dots allowed', () => {
    const plan = collectScripts(scriptsSet().elements);
    expect(plan.environment.map((s) => s.name)).toEqual(['10-b.bash', '100-c', '50-two', '9-a']);
  });

  it('reports the files that will not run and why, and skips dot files and directories', () => {
    const plan = collectScripts(scriptsSet().elements);
    expect(plan.ignored).toEqual([
      { element: 's-one', hook: 'install.d/20-not-executable', reason: 'not executable' },
      { element: 's-one', hook: 'install.d/30-bad.name', reason: 'name not allowed' },
      { element: 's-one', hook: 'install.d/50-dangling', reason: 'not a regular file' },
      { element: 's-one', hook: 'install.d/README.rst', reason: 'name not allowed' },
      { element: 's-one', hook: 'environment.d/bad~name', reason: 'name not allowed' },
    ]);
  });

  it('takes a hook that is a symlink loop for a file that will not run, as find(1) does', () => {
    const el = mkdtempSync(join(tmpdir(), 'kiln-scripts-loop-'));
    try {
      mkdirSync(join(el, 'install.d'));
      symlinkSync('50-loop', join(el, 'install.d', '50-loop'));
      const plan = collectScripts([{ name: 'looper', path: el }]);
      expect(plan.ignored).toEqual([{ element: 'looper', hook: 'install.d/50-loop', reason: 'not a regular file' }]);
      expect(IGNORED_BECAUSE['not a regular file']).toMatch(/link loop/);
    } finally {
      rmSync(el, { recursive: true, force: true });
    }
  });

  it('refuses the same script in two elements, naming both', () => {
    const err = thrown(() => collectScripts(dupSet().elements));
    expect(err).toBeInstanceOf(DuplicateHookError);
    const D = fixture('duplicate');
    expect(err.message).toBe(
      `install.d/50-same is in two elements: dup-a (${D}/dup-a/install.d/50-same) and dup-b (${D}/dup-b/install.d/50-same); DIB stops here too ("There is a duplicated hook in your elements")`,
    );
    expect(err.hint).toBe('rename one of them, drop one of the two elements, or skip it with --exclude-script 50-same');
    expect((err as DuplicateHookError).elements).toEqual(['dup-a', 'dup-b']);
  });

  it('leaves out --exclude-script names in every element, which also settles a duplicate', () => {
    const plan = collectScripts(dupSet().elements, { excludeScripts: ['50-same'] });
    expect(plan.phases.install.map((s) => s.name)).toEqual(['60-only-a']);
    expect(plan.excluded.map((s) => `${s.element}/${s.hook}`)).toEqual(['dup-a/install.d/50-same', 'dup-b/install.d/50-same']);
  });

  it('rejects an --exclude-script name no element has, with close matches', () => {
    const err = thrown(() => collectScripts(dupSet(['dup-a']).elements, { excludeScripts: ['50-sam'] }));
    expect(err).toBeInstanceOf(ElementFileError);
    expect(err.message).toBe('--exclude-script 50-sam: no element in the set has a hook of that name');
    expect(err.hint).toBe('did you mean 50-same?');
  });
});

describe.skipIf(!dib)("collectScripts agrees with DIB's dib-run-parts on the staged tree", () => {
  it('lists the same scripts in the same order for every phase, and sources environment.d the same way', () => {
    const tmp = tempDir();
    try {
      const resolved = scriptsSet();
      const plan = collectScripts(resolved.elements);
      const { hooksPath } = stageHooks(resolved, tmp.path);
      for (const phase of PHASES) {
        const r = dibBash(`[ -d "$H/${phase}.d" ] && "$_LIB/dib-run-parts" --list "$H/${phase}.d" || true`, { H: hooksPath });
        const listed = r.stdout.split('\n').filter(Boolean).map((l) => l.slice(l.lastIndexOf('/') + 1));
        expect(listed, phase).toEqual(plan.phases[phase].map((s) => s.name));
      }
      // The pipeline dib-run-parts' source_environment uses, verbatim.
      const env = dibBash(`find "$H/environment.d" -maxdepth 1 -xtype f | grep -E "/[0-9A-Za-z_\\.-]+$" | LANG=C sort -n`, { H: hooksPath });
      expect(env.stdout.split('\n').filter(Boolean).map((l) => l.slice(l.lastIndexOf('/') + 1))).toEqual(plan.environment.map((s) => s.name));
    } finally {
      tmp.remove();
    }
  });
});
