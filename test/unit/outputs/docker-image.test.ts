import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { dockerArch, dockerArchivePlan, dockerCreated, parseDockerTarget } from '../../../src/outputs/docker-image.js';
import { dockerTargetFor } from '../../../src/outputs/docker.js';

describe('docker target', () => {
  it.each([
    ['ubuntu', { repository: 'ubuntu', tag: 'latest' }],
    ['my/img:1.0', { repository: 'my/img', tag: '1.0' }],
    ['registry.example.com:5000/team/img:v2-rc.1', { repository: 'registry.example.com:5000/team/img', tag: 'v2-rc.1' }],
    ['localhost:5000/img', { repository: 'localhost:5000/img', tag: 'latest' }],
  ])('%s', (target, want) => {
    expect(parseDockerTarget(target)).toEqual(want);
  });

  it.each(['Ubuntu', 'img:', 'a//b', 'img:tag with space', '-img'])('rejects %j', (target) => {
    expect(() => parseDockerTarget(target)).toThrow(UsageError);
  });

  it('defaults to IMAGE_NAME:latest', () => {
    expect(dockerTargetFor('/out/ubuntu.docker.tar', {})).toBe('ubuntu:latest');
    expect(dockerTargetFor('/out/x.docker.tar', { imageName: 'focal' })).toBe('focal:latest');
    expect(dockerTargetFor('/out/x.docker.tar', { dockerTarget: 'a/b:c' })).toBe('a/b:c');
  });
});

describe('docker image documents', () => {
  const diffId = 'a'.repeat(64);
  const plan = dockerArchivePlan({ diffId, target: { repository: 'kiln/test', tag: 'v1' }, created: dockerCreated(1700000000), arch: 'arm64' });

  it('config: one layer with the tar sha256 as diff id, SOURCE_DATE_EPOCH as created', () => {
    expect(JSON.parse(plan.config)).toEqual({
      architecture: 'arm64',
      variant: 'v8',
      config: {},
      created: '2023-11-14T22:13:20Z',
      history: [expect.objectContaining({ created: '2023-11-14T22:13:20Z', created_by: 'kiln build' })],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    });
    expect(plan.configName).toBe(`${createHash('sha256').update(plan.config).digest('hex')}.json`);
  });

  it('manifest and repositories point at the config and the layer', () => {
    expect(JSON.parse(plan.manifest)).toEqual([{ Config: plan.configName, RepoTags: ['kiln/test:v1'], Layers: [`${diffId}/layer.tar`] }]);
    expect(JSON.parse(plan.repositories)).toEqual({ 'kiln/test': { v1: diffId } });
  });

  it('is the same for the same inputs', () => {
    const again = dockerArchivePlan({ diffId, target: { repository: 'kiln/test', tag: 'v1' }, created: dockerCreated(1700000000), arch: 'arm64' });
    expect(again).toEqual(plan);
  });

  it('maps DIB architectures', () => {
    expect(dockerArch('amd64')).toEqual({ architecture: 'amd64' });
    expect(dockerArch('ppc64el')).toEqual({ architecture: 'ppc64le' });
    expect(dockerArch('armhf')).toEqual({ architecture: 'arm', variant: 'v7' });
    expect(dockerCreated(undefined, () => new Date('2024-01-02T03:04:05.678Z'))).toBe('2024-01-02T03:04:05Z');
  });
});
