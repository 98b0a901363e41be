// The lanes of the channel (DESIGN.md, "The channel") and what their failures say: the lane,
// what it was moving, how many bytes each end counted, and what to try.
import { ChannelError } from '../errors.js';

export const EXEC_LANE = 'command lane (kiln-execd)';
export const TRANSFER_DRIVE_LANE = 'transfer drive';
export const DATA_PORT_LANE = 'data port';

/** What to try when a lane lost or mangled data: nothing the user gave kiln was wrong. */
export const LANE_FAULT_HINT = 'this is a fault in kiln\'s channel to the appliance, not in your input: run the command again; if it happens again, report it with the output of KILN_DEBUG=1';

/** A tree or file did not arrive whole; `sent`/`received` are the two ends' byte counts, where known. */
export class TransferError extends ChannelError {
  readonly sent?: number;
  readonly received?: number;

  constructor(lane: string, operation: string, detail: string, opts: { hint?: string; cause?: unknown; sent?: number; received?: number } = {}) {
    super(lane, operation, detail, opts);
    this.sent = opts.sent;
    this.received = opts.received;
  }
}
