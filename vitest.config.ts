import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on 2 cores (vitest's default is cores - 1): most files wait on
    // child processes, PostgreSQL and timers, so the second fork halves the wall time.
    maxWorkers: 2,
    // One PostgreSQL server for the run (embedded unless DUROX_TEST_PG_URL is set).
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'all', include: ['test/**/*.test.ts'] } },
      {
        // The engine's end-to-end suites again, on PostgreSQL.
        extends: true,
        test: {
          name: 'engine-on-postgres',
          include: ['test/engine/runtime/**/*.test.ts', 'test/engine/features/**/*.test.ts'],
          env: { DUROX_TEST_PROVIDER: 'postgres' },
        },
      },
    ],
  },
});
