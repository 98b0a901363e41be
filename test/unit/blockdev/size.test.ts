import { describe, expect, it } from 'vitest';
import { parseAbsoluteSize, parseSize, resolveSize } from '../../../src/blockdev/size.js';

describe('DIB size grammar', () => {
  it('reads binary, decimal and bare sizes like DIB', () => {
    expect(parseAbsoluteSize('550MiB')).toBe(550 * 1024 ** 2);
    expect(parseAbsoluteSize('8M')).toBe(8_000_000);
    expect(parseAbsoluteSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseAbsoluteSize('4096')).toBe(4096);
    expect(parseAbsoluteSize('2 KiB')).toBe(2048);
    expect(parseAbsoluteSize('MiB')).toBe(1024 ** 2); // DIB: a missing number is 1
  });

  it('resolves percentages against the free space, truncating', () => {
    const spec = parseSize('55%');
    expect(spec).toEqual({ kind: 'percent', percent: 55 });
    expect(resolveSize(spec, 1001)).toBe(550);
    expect(resolveSize(parseSize('8MiB'), 1)).toBe(8 * 1024 ** 2);
  });

  it('rejects what is not a size', () => {
    expect(() => parseAbsoluteSize('8 parsecs')).toThrow(/not a size/);
    expect(() => parseAbsoluteSize('')).toThrow(/not a size/);
    expect(() => parseSize('0%')).toThrow(/percentage/);
    expect(() => parseSize('150%')).toThrow(/percentage/);
  });
});
