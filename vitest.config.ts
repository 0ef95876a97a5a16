import { readFile } from 'node:fs/promises';
import { defineConfig, type Plugin } from 'vitest/config';
// @ts-expect-error a plain ES module of the build's, without types
import { INK_PATCH_FILTER, patchInk } from './scripts/ink-patches.mjs';

/**
 * The Ink users run is patched as it is bundled (scripts/ink-patches.mjs); the tests load Ink
 * through vite (inlined, not left to Node) so the same patches apply to it here. Ink's files are
 * read here without their source-map comments (the maps name sources Ink does not ship).
 */
const inkPatches: Plugin = {
  name: 'ink-patches',
  enforce: 'pre',
  async load(id) {
    const path = id.split('?')[0]!;
    if (!/[\\/]node_modules[\\/]ink(?:-testing-library)?[\\/]build[\\/].*\.js$/.test(path)) return null;
    const source = (await readFile(path, 'utf8')).replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
    if (!INK_PATCH_FILTER.test(path)) return { code: source, map: null };
    const { contents, warning } = (patchInk as (path: string, source: string) => { contents: string; warning?: string })(path, source);
    if (warning) this.warn(warning);
    return { code: contents, map: null };
  },
};
const patchedInk = { deps: { inline: ['ink', 'ink-testing-library'] } };

/** The real agent CLI files that assert how soon an agent's state is seen ("waiting within 2 s"). */
const LATENCY_FILES = ['claude', 'codex', 'gemini'].map((cli) => `test/e2e/real-agents/${cli}.test.ts`);

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [inkPatches],
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Two files at once even on 2 cores (vitest's default there is one): a unit file's time
          // is mostly loading modules and waiting on the real git, tmux and sshd it drives.
          maxWorkers: 2,
          server: patchedInk,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: LATENCY_FILES,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Two files at once, like unit and hostile (all three share one group of two workers):
          // an e2e file's time is mostly waiting on the real binary, tmux, sshd and agents it
          // drives. Each file has its own temp repository, tmux sockets, sshd ports and agent
          // config folders, so two never share state.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'agent-latency',
          include: LATENCY_FILES,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // One file at a time, after all the others (vitest runs the projects without file
          // parallelism last, alone): these assert how soon a real agent CLI's state is seen
          // ("waiting within 2 s"), which a second file's load beside them can delay.
          fileParallelism: false,
        },
      },
      {
        plugins: [inkPatches],
        test: {
          name: 'hostile',
          include: ['test/hostile/**/*.test.ts', 'test/hostile/**/*.test.tsx'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Two files at once even on 2 cores (vitest's default there is one): most of a hostile
          // file's time is loading the engine and waiting on the processes it drives.
          maxWorkers: 2,
          server: patchedInk,
        },
      },
    ],
  },
});
