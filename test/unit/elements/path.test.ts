import { describe, expect, it } from 'vitest';
import { elementPathFromOptions, parseNameList } from '../../../src/elements/index.js';
import { builtinElementsDir } from '../../../src/paths.js';
import { fixture } from './fixtures.js';

describe('elementPathFromOptions', () => {
  const builtinDir = fixture('defaults'); // stands in for kiln's elements/, whose contents others own

  it('puts -p first (in order, colon lists split), then ELEMENTS_PATH, then the built-in dir', () => {
    const got = elementPathFromOptions(['/a:/b', '/c'], { ELEMENTS_PATH: '/d:/e' }, { builtinDir });
    expect(got).toEqual(['/a', '/b', '/c', '/d', '/e', builtinDir]);
  });

  it('resolves relative entries, drops empty ones and repeats', () => {
    expect(elementPathFromOptions(['x', '', '/a::/a'], { ELEMENTS_PATH: ':x:' }, { cwd: '/w', builtinDir })).toEqual(['/w/x', '/a', builtinDir]);
  });

  it('leaves the built-in dir out on request, or when it does not exist', () => {
    expect(elementPathFromOptions([], { ELEMENTS_PATH: '/d' }, { builtin: false, builtinDir })).toEqual(['/d']);
    expect(elementPathFromOptions([], {}, { builtinDir: fixture('no-such-dir') })).toEqual([]);
  });

  it("defaults to kiln's elements/ dir", () => {
    const got = elementPathFromOptions([], {});
    expect(got.length <= 1 && got.every((p) => p === builtinElementsDir)).toBe(true);
  });
});

describe('parseNameList', () => {
  it('reads one name per line, stripped, without blank lines or # comment lines', () => {
    expect([...parseNameList('# c\n  a  \r\n\n\tb\n#d\nc # not a comment\r')]).toEqual(['a', 'b', 'c # not a comment']);
  });
});
