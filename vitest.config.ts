import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites start real servers (Prometheus, JupyterHub); two cores, so keep it modest.
    maxWorkers: 2,
  },
});
