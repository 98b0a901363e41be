// One interface for every output format. A format says what it needs from the build (the raw
// target disk, or a tar of the finished tree made in the guest with numeric owners and
// xattrs), whether this host can write it and if not why, and how to write it.

export type Support = { ok: true } | { ok: false; why: string };

export interface WriteOptions {
  /** qcow2: compress (DIB's default; -u / --no-compression turns it off). */
  compress?: boolean;
  /** --qemu-img-options: `-o` for qemu-img (qcow2, vmdk), e.g. "compat=0.10". */
  qemuImgOptions?: string;
  /** Timestamps the converter writes itself (VHD footer, squashfs, docker `created`). */
  sourceDateEpoch?: number;
  /** Identifiers the converter would otherwise make up at random (VHD UUID, VMDK CID). */
  seed?: string;
  /** docker: repository:tag; default IMAGE_NAME:latest. */
  dockerTarget?: string;
  /** The image name (-o NAME), for defaults such as the docker tag. */
  imageName?: string;
  /** DIB's ARCH (amd64, arm64, ppc64el...); the docker config records it. Default: the host's. */
  arch?: string;
  /** Abort: kills the converter; the partial output is removed. */
  signal?: AbortSignal;
}

export interface OutputFormat {
  /** The name users give to -t (DIB's / virt-dib's spelling). */
  name: string;
  /** File extension without the dot: NAME.<ext>. */
  ext: string;
  /** 'disk': input is the raw target disk; 'tree': input is a tar of the root tree. */
  needs: 'disk' | 'tree';
  supported(): Promise<Support>;
  /** Write `dest` from `input`, atomically: `dest` is either complete or absent. */
  write(input: string, dest: string, opts?: WriteOptions): Promise<void>;
}
