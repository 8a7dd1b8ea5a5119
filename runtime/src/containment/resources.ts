// The handles one module version started (timers, listeners, servers, sockets, children, workers, watchers),
// each with the stack that made it: stopped when the version retires or its reload rolls back, and reported as
// a leak when one outlives that. The patches of Node's built-ins (this folder's other files) fill it.
import type { HandleKind } from '../../../src-shared/control-protocol';
import { within } from '../wait';
import { handleMakers, noteHandleMaker, packageOfStack } from './package-roots';

export interface TrackedHandle {
  kind: HandleKind;
  target: object;
  /** Holds the creation stack; formatted only when a leak is reported. */
  origin: { stack?: string };
  describe(): string;
  alive(): boolean;
  /** Stops it; a promise when stopping takes a moment (a child process exiting). */
  stop(): void | Promise<void>;
}

/** A module version as this file needs it (the version holds its Resources). */
interface Versioned {
  readonly status: string;
}

/** A package object a version made: released through its own `close()` when that version retires. */
export interface PackageObject {
  target: { close(): unknown };
  /** The folder of the package whose class it is (`…/node_modules/chokidar`). */
  root: string;
  /** The versions whose code listened to it. */
  listeners: Set<Versioned>;
  describe(): string;
}

const pruneAbove = 256;

/** The handles one module version started and that may still be alive. */
export class Resources {
  private readonly handles = new Set<TrackedHandle>();
  /** Package objects the version made (./package-objects.ts): released through their own `close()`. */
  private readonly packageObjects: PackageObject[] = [];
  /** The version retired or was dropped: what its code still starts (a bootstrap that awaited) stops at once. */
  private stopped = false;

  add(
    kind: HandleKind,
    target: object,
    describe: () => string,
    alive: () => boolean,
    stop: () => void | Promise<void>,
    creator: Function,
  ): TrackedHandle {
    const origin: { stack?: string } = {};
    Error.captureStackTrace(origin, creator);
    noteHandleMaker(creator);
    const handle: TrackedHandle = { kind, target, origin, describe, alive, stop };
    if (this.stopped) {
      queueMicrotask(() => void safe(() => stop(), undefined));
      return handle;
    }
    if (this.handles.size >= pruneAbove) this.prune();
    this.handles.add(handle);
    return handle;
  }

  remove(handle: TrackedHandle | undefined): void {
    if (handle) this.handles.delete(handle);
  }

  addPackageObject(entry: PackageObject): void {
    if (this.stopped) return;
    // One no version's code listened to only matters while it is on globalThis or kept: rare enough to forget.
    if (this.packageObjects.length >= pruneAbove)
      this.packageObjects.splice(0, Infinity, ...this.packageObjects.filter((kept) => kept.listeners.size > 0));
    this.packageObjects.push(entry);
  }

  /** Stops watching a target (a newer version took it over through `hot.own`). */
  release(target: object): void {
    for (const handle of this.handles) if (handle.target === target) this.handles.delete(handle);
  }

  /** The handles still alive now. */
  alive(): TrackedHandle[] {
    this.prune();
    return [...this.handles];
  }

  /**
   * Stops every live handle `keep` does not claim, newest first; returns what failed to stop. The objects the
   * version made and listened to of a package that makes handles (for this version or an earlier one: a later
   * watcher may ride on an earlier one's) are released first, through their own `close()` (a moment at most): what
   * the package made for the version is then its own to close, and what a package whose object something live
   * still uses made is left alone. A package that never made a handle is not asked: its objects' `close()` may do
   * more than a retirement needs, and the runtime has nothing of it to close.
   */
  async stopAll(version: Versioned, keep: (target: object) => boolean, waitMs: number): Promise<string[]> {
    this.stopped = true;
    const failures: string[] = [];
    const closing: Array<Promise<void>> = [];
    const kept = new Set<string>();
    const released = new Set<string>();
    const failedRoots = new Set<string>();
    for (const entry of this.packageObjects.reverse()) {
      if (!handleMakers.has(entry.root)) continue;
      if (stillUsed(entry, version, keep)) {
        kept.add(entry.root);
        continue;
      }
      if (!entry.listeners.has(version)) continue;
      released.add(entry.root);
      // A close() that throws or hangs released nothing: what its package made is closed as any handle is.
      const failed = (error: unknown) => {
        failedRoots.add(entry.root);
        failures.push(`${entry.describe()}: ${(error as Error)?.message ?? String(error)}`);
      };
      try {
        const closed = within(Promise.resolve(entry.target.close()), waitMs, () => {
          throw new Error(`its close() did not settle in ${waitMs} ms`);
        });
        closing.push(closed.then(() => undefined, failed));
      } catch (error) {
        failed(error);
      }
    }
    await Promise.all(closing);
    this.packageObjects.length = 0;
    // Roots whose handles stay: kept by a live object of the package, or released through its objects' close().
    const packages = new Set([...kept, ...[...released].filter((root) => !failedRoots.has(root))]);
    const stopping: Array<Promise<void>> = [];
    for (const handle of [...this.handles].reverse()) {
      if (keep(handle.target) || (packages.size > 0 && packages.has(packageOfStack(handle.origin.stack) ?? ''))) {
        this.handles.delete(handle);
        continue;
      }
      if (!safe(() => handle.alive(), false)) {
        this.handles.delete(handle);
        continue;
      }
      try {
        const stopped = handle.stop();
        if (stopped) stopping.push(stopped.catch((error: unknown) => void failures.push(`${handle.describe()}: ${(error as Error).message}`)));
      } catch (error) {
        failures.push(`${handle.describe()}: ${(error as Error).message}`);
      }
    }
    await Promise.all(stopping);
    return failures;
  }

  clear(): void {
    this.handles.clear();
    this.packageObjects.length = 0;
  }

  private prune(): void {
    for (const handle of this.handles) if (!safe(() => handle.alive(), false)) this.handles.delete(handle);
  }
}

export function safe<T>(call: () => T, fallback: T): T {
  try {
    return call();
  } catch {
    return fallback;
  }
}

/** Whether something live still uses the object: a newer version listens to it, or it is kept where a new version finds it. */
function stillUsed(entry: PackageObject, retiring: Versioned, keep: (target: object) => boolean): boolean {
  if (keep(entry.target) || onGlobal(entry.target)) return true;
  for (const version of entry.listeners) if (version !== retiring && (version.status === 'live' || version.status === 'candidate')) return true;
  return false;
}

function onGlobal(target: object): boolean {
  for (const key of Reflect.ownKeys(globalThis)) {
    if (Reflect.getOwnPropertyDescriptor(globalThis, key)?.value === target) return true;
  }
  return false;
}
