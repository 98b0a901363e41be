import { describe, expect, it } from 'vitest';
import { parseTotals, TransferError } from '../../../src/channel/transfer.js';

describe('parseTotals', () => {
  it('reads GNU tar --totals for extraction and creation', () => {
    expect(parseTotals('Total bytes read: 10240 (10KiB, 31MiB/s)\n')).toBe(10240);
    expect(parseTotals('Total bytes written: 209725440 (201MiB, 95MiB/s)\n')).toBe(209725440);
  });

  it('finds the line among warnings', () => {
    expect(parseTotals('tar: ./x: time stamp in the future\nTotal bytes read: 512 (512B, 1.0MiB/s)\n')).toBe(512);
  });

  it('no count is a TransferError quoting what tar said', () => {
    expect(() => parseTotals('tar: This does not look like a tar archive\n')).toThrow(TransferError);
    expect(() => parseTotals('tar: This does not look like a tar archive\n')).toThrow(/no byte count.*does not look like a tar archive/);
    expect(() => parseTotals('')).toThrow(TransferError);
  });
});
