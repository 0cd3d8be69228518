import { defineConfig } from 'vitest/config';
import SkipSummary from './tests/helpers/skip-summary.ts';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites start real servers (Prometheus, JupyterHub); two cores, so keep it modest.
    maxWorkers: 2,
    // The run ends with one line naming suites skipped for a missing tool, and what installs it.
    reporters: ['default', new SkipSummary()],
  },
});
