// A host download's bytes as progress events (the live display draws a bar from them).
import type { Logger } from '../log.js';
import type { OnBytes } from './private-apt.js';

/** Progress events of a download of `total` bytes (when known); nothing at all when there is nothing to fetch. */
export function downloadEvents(log: Logger, label: string, total?: number): OnBytes | undefined {
  if (total === 0) return undefined;
  return (bytes, done) => log.emit({ type: 'progress', task: 'download', label, bytes, ...(total !== undefined ? { total } : {}), done });
}
