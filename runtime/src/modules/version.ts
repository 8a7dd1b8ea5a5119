// One loaded version of one module: its code, its exports, the calls running in it, what it consumed from its
// imports while loading, what it started (timers, servers…), and everything it registered through
// `import.meta.hot` (owned resources, dispose callbacks, state, mailbox handlers, accept/decline).
import * as path from 'node:path';
import { appContext, type VersionContext } from '../context';
import type { Resources } from '../containment/resources';
import type { Transformed } from '../transform';
import type { ModuleRecord, Session } from './record';

export type VersionStatus = 'candidate' | 'live' | 'retiring' | 'retired' | 'dropped';

/** How far the version's code got. */
export type EvaluationState = 'new' | 'instantiated' | 'evaluating' | 'evaluated' | 'failed';

export interface StateHandler {
  version: number;
  save(): unknown;
  restore(saved: unknown, fromVersion: number): void;
}

export type MailboxHandler = (message: unknown) => unknown;

/** How a version came to know another module. */
export type EdgeKind = 'static' | 'reexport' | 'require' | 'dynamic' | 'library';

/**
 * The count of calls running in a version, kept by the rewritten code of its async functions (`n++` on
 * entry, `x()` when they settle), and the gate a stateful module's exported async functions wait at during
 * its swap (`g`, then `d(key, this, args)`).
 */
export class CallCounter {
  n = 0;
  g = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deferCall: (key: string, self: unknown, args: ArrayLike<unknown>) => Promise<unknown>) {}

  x(): void {
    if (--this.n === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  d(key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown> {
    return this.deferCall(key, self, args);
  }

  /** Resolves once nothing runs in the version. */
  whenIdle(): Promise<void> {
    if (this.n <= 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Counts a call the rewritten code cannot see (a request, a lifecycle listener, a mailbox handler). */
  enter(): void {
    this.n++;
  }
}

export class ModuleVersion {
  status: VersionStatus = 'candidate';
  state: EvaluationState = 'new';
  /** CommonJS's `module`; an ES module's exports object is its `exports` too. */
  readonly module: { exports: any; id: string; filename: string; loaded: boolean; children: unknown[]; paths: string[]; path: string };
  /** The objects each static import resolved to, by import index. */
  readonly targets: unknown[] = [];
  /** App modules this version reached, by id, and how. */
  readonly edges = new Map<string, EdgeKind>();
  /** App modules whose values this version read while loading: when one runs again, so must this one. */
  readonly consumed = new Set<string>();
  readonly counter: CallCounter;
  readonly contexts: { load: VersionContext; run: VersionContext };
  readonly disposers: Array<(data: Record<string, unknown>) => unknown> = [];
  /** Closed in reverse order when the version retires, unless a newer version took them over. */
  readonly owned: object[] = [];
  stateHandler: StateHandler | undefined;
  /** By creation order: the n-th `hot.mailbox()` call of every version feeds the same mailbox. */
  readonly mailboxHandlers: MailboxHandler[] = [];
  selfAccepts = false;
  readonly selfAcceptCallbacks: Array<(module: unknown) => void> = [];
  /** Imports this version accepts, by module id, with their callbacks. */
  readonly acceptedDeps = new Map<string, Array<(module: unknown) => void>>();
  declines = false;
  /** Set while the module's top level runs; `hot.state`, `hot.mailbox` are only valid then. */
  initialising = false;
  /** The running generator of an ES module between instantiation and evaluation. */
  iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  /** Settles when an async (top-level await) evaluation ends. */
  evaluation: Promise<void> | undefined;
  /** A fault of the version's own making found while it was prepared (a bind failure). */
  failure: Error | undefined;
  resources!: Resources;
  /** The load that made this version, while it is being prepared. */
  session: Session | undefined;
  /** `import.meta`. */
  meta: object | undefined;
  /** What the rewritten code calls `__rl`: imports, exports, `import()`, `import.meta`, the call counter. */
  api!: object;
  /** CommonJS's `require` for this version. */
  require!: NodeJS.Require;

  constructor(
    readonly record: ModuleRecord,
    readonly number: number,
    readonly transformed: Transformed,
    defer: (version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>) => Promise<unknown>,
  ) {
    const file = record.file;
    this.module = { exports: {}, id: file, filename: file, loaded: false, children: [], paths: [], path: path.dirname(file) };
    this.counter = new CallCounter((key, self, args) => defer(this, key, self, args));
    this.contexts = { load: { version: this, loading: true }, run: { version: this, loading: false } };
  }

  get id(): string {
    return this.record.id;
  }

  get file(): string {
    return this.record.file;
  }

  get exports(): any {
    return this.module.exports;
  }

  get stateful(): boolean {
    return this.stateHandler !== undefined || this.mailboxHandlers.length > 0;
  }

  /** Calls running in this version now, and requests its servers are answering. */
  get inFlight(): number {
    return this.counter.n;
  }

  /** Module ids this version imports, requires or loads, in the order it first reached them. */
  get imports(): string[] {
    return [...this.edges.keys()];
  }

  /** Resolves once nothing runs in the version. */
  whenIdle(): Promise<void> {
    return this.counter.whenIdle();
  }

  /** Runs a call the runtime makes into this version (a listener, a mailbox handler), counted until it settles. */
  call<T>(call: () => T): T {
    this.counter.enter();
    let result: T;
    try {
      result = appContext.run(this.contexts.run, call);
    } catch (error) {
      this.counter.x();
      throw error;
    }
    const settling = result as unknown as PromiseLike<unknown> | undefined;
    if (settling && typeof settling.then === 'function') {
      const exit = () => this.counter.x();
      settling.then(exit, exit);
    } else {
      this.counter.x();
    }
    return result;
  }
}
