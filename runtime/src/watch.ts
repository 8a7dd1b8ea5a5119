// `--watch`: file changes become reloads. Changes arriving close together (an editor saving several files, a
// git checkout) are batched into one transaction. A file caught half-written (empty, or not parsing, and
// written a moment ago) waits for its next write instead of failing with a misleading error; a change that
// rolled back is tried again only when the file changes again, never in a loop.
import { watch, type FSWatcher } from 'chokidar';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReloadResult } from '../../src-shared/control-protocol';
import type { AppThreads } from './containment/threads';
import type { ModuleRecord } from './modules/module';
import type { Registry } from './modules/registry';
import { stillAsStamped } from './modules/sources';
import { original } from './originals';
import { contentHash, formatOf, isModuleFile, transformModule, type CompilerSettings } from './transform';

/** A file as the watcher sees it: whether it could be loaded as it is, its content hash, when it was written. */
export interface Look {
  state: 'ok' | 'empty' | 'syntax-error' | 'missing';
  hash?: string;
  mtimeMs: number;
}

/**
 * Compares the app's files with what its live versions were loaded from. Used by the watcher (which files to
 * reload) and by a reload of "whatever changed".
 */
export class SourceInspector {
  constructor(
    private readonly registry: Registry,
    /** Whether the app started: until it did, any module file may be the fix. */
    private readonly started: () => boolean,
    /** The app's worker threads: the files they loaded count as the app's. */
    private readonly threads: Pick<AppThreads, 'changed' | 'loads'>,
  ) {}

  /**
   * Which of these files (absolute paths) hold loaded modules whose text differs from their live version, or
   * were loaded by a live version's worker thread and changed since.
   */
  changedFiles(files: Iterable<string>): string[] {
    const list = [...files];
    const inThreads = this.threads.changed(list);
    return list.filter((file) => {
      const record = this.registry.records.ofFile(file);
      return (record !== undefined && this.hasChanged(record)) || inThreads.has(file);
    });
  }

  /** Ids of the loaded modules whose files changed since their live version was loaded. */
  changedModules(): string[] {
    return [...this.registry.records.values()].filter((record) => this.hasChanged(record)).map((record) => record.id);
  }

  /** Whether the app runs a module of this file (or waits to start, when any module file may fix it). */
  watches(file: string): boolean {
    if (!this.started()) return isModuleFile(file) || path.extname(file) === '.json';
    return this.registry.records.has(this.registry.idOf(file)) || this.threads.loads(file);
  }

  /** A look at a file (below). */
  lookAt(file: string): Look {
    return lookAt(file, this.registry.idOf(file), this.registry.options.settings);
  }

  /** Compares a module's file with what its live version was loaded from: size and time first, then content. */
  private hasChanged(record: ModuleRecord): boolean {
    const stamp = record.stamp;
    if (!stamp || !record.current) return false;
    const kept = stillAsStamped(record.file, stamp);
    if (kept) record.stamp = kept;
    return kept === undefined;
  }
}

/** What the watcher asks of the app's sources: a runtime's inspector, or a cluster primary's view of its workers'. */
export type WatchedSources = Pick<SourceInspector, 'changedFiles' | 'watches' | 'lookAt'>;

/**
 * A look at a file: whether it could be loaded as it is (a file caught empty or cut mid-save does not parse),
 * its content hash, and when it was written. The transform is kept for the reload.
 */
export function lookAt(file: string, id: string, settings: CompilerSettings): Look {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return { state: 'missing', mtimeMs: 0 };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { state: 'missing', mtimeMs: stat.mtimeMs };
  }
  const hash = contentHash(text);
  if (text.trim() === '') return { state: 'empty', hash, mtimeMs: stat.mtimeMs };
  try {
    transformModule({ file, id, source: text, format: formatOf(file), settings }, hash);
    return { state: 'ok', hash, mtimeMs: stat.mtimeMs };
  } catch {
    return { state: 'syntax-error', hash, mtimeMs: stat.mtimeMs };
  }
}

/** @default 1 ms: the events of one save come within it; a save split in two reloads tries both again (below). */
export const watchDebounceMs = 1;
/** How long a file that looks half-written may wait for the rest of its write before it is tried as it is. */
const halfWrittenMs = 150;
/**
 * chokidar may fold a second 'change' of a file into the first; after each reload the batch is checked again
 * once that window has passed, so the newest save is never left unloaded.
 */
const recheckMs = 50;

