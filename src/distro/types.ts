// A distribution behind one interface: what the build asks of it, whatever it is. Debian
// (distro/debian.ts) is the first; Ubuntu or another architecture's Debian plug in here.
import type { LocalRepo } from '../apt/local-repo.js';
import type { Archive } from '../apt/sources.js';
import type { CacheLayout } from '../cache/layout.js';
import type { Logger } from '../log.js';
import type { ToolSpec } from '../host/tools.js';

export interface DistroBuild {
  /** For messages: "Debian bookworm". */
  readonly describe: string;
  /** The archive the image's packages come from (the user's mirror and release). */
  readonly archive: Archive;
  /**
   * Resolve and download on the host what the build will install, as a local repository
   * for the guest; undefined when this build has nothing to prefetch.
   */
  prefetch(o: { cache: CacheLayout; work: string; logger: Logger }): Promise<LocalRepo | undefined>;
  /**
   * kiln's variables for elements (above the user's): where the local repository is, and
   * the variables that point elements that are not kiln's at it.
   */
  environment(repo: LocalRepo | undefined): Readonly<Record<string, string>>;
  /** Host programs its package step runs (checked before anything is downloaded). */
  readonly tools: readonly ToolSpec[];
  /** Guest shell to run after root.d, before pre-install.d (undefined: nothing). */
  beforePreInstall(mountPath: string): string | undefined;
}
