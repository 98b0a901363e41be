import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * e2e files in an order that lets later ones reuse what earlier ones fill: debian.test.ts
 * makes the one cold trixie build (appliance, host package downloads, helper drive); the
 * files after it build warm. Everything else keeps vitest's order, ahead of the e2e files.
 * Each file is still correct alone, only slower.
 */
const E2E_ORDER = ['build-tiny', 'ramdisk', 'kill', 'debian', 'efi', 'lvm', 'progress', 'dib-compat', 'upstream', 'arm64', 'container'];
function rank(file: string): number {
  const m = /test\/e2e\/([^/]+)\.test\.ts$/.exec(file.replace(/\\/g, '/'));
  if (!m) return -1;
  const i = E2E_ORDER.indexOf(m[1]!);
  return i < 0 ? E2E_ORDER.length : i;
}

class E2eOrder extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.moduleId) - rank(b.f.moduleId) || a.i - b.i).map(({ f }) => f);
  }
}

// VM tests boot real QEMU guests under TCG: long timeouts, and one file at a time
// for e2e so two appliances never fight for the two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    sequence: { sequencer: E2eOrder },
  },
});
