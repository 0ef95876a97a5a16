import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { CostSources } from './refresh.js';

/**
 * Calls `onGrowth` (debounced) when a usage log under `sources` is added or grows. Watches the log
 * folders only (chokidar) and never reads files itself. A folder that does not exist yet is checked
 * for every `recheckMs` and watched once it appears (chokidar does not see a folder created under
 * a missing parent). Returns a function that stops watching.
 */
export function watchUsageLogs(
  sources: CostSources,
  onGrowth: () => void,
  debounceMs = 2000,
  recheckMs = 5000,
): () => Promise<void> {
  const paths = [...sources.claudeDirs.map((d) => join(d, 'projects')), ...sources.codexSessionsDirs];
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      onGrowth();
    }, debounceMs);
  };
  const fire = (path: string) => {
    if (path.endsWith('.jsonl') || path.endsWith('.json')) schedule();
  };
  let missing = paths.filter((p) => !existsSync(p));
  const watcher: FSWatcher = watch(
    paths.filter((p) => !missing.includes(p)),
    { ignoreInitial: true, depth: 5, awaitWriteFinish: false, ignorePermissionErrors: true },
  );
  watcher.on('add', fire).on('change', fire).on('error', () => {});
  const recheck = setInterval(() => {
    const appeared = missing.filter((p) => existsSync(p));
    if (!appeared.length) return;
    missing = missing.filter((p) => !appeared.includes(p));
    watcher.add(appeared);
    schedule(); // logs may have been written before the watch started
    if (!missing.length) clearInterval(recheck);
  }, recheckMs);
  recheck.unref();
  if (!missing.length) clearInterval(recheck);
  return async () => {
    clearInterval(recheck);
    if (timer) clearTimeout(timer);
    await watcher.close();
  };
}
