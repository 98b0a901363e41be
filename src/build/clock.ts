// A build's named steps with their timings: progress events that say which step of how many
// is running (its place in the build's step list, BUILD_STEPS), and the summary at the end.
import type { Logger } from '../log.js';
import type { ScriptTiming } from './run-phase.js';

export interface StepTiming {
  step: string;
  durationMs: number;
  /** The step this one ran inside (its time is part of that one's). */
  within?: string;
}

export class StepClock {
  readonly steps: StepTiming[] = [];
  readonly scripts: ScriptTiming[] = [];
  readonly startedAt = performance.now();
  /** Where the build is in `plan`: a name that comes twice is found after the last step. */
  private cursor = 0;
  /** The steps running now, outermost first. */
  private readonly running: string[] = [];

  constructor(private readonly log: Logger, private readonly plan: readonly string[] = []) {}

  /** Run one named step: a start event, the body, an end (or fail) event with its duration. */
  async timed<T>(step: string, body: () => Promise<T>): Promise<T> {
    const at = this.plan.indexOf(step, this.cursor);
    if (at >= 0) this.cursor = at + 1;
    const place = at >= 0 ? { n: at + 1, of: this.plan.length } : {};
    const outer = this.running.at(-1);
    // listed in the order the steps started, timed when each ends
    const timing: StepTiming = { step, durationMs: 0, ...(outer !== undefined ? { within: outer } : {}) };
    this.steps.push(timing);
    this.running.push(step);
    this.log.emit({ type: 'step', step, state: 'start', ...place });
    const t0 = performance.now();
    let state: 'end' | 'fail' = 'fail';
    try {
      const r = await body();
      state = 'end';
      return r;
    } finally {
      timing.durationMs = performance.now() - t0;
      this.running.pop();
      this.log.emit({ type: 'step', step, state, ...place, durationMs: timing.durationMs });
    }
  }
}
