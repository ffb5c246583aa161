import { defineConfig } from 'vitest/config';

// End-to-end: a real server (started once by e2e/server.ts), Debian's Chromium driven by
// playwright-core, one test file after another.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/server.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
