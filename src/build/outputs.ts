// The outputs of a build, written into its staging dir (work/out): NAME.d/ with kiln's and
// DIB's records, then each format converted natively on the host from the target disk or the
// tree tar, with checksums when asked. Nothing reaches the user's directory until publish.
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ApplianceManifest } from '../appliance/store.js';
import { outputFileName, writeChecksums } from '../outputs/index.js';
import { elementDigest, installedPackages, renderManifest, type BuildManifest } from '../outputs/manifest.js';
import { kilnVersion } from '../paths.js';
import { quote } from '../quote.js';
import type { BuildContext } from './context.js';
import { renderDibEnvironment } from './environment.js';
import type { Exported } from './export.js';
import type { PreparedElements } from './prepare.js';

export interface OutputInputs {
  prepared: PreparedElements;
  user: Readonly<Record<string, string>>;
  appliance: ApplianceManifest;
  exported: Exported;
  /** The target disk's host file and the image's size (not in ramdisk mode). */
  disk?: { file: string; bytes: number };
}

export async function writeOutputs(ctx: BuildContext, a: OutputInputs): Promise<void> {
  const { o } = ctx;
  const name = basename(ctx.base);
  const dotD = join(ctx.staging, `${name}.d`);
  await mkdir(dotD, { recursive: true });
  await writeFile(join(dotD, 'dib_environment'), ctx.redact(renderDibEnvironment(a.user, quote)));
  await writeFile(join(dotD, 'dib_arguments'), ctx.redact(o.elements.join(' ') + '\n'));
  await writeFile(join(dotD, 'kiln-manifest.json'), renderManifest(buildManifest(ctx, a)));
  if (!a.disk) return; // ramdisk mode: the kernel and initramfs are in NAME.d; no disk image
  await truncate(a.disk.file, a.disk.bytes);
  for (const format of o.formats) {
    const dest = join(ctx.staging, basename(outputFileName(ctx.base, format)));
    const input = format.needs === 'disk' ? a.disk.file : a.exported.treeTar!;
    ctx.log.info(`writing ${outputFileName(ctx.base, format)}`);
    await format.write(input, dest, { compress: o.compress, qemuImgOptions: o.qemuImgOptions, sourceDateEpoch: o.sourceDateEpoch, seed: ctx.seed, dockerTarget: o.dockerTarget, imageName: name, arch: o.arch });
    if (o.checksums.length) await writeChecksums(dest, o.checksums);
  }
}

function buildManifest(ctx: BuildContext, a: OutputInputs): BuildManifest {
  const { o } = ctx;
  const reproducible = o.seed !== undefined || o.sourceDateEpoch !== undefined;
  return {
    kiln: kilnVersion(),
    arch: o.arch,
    appliance: { key: a.appliance.key, kernel: a.appliance.kernelVersion, suite: a.appliance.suite },
    elements: a.prepared.resolution.elements.map((e) => ({ name: e.name, sha256: elementDigest(e.path) })),
    sourceDateEpoch: o.sourceDateEpoch ?? null,
    seed: reproducible ? ctx.seed : null,
    formats: o.formats.map((f) => f.name),
    packages: installedPackages(a.exported.dpkgStatus),
  };
}
