// File watchers a version's code starts (`fs.watch`, `fs.watchFile`) are recorded on it and closed when it
// retires.
import type * as FsModule from 'node:fs';
import { runtimeRequire } from '../location';
import { likeOriginal, owner } from './replace';

// The CommonJS exports object of node:fs: the one to patch (ES importers see it after syncBuiltinESMExports).
const fs = runtimeRequire('node:fs') as typeof FsModule;

export function patchWatchers(): void {
  const watch = fs.watch;
  (fs as { watch: typeof watch }).watch = likeOriginal(function trackedWatch(this: unknown, ...args: unknown[]) {
    const watcher = (watch as Function).apply(this, args) as FsModule.FSWatcher;
    const version = owner();
    if (version) {
      let open = true;
      watcher.once('close', () => (open = false));
      version.resources.add(
        'watcher',
        watcher,
        () => `fs watcher of ${String(args[0])}`,
        () => open,
        () => watcher.close(),
        trackedWatch,
      );
    }
    return watcher;
  }, watch) as typeof watch;
  const watchFile = fs.watchFile;
  (fs as { watchFile: typeof watchFile }).watchFile = likeOriginal(function trackedWatchFile(this: unknown, ...args: unknown[]) {
    const result = (watchFile as Function).apply(this, args);
    const version = owner();
    const listener = args.find((arg) => typeof arg === 'function') as ((current: FsModule.Stats, previous: FsModule.Stats) => void) | undefined;
    if (version && listener) {
      let watching = true;
      const stop = () => {
        watching = false;
        fs.unwatchFile(args[0] as string, listener);
      };
      version.resources.add(
        'watcher',
        listener,
        () => `fs.watchFile of ${String(args[0])}`,
        () => watching,
        stop,
        trackedWatchFile,
      );
    }
    return result;
  }, watchFile) as typeof watchFile;
}
