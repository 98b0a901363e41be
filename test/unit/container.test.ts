// The container image's files, read as data (the image itself is built and run by
// test/e2e/container.test.ts): the Containerfile, its ignore file and the Kubernetes Job of
// docs/ci.md.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/yaml.js';

const repo = resolve(import.meta.dirname, '../..');
const containerfile = readFileSync(join(repo, 'Containerfile'), 'utf8');
/** Instructions, continuation lines joined, comments dropped. */
const instructions = containerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Containerfile', () => {
  it('chooses its base with a build argument, a stock Debian trixie by default', () => {
    expect(instructions[0]).toBe('ARG BASE=docker.io/library/debian:trixie-slim');
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms.filter((l) => l.startsWith('FROM ${BASE}')).length).toBeGreaterThan(0);
  });

  it('ends as an ordinary user, with the cache dir and the prebuilt appliance in its environment', () => {
    const last = instructions.slice(instructions.lastIndexOf(instructions.filter((l) => l.startsWith('FROM ')).pop()!));
    const users = last.filter((l) => l.startsWith('USER '));
    expect(users.pop()).toBe('USER kiln');
    const env = last.filter((l) => l.startsWith('ENV ')).join(' ');
    expect(env).toContain('KILN_CACHE_DIR=/var/cache/kiln');
    expect(env).toContain('KILN_APPLIANCE_PATH=/opt/kiln/prebuilt-appliance');
  });

  it('copies only what .containerignore lets into the context (and .dockerignore says the same)', () => {
    const ignore = readFileSync(join(repo, '.containerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = instructions
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1))
      .filter((s) => !s.startsWith('--'));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(allowed, s).toContain(s.replace(/\/$/, ''));
      expect(existsSync(join(repo, s)), s).toBe(true);
    }
    expect(readFileSync(join(repo, '.dockerignore'), 'utf8')).toBe(readFileSync(join(repo, '.containerignore'), 'utf8'));
  });

  it('installs every host package kiln needs, from scripts/host-packages', () => {
    expect(instructions.some((l) => l.startsWith('COPY scripts/host-packages '))).toBe(true);
    expect(containerfile).toMatch(/apt-get install [^\n]*nodejs/);
  });
});

describe('docs/ci/k8s-indexed-job.yaml', () => {
  const docs = readFileSync(join(repo, 'docs/ci/k8s-indexed-job.yaml'), 'utf8')
    .split(/^---$/m)
    .map((d) => parseYaml(d) as Record<string, any> | null) // eslint-disable-line @typescript-eslint/no-explicit-any
    .filter((d) => d);
  const job = docs.find((d) => d!.kind === 'Job')!;
  const configMap = docs.find((d) => d!.kind === 'ConfigMap')!;

  it('is an Indexed Job with one completion per listed image', () => {
    expect(job.spec.completionMode).toBe('Indexed');
    const lines = (configMap.data.images as string).split('\n').filter((l) => l.trim());
    expect(job.spec.completions).toBe(lines.length);
  });

  it('runs unprivileged pods: the image user, no capabilities, no privilege escalation, no devices', () => {
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(JSON.stringify(pod)).not.toContain('hostPath');
  });

  it('keeps the cache on a volume, one directory per completion index', () => {
    const c = job.spec.template.spec.containers[0];
    const cache = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/var/cache/kiln');
    expect(cache.subPathExpr).toBe('cache-$(INDEX)');
    const claim = job.spec.template.spec.volumes.find((v: { name: string }) => v.name === cache.name);
    expect(claim.persistentVolumeClaim.claimName).toBe('kiln-cache');
    expect(c.env.find((e: { name: string }) => e.name === 'INDEX').valueFrom.fieldRef.fieldPath).toContain('job-completion-index');
  });
});
