// The block-device layer's reproducible identifiers (src/ids.ts), one per purpose and node.
import { deriveId32 as id32, deriveUuid as uuid } from '../ids.js';

export type IdPurpose = 'fs-uuid' | 'ext-hash-seed' | 'vfat-volume-id' | 'gpt-disk' | 'gpt-partition' | 'mbr-disk-id';

export const deriveUuid = (seed: string, purpose: IdPurpose, name: string): string => uuid('kiln-blockdev', seed, purpose, name);
export const deriveId32 = (seed: string, purpose: IdPurpose, name: string): string => id32('kiln-blockdev', seed, purpose, name);
export { UUID_RE } from '../ids.js';