/** Watches `root`: changed files the app runs (or could start with) are reloaded through `reload`. */
export function watchProject(
  sources: WatchedSources,
  reload: (files: string[]) => Promise<ReloadResult>,
  root: string,
  debounceMs = watchDebounceMs,
): FSWatcher {
  const saves = new SaveBatcher(sources, reload, debounceMs);
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (file) => /(^|[\\/])(node_modules|\.git|\.reloadable)([\\/]|$)/.test(file),
  });
  watcher.on('all', (event, file) => {
    if (event === 'change' || event === 'unlink' || event === 'add') saves.changed(path.resolve(file));
  });
  return watcher;
}

/** Turns the files saved close together into reloads, never two of one file's content that rolled back. */
class SaveBatcher {
  private readonly pending = new Set<string>();
  /** Content hashes whose reload rolled back, by file: retried only once the file holds something else. */
  private readonly rolledBack = new Map<string, string>();
  /** The newest reload that tried each file: an older reload's answer (they may end out of order) changes nothing. */
  private readonly newestTry = new Map<string, number>();
  /** Content hashes a reload under way is trying, by file: a second event of the same save does not try them again. */
  private readonly trying = new Map<string, string | undefined>();
  private tries = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sources: WatchedSources,
    private readonly reload: (files: string[]) => Promise<ReloadResult>,
    private readonly debounceMs: number,
  ) {}

  changed(file: string): void {
    this.pending.add(file);
    this.schedule(this.debounceMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = original.setTimeout(() => this.flush(), ms);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const ready = this.ready();
    if (ready.length === 0) return;
    // A file whose change rolled back is not tried again with every new save (one broken file would hold every
    // other edit back), but it comes along when the new save fails to link without it: a save that reached the
    // watcher in two parts (a renamed export, then its importer) goes live together.
    const along = [...this.rolledBack.keys()].filter((file) => !ready.includes(file) && this.sources.changedFiles([file]).length > 0);
    this.attempt(ready, along);
  }

  /** The pending files ready to load; one caught half-written waits (a moment) for the rest of its write. */
  private ready(): string[] {
    const ready: string[] = [];
    let wait = 0;
    for (const file of this.pending) {
      if (!this.sources.watches(file)) {
        this.pending.delete(file);
        continue;
      }
      const look = this.sources.lookAt(file);
      const age = Date.now() - look.mtimeMs;
      if (look.state !== 'ok' && look.state !== 'missing' && age < halfWrittenMs) {
        wait = Math.max(wait, halfWrittenMs - age);
        continue;
      }
      this.pending.delete(file);
      if (look.hash !== undefined && this.rolledBack.get(file) === look.hash) continue;
      // The same content is being tried: one save can reach the watcher as several events.
      if (look.hash !== undefined && this.trying.has(file) && this.trying.get(file) === look.hash) continue;
      ready.push(file);
    }
    if (wait > 0) this.schedule(wait);
    return ready;
  }

  private attempt(files: string[], along: string[] = []): void {
    const attempt = ++this.tries;
    const hashes = new Map(files.map((file) => [file, this.sources.lookAt(file).hash]));
    for (const file of files) {
      this.newestTry.set(file, attempt);
      this.trying.set(file, hashes.get(file));
    }
    void this.reload(files).then((result) => {
      for (const file of files) if (this.newestTry.get(file) === attempt) this.trying.delete(file);
      if (result.outcome === 'rolled-back' && result.error?.phase === 'link' && along.length > 0) {
        const still = along.filter((file) => this.newestTry.get(file) !== undefined && this.sources.changedFiles([file]).length > 0);
        if (still.length > 0 && files.every((file) => this.newestTry.get(file) === attempt)) {
          this.attempt([...files, ...still]);
          return;
        }
      }
      const own = files.filter((file) => this.newestTry.get(file) === attempt);
      for (const file of own) {
        const hash = hashes.get(file);
        if (result.outcome === 'rolled-back' && hash !== undefined) this.rolledBack.set(file, hash);
        else this.rolledBack.delete(file);
      }
      this.recheck(own);
    });
  }

  private recheck(files: string[]): void {
    original
      .setTimeout(() => {
        for (const file of this.sources.changedFiles(files)) if (this.rolledBack.get(file) !== this.sources.lookAt(file).hash) this.pending.add(file);
        if (this.pending.size > 0 && !this.timer) this.schedule(0);
      }, recheckMs)
      .unref();
  }
}
