import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulator/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/support/build-web.global-setup.ts', 'test/support/postgres-availability.global-setup.ts'],
    setupFiles: ['test/support/no-outbound-network.ts', 'test/support/validate-simulator-responses.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
