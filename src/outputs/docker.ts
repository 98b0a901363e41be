// docker: a `docker save`-format archive of the tree, written by kiln itself (no daemon, no
// root): `docker load -i NAME.docker.tar` or `podman load -i ...` imports it. DIB piped the
// tree into `docker import`; kiln leaves a file so the build needs no docker at all.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { atomicOutput } from './atomic.js';
import { OutputError } from './errors.js';
import { dockerArchivePlan, dockerCreated, parseDockerTarget, type DockerArchivePlan } from './docker-image.js';
import { TAR_END, tarHeader, tarPadding } from './tar-format.js';
import type { OutputFormat, WriteOptions } from './types.js';

export const DOCKER_EXT = 'docker.tar';

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash, { signal });
  return hash.digest('hex');
}

/** --docker-target, else IMAGE_NAME:latest (the file name without .docker.tar if no name was given). */
export function dockerTargetFor(dest: string, opts: WriteOptions): string {
  return opts.dockerTarget ?? `${opts.imageName ?? basename(dest).replace(/\.docker\.tar$/, '')}:latest`;
}

async function* archive(input: string, layerSize: number, plan: DockerArchivePlan, mtime: number): AsyncGenerator<Buffer> {
  const file = (name: string, body: string): Buffer[] => {
    const data = Buffer.from(body);
    return [tarHeader({ name, size: data.length, mode: 0o644, mtime, type: 'file' }), data, tarPadding(data.length)];
  };
  yield tarHeader({ name: plan.layerPath.replace(/layer\.tar$/, ''), size: 0, mode: 0o755, mtime, type: 'directory' });
  yield tarHeader({ name: plan.layerPath, size: layerSize, mode: 0o644, mtime, type: 'file' });
  for await (const chunk of createReadStream(input)) yield chunk as Buffer;
  yield tarPadding(layerSize);
  yield* file(plan.configName, plan.config);
  yield* file('manifest.json', plan.manifest);
  yield* file('repositories', plan.repositories);
  yield TAR_END;
}

export const docker: OutputFormat = {
  name: 'docker',
  ext: DOCKER_EXT,
  needs: 'tree',
  supported: () => Promise.resolve({ ok: true }),
  write: async (input, dest, opts = {}) => {
    // Validate before any work, so a bad tag fails in milliseconds.
    const target = parseDockerTarget(dockerTargetFor(dest, opts));
    await atomicOutput(dest, async (tmp) => {
      const diffId = await sha256File(input, opts.signal);
      const { size } = await stat(input);
      const created = dockerCreated(opts.sourceDateEpoch);
      const plan = dockerArchivePlan({ diffId, target, created, arch: opts.arch ?? process.arch });
      const mtime = Math.trunc(Date.parse(created) / 1000);
      await pipeline(archive(input, size, plan, mtime), createWriteStream(tmp), { signal: opts.signal });
      // The tree must not have changed between hashing and copying.
      const after = await stat(input);
      if (after.size !== size) throw new OutputError(`${input} changed while the docker archive was written`);
    });
  },
};
