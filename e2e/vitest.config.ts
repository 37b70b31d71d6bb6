import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Browser tests: each file starts the real product on a fresh data directory and drives Chromium. */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    // A browser on a loaded machine (CI shares two cores with the server and the database) can take
    // seconds to decode an image or apply an event: polls wait up to 10 s, not vitest's 1 s.
    expect: { poll: { timeout: 10_000 } },
  },
});
