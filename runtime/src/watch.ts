// `--watch`: file changes become reloads. Changes arriving close together (an editor saving several files,
// a git checkout) are batched into one transaction.
import { watch, type FSWatcher } from 'chokidar';
import * as path from 'node:path';
import type { Runtime } from './runtime';

/** @default 30 ms: long enough to batch a multi-file save, short enough to feel instant. */
export const watchDebounceMs = 30;
/**
 * chokidar drops a second 'change' of a file within 50 ms of the first, so two quick saves would leave the
 * second one unloaded. After each reload the batch is checked again once that window has passed.
 */
const recheckMs = 50;

export function watchProject(runtime: Runtime, root: string, debounceMs = watchDebounceMs): FSWatcher {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const files = [...changed].filter((file) => runtime.registry.records.has(runtime.registry.idOf(file)));
    changed.clear();
    if (files.length > 0) void runtime.reload({ files }).then(() => recheck(files));
  };
  const recheck = (files: string[]) => {
    setTimeout(() => {
      const stale = runtime.changedFiles(files);
      if (stale.length > 0) void runtime.reload({ files: stale }).then(() => recheck(stale));
    }, recheckMs).unref();
  };
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (file) => /(^|[\\/])(node_modules|\.git|\.reloadable)([\\/]|$)/.test(file),
  });
  watcher.on('all', (event, file) => {
    if (event !== 'change' && event !== 'unlink' && event !== 'add') return;
    changed.add(path.resolve(file));
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  });
  return watcher;
}
