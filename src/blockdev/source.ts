// DIB_BLOCK_DEVICE_CONFIG holds either the YAML itself or "file://PATH" naming a file.
import { readFile } from 'node:fs/promises';
import { BlockDeviceError } from './errors.js';

export async function configFromEnv(value: string): Promise<string> {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new BlockDeviceError(`cannot read DIB_BLOCK_DEVICE_CONFIG file ${path}: ${(err as Error).message}`, undefined, undefined, { cause: err });
  }
}
