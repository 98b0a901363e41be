// A tree transfer's progress (src/vm/transfer-progress.ts) as progress events of the build.
import type { Logger } from '../log.js';
import type { OnTransferProgress } from '../vm/transfer-progress.js';

export function transferEvents(log: Logger, task: 'tree-in' | 'tree-out', label: string): OnTransferProgress {
  return (p) => log.emit({ type: 'progress', task, label, bytes: p.bytes, ...(p.total !== undefined ? { total: p.total } : {}), done: p.done });
}
