// Staging against DIB's own generate_hooks: both build a hooks tree from the same elements
// and the trees must match entry for entry (type, mode, symlink target, content, mtime).
// Where DIB's result depends on bash's hash order (shared top-level files such as README.rst,
// and files two elements put at the same path inside a merged directory), only the entry's
// presence and kind are compared, and kiln's pick is checked to be the later element's.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuplicateHookError, ElementFileError, resolveElements, stageHooks, type Resolution } from '../../../src/elements/index.js';
import { dib, dibBash } from './dib-oracle.js';
import { fixture, tempDir, thrown } from './fixtures.js';

interface Entry {
  kind: 'dir' | 'file' | 'link';
  mode: number;
  data: string;
  mtime: number;
}

function walk(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out.set(r, { kind: 'link', mode: 0, data: readlinkSync(join(root, r)), mtime: 0 });
      else if (st.isDirectory()) {
        out.set(r, { kind: 'dir', mode: st.mode & 0o7777, data: '', mtime: 0 });
        visit(r);
      } else {
        const data = createHash('sha256').update(readFileSync(join(root, r))).digest('hex');
        out.set(r, { kind: 'file', mode: st.mode & 0o7777, data, mtime: Math.floor(st.mtimeMs) });
      }
    }
  };
  visit('');
  return out;
}

/** DIB's generate_hooks, fed by DIB's own element-info --env, into dest/hooks. */
function dibStage(paths: string[], names: string[], dest: string): { status: number | null; stdout: string; stderr: string } {
  return dibBash(`export TMP_HOOKS_PATH="$DEST/hooks"\neval "$("$DIB_PYTHON_EXEC" "$_LIB/element-info.py" --env ${names.join(' ')})"\ngenerate_hooks`, {
    DEST: dest,
    ELEMENTS_PATH: paths.join(':'),
  });
}

function compareWithDib(resolved: Resolution, paths: string[], names: string[]): { kiln: Map<string, Entry>; files: number } {
  const tmp = tempDir();
  try {
    const staged = stageHooks(resolved, join(tmp.path));
    const dibDir = join(tmp.path, 'dib');
    require0(dibBash(`mkdir -p "$D"`, { D: dibDir }));
    const r = dibStage(paths, names, dibDir);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const kiln = walk(staged.hooksPath);
    const theirs = walk(join(dibDir, 'hooks'));
    expect([...kiln.keys()].sort()).toEqual([...theirs.keys()].sort());
    const orderDependent = new Set([
      ...staged.replaced.map((x) => x.hook),
      ...[...kiln.keys()].filter((k) => !k.includes('/') && kiln.get(k)!.kind !== 'dir' && ownerCount(resolved, k) > 1),
    ]);
    for (const [rel, mine] of kiln) {
      const dibs = theirs.get(rel)!;
      if (orderDependent.has(rel)) expect({ rel, kind: mine.kind }).toEqual({ rel, kind: dibs.kind });
      else expect({ rel, ...mine }).toEqual({ rel, ...dibs });
    }
    return { kiln, files: kiln.size };
  } finally {
    tmp.remove();
  }
}

function require0(r: { status: number | null; stderr: string }): void {
  if (r.status !== 0) throw new Error(r.stderr);
}

/** How many elements in the set have a top-level file of this name. */
function ownerCount(resolved: Resolution, name: string): number {
  return resolved.elements.filter((e) => {
    try {
      return !lstatSync(join(e.path, name)).isDirectory();
    } catch {
      return false;
    }
  }).length;
}

const S = fixture('scripts');
const scriptsSet = () => resolveElements({ names: ['s-three'], elementPaths: [S], dibDefaults: false });

