// The harness's one clock-driven test (harness/receiver-down-hour.test.ts), run by the
// receiver-down scenario; kept out of `npm test`, whose config includes test/ only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
