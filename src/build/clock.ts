// A build's named steps with their timings, as progress events and as the summary `kiln
// build` prints at the end.
import type { Logger } from '../log.js';
import type { ScriptTiming } from './run-phase.js';

export interface StepTiming {
  step: string;
  durationMs: number;
}

export class StepClock {
  readonly steps: StepTiming[] = [];
  readonly scripts: ScriptTiming[] = [];
  constructor(private readonly log: Logger) {}

  /** Run one named step: a start event, the body, an end event with its duration. */
  async timed<T>(step: string, body: () => Promise<T>): Promise<T> {
    this.log.emit({ type: 'step', step, state: 'start' });
    const t0 = performance.now();
    const r = await body();
    const durationMs = performance.now() - t0;
    this.steps.push({ step, durationMs });
    this.log.emit({ type: 'step', step, state: 'end', durationMs });
    return r;
  }
}
