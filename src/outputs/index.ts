// kiln's output formats: one module per format behind OutputFormat, plus checksums.
export type { OutputFormat, Support, WriteOptions } from './types.js';
export { OutputError } from './errors.js';
export { formatNames, getFormat, outputFileName, imageBaseName } from './registry.js';
export { writeChecksums, hashFile, checksumLine, checksumKinds, type Checksums, type ChecksumKind } from './checksum.js';
export { atomicOutput } from './atomic.js';
export { parseDockerTarget, type DockerTarget } from './docker-image.js';
export { readTarEntries, type TarEntry } from './tar-format.js';
