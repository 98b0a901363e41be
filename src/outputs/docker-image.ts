// The JSON documents of a `docker save` archive for a one-layer image, as pure functions.
// Layout (what docker <= 24 writes and every docker and podman `load` reads):
//   <diff-id hex>/layer.tar     the tree tar, uncompressed
//   <config digest hex>.json    image config; rootfs.diff_ids = sha256 of layer.tar
//   manifest.json               [{Config, RepoTags, Layers}]
//   repositories                {repo: {tag: layer id}} for older loaders
// Keys are written in a fixed order and `created` comes from SOURCE_DATE_EPOCH, so the same
// tree gives the same image id.
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface DockerTarget {
  repository: string;
  tag: string;
}

// The reference grammar of distribution/reference: lower-case path components, an optional
// registry host[:port] first, and a tag of at most 128 word characters, dots and dashes.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?/)';
const REPOSITORY = new RegExp(`^${HOST}?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** "repo[:tag]" -> parts; the tag defaults to latest. Throws a UsageError naming the problem. */
export function parseDockerTarget(target: string): DockerTarget {
  const slash = target.lastIndexOf('/');
  const colon = target.lastIndexOf(':');
  const [repository, tag] = colon > slash ? [target.slice(0, colon), target.slice(colon + 1)] : [target, 'latest'];
  // A bare host:port/name is a repository, but "name:tag" without a slash must still split.
  if (!REPOSITORY.test(repository) || !TAG.test(tag)) {
    throw new UsageError(`docker target "${target}" is not a valid repository[:tag]`, {
      hint: 'repositories are lower case (a-z 0-9 . _ -, parts separated by /); pass one with --docker-target',
    });
  }
  return { repository, tag };
}

/** DIB's ARCH -> the Go/OCI architecture (and variant) docker records. */
export function dockerArch(arch: string): { architecture: string; variant?: string } {
  const map: Record<string, { architecture: string; variant?: string }> = {
    amd64: { architecture: 'amd64' },
    x86_64: { architecture: 'amd64' },
    x64: { architecture: 'amd64' },
    i386: { architecture: '386' },
    i686: { architecture: '386' },
    ia32: { architecture: '386' },
    arm64: { architecture: 'arm64', variant: 'v8' },
    aarch64: { architecture: 'arm64', variant: 'v8' },
    armhf: { architecture: 'arm', variant: 'v7' },
    arm: { architecture: 'arm', variant: 'v7' },
    ppc64el: { architecture: 'ppc64le' },
    ppc64le: { architecture: 'ppc64le' },
    ppc64: { architecture: 'ppc64le' },
    s390x: { architecture: 's390x' },
  };
  return map[arch] ?? { architecture: arch };
}

export function dockerCreated(sourceDateEpoch: number | undefined, now: () => Date = () => new Date()): string {
  const date = sourceDateEpoch === undefined ? now() : new Date(sourceDateEpoch * 1000);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function dockerConfig(input: { diffId: string; created: string; arch: string }): string {
  const { architecture, variant } = dockerArch(input.arch);
  return JSON.stringify({
    architecture,
    ...(variant ? { variant } : {}),
    // Like `docker import` (what DIB used): no Cmd, no Env; the runtime supplies PATH.
    config: {},
    created: input.created,
    history: [{ created: input.created, created_by: 'kiln build', comment: 'root filesystem built from diskimage-builder elements' }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [`sha256:${input.diffId}`] },
  });
}

export interface DockerArchivePlan {
  layerPath: string;
  configName: string;
  config: string;
  manifest: string;
  repositories: string;
}

/** Everything but the layer bytes, from the layer's sha256. */
export function dockerArchivePlan(input: { diffId: string; target: DockerTarget; created: string; arch: string }): DockerArchivePlan {
  const config = dockerConfig(input);
  const configHex = createHash('sha256').update(config).digest('hex');
  const layerPath = `${input.diffId}/layer.tar`;
  const ref = `${input.target.repository}:${input.target.tag}`;
  return {
    layerPath,
    configName: `${configHex}.json`,
    config,
    manifest: JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [ref], Layers: [layerPath] }]),
    repositories: JSON.stringify({ [input.target.repository]: { [input.target.tag]: input.diffId } }),
  };
}
