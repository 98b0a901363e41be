// Progress of work kiln cannot ask for a byte count (apt filling its archive directory, tar
// filling the transfer drive): measure something that grows, every so often, while it runs.

/** How often a growing file or directory is measured: often enough for a live display, rarely enough to cost nothing. */
export const POLL_MS = 500;

/**
 * Call `measure` every `ms` until stopped and `report` each value that differs from the
 * last (undefined: nothing to say yet). Measuring errors are ignored: the work itself
 * reports its own failures. After stop() nothing more is reported.
 */
export function pollGrowth(measure: () => Promise<number | undefined>, report: (n: number) => void, ms = POLL_MS): { stop(): void } {
  let last: number | undefined;
  let stopped = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    measure()
      .then((n) => {
        if (!stopped && n !== undefined && n !== last) report((last = n));
      }, () => {})
      .finally(() => (busy = false));
  }, ms).unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
