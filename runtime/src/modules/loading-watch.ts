// Whether a reload's new versions are still loading: their top levels and everything that runs on from them
// in their loading context (a bootstrap nobody awaits, still awaiting its database; a framework's boot queue).
// Node's async hooks see each piece of work made in that context that will run more of its code: an awaited
// promise not yet settled, a one-shot timer, immediate or tick not yet run, a request to the system (a file read,
// a lookup, a connect) not yet answered. Long-lived handles (a server, a client socket, an interval) are not
// loading: they run for as long as the version lives. A promise nothing awaits (a "closed" promise a library
// keeps) is not either. The hooks run only while a reload waits for its servers, never while the app serves.
import { createHook, executionAsyncId, type AsyncHook } from 'node:async_hooks';
import { currentContext, type ModuleVersion } from './module';
import { original } from '../originals';

interface Pending {
  version: ModuleVersion;
  kind: 'promise' | 'timer' | 'request';
  /** Something waits on it (a promise someone awaits or chains on; any timer or request). */
  awaited: boolean;
}

/** One-shot work Node tracks: it runs a callback once, then is gone. */
const oneShot = /REQ|CONNECTWRAP|QUERYWRAP|WRITEWRAP|SHUTDOWNWRAP|^Immediate$|^TickObject$|^Microtask$/;

export class LoadingWatch {
  private readonly pending = new Map<number, Pending>();
  private blocking = 0;
  private readonly idle = new Set<() => void>();
  private checkScheduled = false;
  private readonly hook: AsyncHook;

  constructor(
    /** Whether work made in `version`'s loading counts (the reload's candidates). */
    private readonly watches: (version: ModuleVersion) => boolean,
  ) {
    this.hook = createHook({
      init: (asyncId, type, triggerAsyncId, resource) => this.started(asyncId, type, triggerAsyncId, resource),
      promiseResolve: (asyncId) => this.settled(asyncId),
      destroy: (asyncId) => this.settled(asyncId),
    }).enable();
  }

  private started(asyncId: number, type: string, triggerAsyncId: number, resource: unknown): void {
    // A promise chained on a pending one (an await, a then) makes the pending one awaited, whoever chains.
    if (type === 'PROMISE') {
      const parent = this.pending.get(triggerAsyncId);
      if (parent?.kind === 'promise' && !parent.awaited) this.await(parent);
    }
    const context = currentContext();
    if (!context?.loading || !this.watches(context.version)) return;
    const version = context.version;
    if (type === 'PROMISE') {
      // `new Promise` is a root nobody waits on yet; a promise made by an await or a then is a step of a chain.
      const derived = triggerAsyncId !== executionAsyncId();
      this.add(asyncId, { version, kind: 'promise', awaited: false }, derived);
    } else if (type === 'Timeout') {
      if ((resource as { _repeat?: unknown })._repeat == null) this.add(asyncId, { version, kind: 'timer', awaited: false }, true);
    } else if (oneShot.test(type)) {
      this.add(asyncId, { version, kind: type === 'Immediate' || type === 'TickObject' ? 'timer' : 'request', awaited: false }, true);
    }
  }

  private add(asyncId: number, pending: Pending, awaited: boolean): void {
    this.pending.set(asyncId, pending);
    if (awaited) this.await(pending);
  }

  private await(pending: Pending): void {
    pending.awaited = true;
    this.blocking++;
  }

  private settled(asyncId: number): void {
    const pending = this.pending.get(asyncId);
    if (!pending) return;
    this.pending.delete(asyncId);
    if (pending.awaited && --this.blocking === 0) this.scheduleCheck();
  }

  /** Idle is checked once the microtasks ran: a settled await's continuation may start the next step. */
  private scheduleCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    original.setImmediate(() => {
      this.checkScheduled = false;
      if (this.blocking > 0) return;
      for (const listener of [...this.idle]) listener();
    });
  }

  /** Resolves once nothing the watched versions' loading started is pending; `stop` ends the wait too. */
  whenIdle(): { promise: Promise<void>; cancel(): void } {
    let listener: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      listener = () => {
        this.idle.delete(listener);
        resolve();
      };
      this.idle.add(listener);
      if (this.blocking === 0) this.scheduleCheck();
    });
    return { promise, cancel: () => this.idle.delete(listener) };
  }

  /** What is still pending, by module: for the message of a reload that timed out waiting. */
  describe(): string {
    const counts = new Map<string, Map<Pending['kind'], number>>();
    for (const pending of this.pending.values()) {
      if (!pending.awaited) continue;
      const byKind = counts.get(pending.version.id) ?? new Map<Pending['kind'], number>();
      byKind.set(pending.kind, (byKind.get(pending.kind) ?? 0) + 1);
      counts.set(pending.version.id, byKind);
    }
    const words = { promise: 'awaited promise', timer: 'timer', request: 'system request' };
    return [...counts]
      .map(([id, byKind]) => `${id} (${[...byKind].map(([kind, count]) => `${count} ${words[kind]}${count === 1 ? '' : 's'}`).join(', ')})`)
      .join(', ');
  }

  stop(): void {
    this.hook.disable();
    this.pending.clear();
    this.idle.clear();
  }
}
