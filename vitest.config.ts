import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulator/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/support/build-web.global-setup.ts', 'test/support/postgres-availability.global-setup.ts'],
    setupFiles: ['test/support/no-outbound-network.ts', 'test/support/validate-simulator-responses.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time on the 2-core CI machine: one at a time the suite takes 15 min
    // (903 s of tests on 2026-12-06), and vitest's default leaves a core idle. The PostgreSQL erase
    // that once failed beside another file now waits for the removal horizon (postgres-row-reclaim.ts).
    maxWorkers: 2,
  },
});
