// The suites that judge the detectors and the alert lifecycle, for mutation testing
// (npm run mutation): pure code, fast tests, no servers.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/shared/detectors/**/*.test.ts', 'tests/shared/alerting/lifecycle.test.ts', 'tests/shared/pipeline/transition.test.ts'],
    pool: 'forks',
  },
});
