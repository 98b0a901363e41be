// Reading one field of a raw node: present or absent, one value or a list, a size, a whole
// number. Every failure names the node and the field.
import { isAbsent, type FieldValue } from './config.js';
import { BlockDeviceError } from './errors.js';
import { parseAbsoluteSize } from './size.js';

export interface Fielded {
  name: string;
  fields: Record<string, FieldValue>;
}

export function opt(n: Fielded, field: string): string | undefined {
  const v = n.fields[field];
  return v === undefined || isAbsent(v) ? undefined : single(v, n.name, field);
}

export function req(n: Fielded, field: string): string {
  const v = opt(n, field);
  if (v === undefined) throw new BlockDeviceError('is required', n.name, field);
  return v;
}

export function single(v: FieldValue, node: string, field: string): string {
  if (Array.isArray(v)) throw new BlockDeviceError('must be a single value, not a list', node, field);
  return v.trim();
}

export function list(v: FieldValue | undefined, node: string, field: string, example = '[ boot, primary ]'): string[] {
  if (v === undefined || isAbsent(v)) return [];
  if (!Array.isArray(v)) throw new BlockDeviceError(`must be a list, e.g. ${example}`, node, field);
  return v;
}

export function bytes(text: string, node: string, field: string): number {
  try {
    return parseAbsoluteSize(text);
  } catch (err) {
    throw new BlockDeviceError((err as Error).message, node, field);
  }
}

export function int(text: string, node: string, field: string): number {
  if (!/^\d+$/.test(text)) throw new BlockDeviceError(`"${text}" is not a whole number`, node, field);
  return Number(text);
}

export function warnUnknownFields(node: string, kind: string, fields: Record<string, FieldValue>, known: readonly string[], warnings: string[]): void {
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) warnings.push(`node "${node}": ignoring unknown ${kind} field "${key}"`);
  }
}
