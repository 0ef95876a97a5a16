import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'hostile',
          include: ['test/hostile/**/*.test.ts', 'test/hostile/**/*.test.tsx'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Two files at once even on 2 cores (vitest's default there is one): most of a hostile
          // file's time is loading the engine and waiting on the processes it drives. Its own
          // group (after unit), since a group's projects must share maxWorkers.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