describe('stageHooks', () => {
  it('lays out one hooks tree and returns IMAGE_ELEMENT, IMAGE_ELEMENT_YAML and the owners', () => {
    const tmp = tempDir();
    try {
      const staged = stageHooks(scriptsSet(), tmp.path);
      expect(staged.hooksPath).toBe(join(tmp.path, 'hooks'));
      expect(staged.imageElement).toBe('os s-one s-three s-two');
      expect(staged.imageElementYaml).toBe(`os: ${S}/os\ns-one: ${S}/s-one\ns-three: ${S}/s-three\ns-two: ${S}/s-two\n`);
      expect(staged.owners.get('install.d/15-two')).toBe('s-two');
      expect(staged.owners.get('install.d/source-dir/one.txt')).toBe('s-one');
      expect(staged.owners.get('install.d/source-dir/two.txt')).toBe('s-two');
      expect(staged.owners.get('source-repository-one')).toBe('s-one');
      const tree = walk(staged.hooksPath);
      expect(tree.get('install.d/40-link')).toMatchObject({ kind: 'link', data: '../bin/tool' });
      expect(tree.has('tests')).toBe(false);
      expect(tree.has('__pycache__')).toBe(false);
      expect(tree.has('stale.pyc')).toBe(false);
      expect(tree.has('install.d/.hidden')).toBe(false);
      expect(tree.has('.topdot')).toBe(true);
      // s-three's static/etc/one.conf replaces s-one's: the later element in resolved order wins.
      expect(readFileSync(join(staged.hooksPath, 'static/etc/one.conf'), 'utf8')).toBe('three replaces one\n');
      expect(staged.replaced).toEqual([{ hook: 'static/etc/one.conf', element: 's-one', by: 's-three' }]);
    } finally {
      tmp.remove();
    }
  });

  it('refuses a file two elements put in the same directory, naming both (not only phase dirs)', () => {
    const tmp = tempDir();
    try {
      const resolved = resolveElements({ names: ['dup-a', 'dup-c'], elementPaths: [fixture('duplicate')], dibDefaults: false });
      const err = thrown(() => stageHooks(resolved, tmp.path));
      expect(err).toBeInstanceOf(DuplicateHookError);
      const D = fixture('duplicate');
      expect(err.message).toContain(`bin/helper is in two elements: dup-a (${D}/dup-a/bin/helper) and dup-c (${D}/dup-c/bin/helper)`);
    } finally {
      tmp.remove();
    }
  });

  it('does not stage excluded scripts, so they never run', () => {
    const tmp = tempDir();
    try {
      const resolved = resolveElements({ names: ['dup-a', 'dup-b'], elementPaths: [fixture('duplicate')], dibDefaults: false });
      const staged = stageHooks(resolved, tmp.path, { excludeScripts: ['50-same'] });
      expect([...walk(staged.hooksPath).keys()].filter((k) => k.startsWith('install.d/'))).toEqual(['install.d/60-only-a']);
    } finally {
      tmp.remove();
    }
  });

  it('refuses to stage into an existing hooks tree', () => {
    const tmp = tempDir();
    try {
      stageHooks(scriptsSet(), tmp.path);
      expect(thrown(() => stageHooks(scriptsSet(), tmp.path))).toBeInstanceOf(ElementFileError);
    } finally {
      tmp.remove();
    }
  });
});

describe.skipIf(!dib)("stageHooks builds the tree DIB's generate_hooks builds", () => {
  it('for the fixture elements', () => {
    compareWithDib(scriptsSet(), [S], ['s-three']);
  });

  it('for base debian-minimal vm block-device-mbr from the upstream tree', () => {
    const names = ['base', 'debian-minimal', 'vm', 'block-device-mbr'];
    const resolved = resolveElements({ names, elementPaths: [dib!.elementsDir], dibDefaults: false });
    const { files } = compareWithDib(resolved, [dib!.elementsDir], names);
    expect(files).toBeGreaterThan(80);
  });

  it('and, like kiln, DIB refuses the duplicate', () => {
    const tmp = tempDir();
    try {
      const r = dibStage([fixture('duplicate')], ['dup-a', 'dup-b'], tmp.path);
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain('There is a duplicated hook in your elements');
    } finally {
      tmp.remove();
    }
  });
});
