import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulator/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/support/build-web.global-setup.ts', 'test/support/postgres-availability.global-setup.ts'],
    setupFiles: ['test/support/no-outbound-network.ts', 'test/support/validate-simulator-responses.ts'],
    testTimeout: 30_000,
    // Teardowns drop PostgreSQL databases, and every DROP DATABASE waits for a checkpoint of the
    // server all test files share: in a full CI run one teardown (backup-cli, 4 drops) passed 30 s
    // (2026-12-07). A hung teardown still fails, later.
    hookTimeout: 90_000,
    pool: 'forks',
    // Two test files at a time on the 2-core CI machine: one at a time the suite took 921 s
    // (CI 17 min); two took 637 s (2026-12-07). vitest's default leaves a core idle.
    maxWorkers: 2,
  },
});
