import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The benchmark adds 200 groups to the practice, so it runs after every test. */
class BenchmarkLast extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const bench = (f: TestSpecification) => f.moduleId.includes('bench');
    return [...sorted.filter((f) => !bench(f)), ...sorted.filter(bench)];
  }
}

// End-to-end: a real server (started once by e2e/server.ts), Debian's Chromium driven by
// playwright-core, one test file after another.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/server.ts'],
    fileParallelism: false,
    sequence: { sequencer: BenchmarkLast },
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
