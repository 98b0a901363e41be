import { defineConfig } from 'vitest/config';

// VM tests boot real QEMU guests under TCG: long timeouts, and one file at a time
// for e2e so two appliances never fight for the two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
