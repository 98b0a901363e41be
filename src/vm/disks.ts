// Host-side drive files for the appliance: throwaway sparse scratch and target drives, made
// natively (truncate), so a 1 TiB drive costs only what the guest writes.
import { truncate, writeFile } from 'node:fs/promises';

export async function createSparse(path: string, bytes: number): Promise<void> {
  await writeFile(path, '', { mode: 0o600 });
  await truncate(path, bytes);
}
