import { describe, expect, it } from 'vitest';
import { INITRAMFS_ELEMENT, needsInitramfsDeferral } from '../../../src/elements/kiln-additions.js';

const el = (name: string, path: string) => ({ name, path, requiredBy: null });
const builtin = (e: { path: string }) => e.path.startsWith('/kiln/elements/');

describe('kiln-initramfs for builds with another dpkg element', () => {
  it("is added when DIB's dpkg element is used", () => {
    expect(needsInitramfsDeferral({ elements: [el('dpkg', '/dib/elements/dpkg'), el('base', '/dib/elements/base')] }, [], builtin)).toBe('/dib/elements/dpkg');
  });
  it("is not added with kiln's own dpkg (it depends on it), without dpkg, when present or excluded", () => {
    expect(needsInitramfsDeferral({ elements: [el('dpkg', '/kiln/elements/dpkg')] }, [], builtin)).toBeUndefined();
    expect(needsInitramfsDeferral({ elements: [el('base', '/dib/elements/base')] }, [], builtin)).toBeUndefined();
    expect(needsInitramfsDeferral({ elements: [el('dpkg', '/dib/elements/dpkg'), el(INITRAMFS_ELEMENT, `/kiln/elements/${INITRAMFS_ELEMENT}`)] }, [], builtin)).toBeUndefined();
    expect(needsInitramfsDeferral({ elements: [el('dpkg', '/dib/elements/dpkg')] }, [INITRAMFS_ELEMENT], builtin)).toBeUndefined();
  });
});
