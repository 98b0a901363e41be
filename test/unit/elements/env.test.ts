// IMAGE_ELEMENT, IMAGE_ELEMENT_YAML and get_image_element_array against DIB's element-info --env.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageElementEnv, renderElementEnv, resolveElements } from '../../../src/elements/index.js';
import { dib, dibEnv } from './dib-oracle.js';
import { tempDir } from './fixtures.js';

/** Evaluate an element-info --env text in bash and read the three things back. */
function evalEnv(text: string): { IMAGE_ELEMENT: string; IMAGE_ELEMENT_YAML: string; array: string[] } {
  const script = `${text}\nprintf '%s\\0' "$IMAGE_ELEMENT" "$IMAGE_ELEMENT_YAML"\neval declare -A a=($(get_image_element_array))\nfor k in "\${!a[@]}"; do printf '%s=%s\\0' "$k" "\${a[$k]}"; done`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const [IMAGE_ELEMENT = '', IMAGE_ELEMENT_YAML = '', ...array] = r.stdout.split('\0').filter((x, i, all) => i < all.length - 1);
  return { IMAGE_ELEMENT, IMAGE_ELEMENT_YAML, array: array.sort() };
}

describe('imageElementEnv', () => {
  it('renders names, sorted YAML and the bash array body', () => {
    const env = imageElementEnv([
      { name: 'b', path: '/e/b' },
      { name: 'a', path: '/e/a' },
    ]);
    expect(env).toEqual({ IMAGE_ELEMENT: 'b a', IMAGE_ELEMENT_YAML: 'a: /e/a\nb: /e/b\n', imageElementArray: '[b]=/e/b [a]=/e/a ' });
    expect(imageElementEnv([{ name: 'x#y', path: '/e/a b' }]).imageElementArray).toBe("['x#y']='/e/a b' ");
  });

  it('quotes names YAML 1.1 would read as something else, as PyYAML does', () => {
    const env = imageElementEnv(['on', 'yes', 'null', '007', 'x#y', 'plain'].map((n) => ({ name: n, path: `/e/${n}` })));
    expect(env.IMAGE_ELEMENT_YAML).toBe("'007': /e/007\n'null': /e/null\n'on': /e/on\nplain: /e/plain\nx#y: /e/x#y\n'yes': /e/yes\n");
  });

  it('stays valid shell when a path has a quote in it', () => {
    const out = evalEnv(renderElementEnv([{ name: 'q', path: "/e/it's" }]));
    expect(out.IMAGE_ELEMENT_YAML).toBe("q: /e/it's\n");
    expect(out.array).toEqual(["q=/e/it's"]);
  });
});

describe.skipIf(!dib)("renderElementEnv gives what DIB's element-info --env gives", () => {
  it('for base debian-minimal vm block-device-mbr', () => {
    const names = ['base', 'debian-minimal', 'vm', 'block-device-mbr'];
    const theirs = dibEnv([dib!.elementsDir], names);
    expect(theirs.status).toBe(0);
    const resolved = resolveElements({ names, elementPaths: [dib!.elementsDir], dibDefaults: false });
    const mine = renderElementEnv(resolved.elements);
    const a = evalEnv(mine);
    const b = evalEnv(theirs.stdout);
    // DIB lists elements in Python set order; kiln sorts them. Same set, same YAML text, same array.
    expect(a.IMAGE_ELEMENT.split(' ').sort()).toEqual(b.IMAGE_ELEMENT.split(' ').sort());
    expect(a.IMAGE_ELEMENT_YAML).toBe(b.IMAGE_ELEMENT_YAML);
    expect(a.array).toEqual(b.array);
    // And line for line the text is DIB's, once both list the elements in the same order.
    const sortLine = (t: string) => t.replace(/^(export IMAGE_ELEMENT=')(.*)'$/m, (_, p: string, l: string) => `${p}${l.split(' ').sort().join(' ')}'`)
      .replace(/^( {2}echo ")(.*)"$/m, (_, p: string, l: string) => `${p}${l.trim().split(' ').sort().join(' ')} "`);
    expect(sortLine(mine)).toBe(sortLine(theirs.stdout));
  });

  it('for element names PyYAML must quote', () => {
    const tmp = tempDir();
    try {
      const names = ['on', 'yes', '007', 'x#y', 'os'];
      for (const n of names) mkdirSync(join(tmp.path, n));
      writeFileSync(join(tmp.path, 'os', 'element-provides'), 'operating-system\n');
      const resolved = resolveElements({ names, elementPaths: [tmp.path], dibDefaults: false });
      const mapping = Object.fromEntries(resolved.elements.map((e) => [e.name, e.path]));
      const py = spawnSync(dib!.python, ['-c', 'import json, sys, yaml; sys.stdout.write(yaml.safe_dump(json.load(sys.stdin)))'], {
        input: JSON.stringify(mapping),
        encoding: 'utf8',
      });
      expect(imageElementEnv(resolved.elements).IMAGE_ELEMENT_YAML).toBe(py.stdout);
    } finally {
      tmp.remove();
    }
  });
});
