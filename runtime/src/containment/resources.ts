// The handles one module version started (timers, listeners, servers, sockets, children, workers, watchers),
// each with the stack that made it: stopped when the version retires or its reload rolls back, and reported as
// a leak when one outlives that. The patches of Node's built-ins (this folder's other files) fill it.
import type { HandleKind } from '../../../src-shared/control-protocol';

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

const pruneAbove = 256;

/** The handles one module version started and that may still be alive. */
export class Resources {
  private readonly handles = new Set<TrackedHandle>();
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

  /** Stops watching a target (a newer version took it over through `hot.own`). */
  release(target: object): void {
    for (const handle of this.handles) if (handle.target === target) this.handles.delete(handle);
  }

  /** The handles still alive now. */
  alive(): TrackedHandle[] {
    this.prune();
    return [...this.handles];
  }

  /** Stops every live handle `keep` does not claim, newest first; returns what failed to stop. */
  async stopAll(keep: (target: object) => boolean): Promise<string[]> {
    this.stopped = true;
    const failures: string[] = [];
    const stopping: Array<Promise<void>> = [];
    for (const handle of [...this.handles].reverse()) {
      if (keep(handle.target)) {
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
