// `--watch`: file changes become reloads. Changes arriving close together (an editor saving several files, a
// git checkout) are batched into one transaction. A file caught half-written (empty, or not parsing, and
// written a moment ago) waits for its next write instead of failing with a misleading error; a change that
// rolled back is tried again only when the file changes again, never in a loop.
import { watch, type FSWatcher } from 'chokidar';
import * as path from 'node:path';
import { original } from './originals';
import type { Runtime } from './runtime';

/** @default 1 ms: the events of one save come within it; a save split in two reloads tries both again (below). */
export const watchDebounceMs = 1;
/** How long a file that looks half-written may wait for the rest of its write before it is tried as it is. */
const halfWrittenMs = 150;
/**
 * chokidar may fold a second 'change' of a file into the first; after each reload the batch is checked again
 * once that window has passed, so the newest save is never left unloaded.
 */
const recheckMs = 50;

export function watchProject(runtime: Runtime, root: string, debounceMs = watchDebounceMs): FSWatcher {
  const changed = new Set<string>();
  /** Content hashes whose reload rolled back, by file: retried only once the file holds something else. */
  const rolledBack = new Map<string, string>();
  /** The newest reload that tried each file: an older reload's answer (they may end out of order) changes nothing. */
  const newestTry = new Map<string, number>();
  let tries = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = original.setTimeout(flush, ms);
    timer.unref();
  };
  const flush = () => {
    timer = undefined;
    const ready: string[] = [];
    let wait = 0;
    for (const file of changed) {
      if (!runtime.watches(file)) {
        changed.delete(file);
        continue;
      }
      const look = runtime.lookAt(file);
      const age = Date.now() - look.mtimeMs;
      if (look.state !== 'ok' && look.state !== 'missing' && age < halfWrittenMs) {
        wait = Math.max(wait, halfWrittenMs - age);
        continue;
      }
      changed.delete(file);
      if (look.hash !== undefined && rolledBack.get(file) === look.hash) continue;
      ready.push(file);
    }
    if (wait > 0) schedule(wait);
    if (ready.length === 0) return;
    // Files whose change rolled back come along with any new change: a save that reached the watcher in two
    // parts (a renamed export, then its importer) goes live together.
    for (const file of rolledBack.keys()) if (!ready.includes(file) && runtime.changedFiles([file]).length > 0) ready.push(file);
    const attempt = ++tries;
    const hashes = new Map(ready.map((file) => [file, runtime.lookAt(file).hash]));
    for (const file of ready) newestTry.set(file, attempt);
    void runtime.reload({ files: ready }).then((result) => {
      const own = ready.filter((file) => newestTry.get(file) === attempt);
      for (const file of own) {
        const hash = hashes.get(file);
        if (result.outcome === 'rolled-back' && hash !== undefined) rolledBack.set(file, hash);
        else rolledBack.delete(file);
      }
      recheck(own);
    });
  };
  const recheck = (files: string[]) => {
    original
      .setTimeout(() => {
        for (const file of runtime.changedFiles(files)) if (rolledBack.get(file) !== runtime.lookAt(file).hash) changed.add(file);
        if (changed.size > 0 && !timer) schedule(0);
      }, recheckMs)
      .unref();
  };
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (file) => /(^|[\\/])(node_modules|\.git|\.reloadable)([\\/]|$)/.test(file),
  });
  watcher.on('all', (event, file) => {
    if (event !== 'change' && event !== 'unlink' && event !== 'add') return;
    changed.add(path.resolve(file));
    schedule(debounceMs);
  });
  return watcher;
}
