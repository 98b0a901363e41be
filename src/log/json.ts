// --machine-readable: one JSON object per line, each with the schema version `v`, the event's
// `type` and the `time` it was written (docs/events.md).
import type { Event } from '../log.js';

/** The version of the event schema: the `v` field of every JSON event. Bump on an incompatible change. */
export const EVENT_SCHEMA_VERSION = 1;

export function jsonEvent(e: Event, now: Date = new Date()): Record<string, unknown> {
  return { v: EVENT_SCHEMA_VERSION, ...e, time: now.toISOString() };
}

export function jsonLine(e: Event, now?: Date): string {
  return JSON.stringify(jsonEvent(e, now)) + '\n';
}
