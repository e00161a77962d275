import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulator/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/support/build-web.global-setup.ts', 'test/support/postgres-availability.global-setup.ts'],
    setupFiles: ['test/support/no-outbound-network.ts', 'test/support/validate-simulator-responses.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time on the 2-core CI machine: one at a time the suite took 921 s
    // (CI 17 min); two took 637 s (2026-12-07). vitest's default leaves a core idle.
    maxWorkers: 2,
  },
});
