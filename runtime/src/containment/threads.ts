// The app's worker threads, as the main thread's runtime follows them. A thread is an isolate with its own
// module registry, which the runtime does not swap in place: a thread started on an app file carries the
// runtime's register (`--import`), which reports every app file the thread loads and when its entry is up
// (hooks/thread-report.ts). A change to any of those files makes the module version that started the thread
// run again: its new version starts a new thread on the new code, the reload waits until that thread is up
// (a thread that throws or exits while loading fails the reload, and the old one keeps running), and the old
// version's thread is terminated when that version retires, as any handle it started.
import * as crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreadsModule from 'node:worker_threads';
import { ReloadStepError, say } from '../errors';
import { threadChannel, type ThreadMessage } from '../hooks/thread-report';
import { runtimeRequire } from '../location';
import type { ModuleVersion } from '../modules/module';
import { stillAsStamped, type SourceStamp } from '../modules/sources';
import { original } from '../originals';
import { firstFrame } from '../stack-traces';

const { BroadcastChannel } = runtimeRequire('node:worker_threads') as typeof WorkerThreadsModule;

/** One thread the app started on one of its files. */
export class AppThread {
  /** The app files it loaded, with the stamp of the text it read. */
  readonly files = new Map<string, SourceStamp>();
  state: 'starting' | 'up' | 'failed' | 'exited' = 'starting';
  /** What it threw, or how it exited, when it ended before it was up. */
  failure: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly token: string,
    /** Its entry file (absolute); undefined for code given as a string. */
    readonly entry: string | undefined,
    readonly threadId: number,
    /** The module version whose code started it, if any. */
    readonly version: ModuleVersion | undefined,
  ) {}

  /** Resolves once the thread is up or ended. */
  settled(): Promise<void> {
    if (this.state !== 'starting') return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  change(state: AppThread['state'], failure?: string): void {
    if (this.state === 'failed' || this.state === 'exited') return;
    if (state === 'up' && this.state === 'up') return;
    this.state = state;
    if (failure !== undefined) this.failure = failure;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

export class AppThreads {
  private readonly threads = new Map<string, AppThread>();
  private channel: InstanceType<typeof BroadcastChannel> | undefined;
  /** Told when a thread fails or exits with an error: true when a reload took it (it rolls back, reporting it). */
  onFailure: ((thread: AppThread) => boolean) | undefined;

  /** A thread starting on `entry` (absolute), by `version`'s code; the token goes on its register's URL. */
  starting(entry: string | undefined, version: ModuleVersion | undefined): { token: string; add(threadId: number): AppThread } {
    this.listen();
    const token = crypto.randomUUID();
    return {
      token,
      add: (threadId) => {
        const thread = new AppThread(token, entry, threadId, version);
        this.threads.set(token, thread);
        return thread;
      },
    };
  }

  /**
   * The thread threw (its `error` event, which ends it). Returns true when a reload took the error as its
   * failure: the reload reports it, so nobody else needs to.
   */
  threw(thread: AppThread, error: unknown): boolean {
    if (thread.state === 'failed' || thread.state === 'exited') return false;
    const message = error instanceof Error ? error.message : String(error);
    const at = error instanceof Error ? firstAppFrame(error.stack, thread) : undefined;
    thread.change('failed', `${message}${at ? ` (${at})` : ''}`);
    return this.onFailure?.(thread) ?? false;
  }

  /**
   * The thread ended. One that exits with an error code before it was up failed. A failed thread's record
   * stays while the version that started it is live (the last one of each entry), so that an edit of its
   * files (the fix) starts it again; one that ended normally goes (a thread per job leaves nothing behind).
   */
  exited(thread: AppThread, code: number): void {
    if (thread.state === 'starting' && code !== 0) {
      thread.change('failed', say.threadExited(code));
      this.onFailure?.(thread);
    } else {
      thread.change('exited');
    }
    for (const [token, other] of this.threads) {
      const replaced = other !== thread && other.state === 'failed' && other.version === thread.version && other.entry === thread.entry;
      if (replaced || (other === thread && thread.state === 'exited')) this.threads.delete(token);
    }
    this.prune();
  }

  /** Forgets the threads of versions `belongs` names (a runtime closing: its versions are disposed, their threads ended). */
  forget(belongs: (version: ModuleVersion) => boolean): void {
    for (const [token, thread] of this.threads) if (thread.version && belongs(thread.version)) this.threads.delete(token);
  }

  /** Forgets ended threads of versions no longer live (they become garbage). */
  private prune(): void {
    for (const [token, thread] of this.threads)
      if ((thread.state === 'failed' || thread.state === 'exited') && !isLive(thread)) this.threads.delete(token);
  }

  /** The threads of live versions. */
  private live(): AppThread[] {
    return [...this.threads.values()].filter(isLive);
  }

  /**
   * Resolves once no thread of a live version is still starting (at most `timeoutMs`): until a thread is up,
   * the files it loads are not all known, and a reload planned then could miss one.
   */
  startsSettled(timeoutMs: number): Promise<void> | undefined {
    const starting = this.live().filter((thread) => thread.state === 'starting');
    return starting.length === 0 ? undefined : settledWithin(starting, timeoutMs);
  }

  /** The threads the versions' code started and that are still starting, running or failed. */
  of(versions: Iterable<ModuleVersion>): AppThread[] {
    const wanted = new Set(versions);
    return [...this.threads.values()].filter((thread) => thread.version && wanted.has(thread.version));
  }

  /**
   * Waits until every thread the versions started is up, or one failed or exited with an error; at most
   * `timeoutMs`. Returns the failure to roll back with, if any.
   */
  async untilUp(versions: Iterable<ModuleVersion>, timeoutMs: number): Promise<ReloadStepError | undefined> {
    const threads = this.of(versions);
    if (threads.length === 0) return undefined;
    await settledWithin(threads, timeoutMs);
    for (const thread of threads) {
      if (thread.state === 'failed') return this.failureOf(thread);
      if (thread.state === 'starting')
        return new ReloadStepError(thread.version?.id ?? null, 'init', say.threadTimeout(this.describe(thread), timeoutMs));
    }
    return undefined;
  }

  failureOf(thread: AppThread): ReloadStepError {
    return new ReloadStepError(thread.version?.id ?? null, 'init', say.threadFailed(this.describe(thread), thread.failure ?? 'it ended'));
  }

  /** Files loaded by the threads of live versions, changed on disk since: file → the versions whose threads loaded it. */
  changed(files?: Iterable<string>): Map<string, ModuleVersion[]> {
    const only = files ? new Set(files) : undefined;
    this.prune();
    return this.loadedBy((file, stamp, thread) => {
      if (only && !only.has(file)) return false;
      const kept = stillAsStamped(file, stamp);
      if (kept) thread.files.set(file, kept);
      return kept === undefined;
    });
  }

  /** Of these files, those the threads of live versions loaded: file → the versions whose threads loaded it. */
  startersOf(files: Iterable<string>): Map<string, ModuleVersion[]> {
    const wanted = new Set(files);
    return this.loadedBy((file) => wanted.has(file));
  }

  /** The files the threads of live versions loaded that `accepts` picks: file → the versions whose threads loaded it. */
  private loadedBy(accepts: (file: string, stamp: SourceStamp, thread: AppThread) => boolean): Map<string, ModuleVersion[]> {
    const found = new Map<string, ModuleVersion[]>();
    for (const thread of this.live())
      for (const [file, stamp] of thread.files) {
        if (!accepts(file, stamp, thread)) continue;
        const versions = found.get(file) ?? [];
        if (!versions.includes(thread.version!)) versions.push(thread.version!);
        found.set(file, versions);
      }
    return found;
  }

  /** Whether a live version's thread loaded the file. */
  loads(file: string): boolean {
    return this.startersOf([file]).size > 0;
  }

  /** Each file the live versions' threads loaded, with the hash of the text they read. */
  sources(): Array<[file: string, hash: string]> {
    const sources = new Map<string, string>();
    for (const thread of this.live()) for (const [file, stamp] of thread.files) sources.set(file, stamp.hash);
    return [...sources];
  }

  describe(thread: AppThread): string {
    const entry = thread.entry && (thread.version ? relativeTo(thread.version, thread.entry) : thread.entry);
    return `the worker thread ${thread.threadId}${entry ? ` on ${entry}` : ''}${thread.version ? ` started by ${thread.version.id}` : ''}`;
  }

  private listen(): void {
    if (this.channel) return;
    const channel = (this.channel = new BroadcastChannel(threadChannel));
    (channel as { unref?: () => void }).unref?.();
    channel.onmessage = (event) => {
      const message = (event as MessageEvent).data as ThreadMessage;
      const thread = typeof message === 'object' && message !== null ? this.threads.get(message.token) : undefined;
      if (!thread) return;
      if (message.type === 'loaded' && typeof message.file === 'string') thread.files.set(message.file, message.stamp);
      else if (message.type === 'up') thread.change('up');
    };
  }
}

/** The one record of the app's threads (the Worker patch and the runtime share it). */
export const appThreads = new AppThreads();

/** A thread started by a version that is still the live one of its module. */
function isLive(thread: AppThread): boolean {
  return thread.version !== undefined && thread.version.record.current === thread.version;
}

/** Resolves once every one of the threads is up or ended, or after `timeoutMs`. */
async function settledWithin(threads: AppThread[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = original.setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(threads.map((thread) => thread.settled())), timeout]);
  clearTimeout(timer);
}

/** The first frame of a thread's error stack in one of the files it loaded: `file:line:column`. */
function firstAppFrame(stack: string | undefined, thread: AppThread): string | undefined {
  const pathOf = (location: string) => (location.startsWith('file:') ? fileURLToPath(location) : location);
  // The thread's report of what it loaded may still be on its way when its error arrives: any app file counts.
  const isThreads = (file: string) =>
    thread.files.has(file) || file === thread.entry || (thread.version !== undefined && isAppFileOf(thread.version, file));
  const frame = stack && firstFrame(stack, (location) => isThreads(pathOf(location)));
  if (!frame) return undefined;
  const file = pathOf(frame.file);
  return `${thread.version ? relativeTo(thread.version, file) : file}:${frame.line}:${frame.column}`;
}

/** The folder a version's id is relative to ('' when its id is its whole path). */
function rootOf(version: ModuleVersion): string {
  return version.record.file.slice(0, version.record.file.length - version.id.length);
}

/** A file of the app the version belongs to: under the folder its ids are relative to, outside node_modules. */
function isAppFileOf(version: ModuleVersion, file: string): boolean {
  const root = rootOf(version);
  return root !== '' && file.startsWith(root) && !file.split(/[\\/]/).includes('node_modules');
}

/** A file as the version's id names files: relative to the project when the version's id is. */
function relativeTo(version: ModuleVersion, file: string): string {
  const root = rootOf(version);
  return root && file.startsWith(root) ? file.slice(root.length) : file;
}
