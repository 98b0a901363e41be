import { describe, expect, it } from 'vitest';
import { blockDeviceConfig, elementDataFiles, resolveElements } from '../../../src/elements/index.js';
import { fixture, thrown } from './fixtures.js';

describe('elementDataFiles', () => {
  it('lists the non-hook files each element carries, by kind', () => {
    const S = fixture('scripts');
    const resolved = resolveElements({ names: ['s-three'], elementPaths: [S], dibDefaults: false });
    const files = elementDataFiles(resolved.elements).map((f) => `${f.element}:${f.kind}:${f.name}`);
    expect(files).toEqual([
      'os:element-provides:element-provides',
      's-one:element-deps:element-deps',
      's-one:package-installs:package-installs.yaml',
      's-one:pkg-map:pkg-map',
      's-one:source-repository:source-repository-one',
      's-three:element-deps:element-deps',
      's-three:package-installs:package-installs.json',
      's-two:element-deps:element-deps',
      's-two:source-repository:source-repository-two',
      's-two:svc-map:svc-map',
    ]);
  });
});

describe('blockDeviceConfig', () => {
  const D = fixture('defaults');
  const set = (names: string[]) => resolveElements({ names, elementPaths: [D], dibDefaults: false }).elements;

  it("prefers the element's block-device-<arch>.yaml, else its block-device-default.yaml", () => {
    expect(blockDeviceConfig(set(['os', 'vm', 'block-device-efi']), 'arm64')?.source).toBe(`${D}/block-device-efi/block-device-arm64.yaml`);
    expect(blockDeviceConfig(set(['os', 'vm', 'block-device-efi']), 'amd64')?.source).toBe(`${D}/block-device-efi/block-device-default.yaml`);
    expect(blockDeviceConfig(set(['os']), 'amd64')).toBeUndefined();
  });

  it('refuses to guess between two elements that both carry one', () => {
    const both = [...set(['os', 'block-device-mbr']), ...set(['os', 'block-device-gpt']).filter((e) => e.name !== 'os')];
    expect(thrown(() => blockDeviceConfig(both, 'amd64')).message).toBe(
      `two elements carry a block-device config for amd64: ${D}/block-device-mbr/block-device-default.yaml and ${D}/block-device-gpt/block-device-default.yaml`,
    );
  });
});
