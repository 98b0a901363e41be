// What every step of a build reads. Set once when the build starts and never written after:
// each step returns what it made, and the next takes it as an argument.
import type { CacheLayout } from '../cache/layout.js';
import type { Logger } from '../log.js';
import type { BuildOptions } from '../options.js';
import type { StepClock } from './clock.js';

export interface BuildContext {
  readonly o: BuildOptions;
  readonly log: Logger;
  readonly clock: StepClock;
  readonly cache: CacheLayout;
  /** The build's private work dir on the host, next to the outputs. */
  readonly work: string;
  /** Where finished outputs wait until the whole build has succeeded (work/out). */
  readonly staging: string;
  /** The output's path without extension: -o NAME, made absolute. */
  readonly base: string;
  /** One per build: UUIDs, GUIDs and output ids all derive from it. */
  readonly seed: string;
  /** Hide secret values in what is logged or written. */
  readonly redact: (text: string) => string;
}
