import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { CostSources } from './refresh.js';

/**
 * Calls `onGrowth` (debounced) when a usage log under `sources` is added or grows. Watches the
 * folders only (chokidar), never reads files itself; missing folders are fine (chokidar picks them
 * up when created if a parent exists). Returns a function that stops watching.
 */
export function watchUsageLogs(sources: CostSources, onGrowth: () => void, debounceMs = 2000): () => Promise<void> {
  const paths = [...sources.claudeDirs.map((d) => join(d, 'projects')), ...sources.codexSessionsDirs];
  let timer: NodeJS.Timeout | null = null;
  const fire = (path: string) => {
    if (!path.endsWith('.jsonl') && !path.endsWith('.json')) return;
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      onGrowth();
    }, debounceMs);
  };
  const watcher: FSWatcher = watch(paths, { ignoreInitial: true, depth: 5, awaitWriteFinish: false, ignorePermissionErrors: true });
  watcher.on('add', fire).on('change', fire).on('error', () => {});
  return async () => {
    if (timer) clearTimeout(timer);
    await watcher.close();
  };
}
