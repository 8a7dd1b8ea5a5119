// An app module across its versions (ModuleRecord), one loaded version of it (ModuleVersion), and the
// asynchronous context that says whose code is running. The record owns its versions' lifecycle: every change
// of a version's status goes through one of the record's transitions, which keep `current` and `retiring` in
// step with it and refuse a move the lifecycle does not allow.
//
//   candidate ──promote──▶ live ──replace/orphan──▶ retiring ──finish──▶ retired
//       │                   ▲ │                        │
//       └──drop──▶ dropped ◀┘ └────────finish──────────┼──▶ retired (the app stopped)
//                           ◀─────────restore──────────┘ (a commit undone)
//
// The context: a version's top level runs in its `load` context, and so does everything that runs on from it
// as a continuation (promises, timeouts, immediates): a bootstrap that awaits its database and then builds the
// app is still loading. Long-lived sources a version starts (intervals, servers) run their callbacks in its
// `run` context; requests a server receives run in no version's context at all. The context tells the
// registry what a loading version consumed from its imports, the containment who owns a timer or a server,
// and the fault handler whose fault an uncaught exception is.
//
// The async context (AsyncLocalStorage) costs every promise of the process on Node 20 and 22, so it is on only
// while something loads (loading-windows.ts): then continuations carry it. Otherwise a callback the runtime
// calls for a version (an interval's tick, a listener) runs in that version's context for its synchronous part.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as path from 'node:path';
import type { EnvWrite } from '../containment/environment';
import type { Resources } from '../containment/resources';
import type { Mailbox } from '../module-api/mailbox';
import { HotRegistrations } from '../module-api/registrations';
import type { ModuleFormat, Transformed } from '../transform';
import { CallCounter } from './call-counter';
import type { SourceStamp } from './sources';

export interface VersionContext {
  readonly version: ModuleVersion;
  readonly loading: boolean;
}

export const appContext = new AsyncLocalStorage<VersionContext>();

/** The context of a callback the runtime runs for a version while the async context is off. */
let syncContext: VersionContext | undefined;

/** Whose code is running now, and whether it is loading: the async context, else a callback's. */
export function currentContext(): VersionContext | undefined {
  // With every window closed the async context is disabled and holds nothing: not even asked (every live-binding
  // read of a serving app comes here).
  return asyncContextWindows > 0 ? (appContext.getStore() ?? syncContext) : syncContext;
}

/** The module version whose code (or whose loading) is running now, if any. */
export function currentVersion(): ModuleVersion | undefined {
  return currentContext()?.version;
}

/** Runs `call` in `context`: through the async context while it is on (a load is watched), else its synchronous part. */
export function runIn<T>(context: VersionContext, call: () => T): T {
  if (appContextOn()) return appContext.run(context, call);
  const previous = syncContext;
  syncContext = context;
  try {
    return call();
  } finally {
    syncContext = previous;
  }
}

let asyncContextWindows = 0;

/** Whether the async context is on: some load (the start, a reload, a lazy load) is watched. */
export function appContextOn(): boolean {
  return asyncContextWindows > 0;
}

/** Turns the async context on until the returned function is called (once); off when no one needs it. */
export function openAsyncContext(): () => void {
  asyncContextWindows++;
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    if (--asyncContextWindows === 0) appContext.disable();
  };
}

/** Runs `call` outside any version's context: what it starts belongs to no version. */
export function outsideVersions<T>(call: () => T): T {
  return appContext.exit(call);
}

export type VersionStatus = 'candidate' | 'live' | 'retiring' | 'retired' | 'dropped';

/** How far the version's code got. */
export type EvaluationState = 'new' | 'instantiated' | 'evaluating' | 'evaluated' | 'failed';

/** How a version came to know another module. */
export type EdgeKind = 'static' | 'reexport' | 'require' | 'dynamic' | 'library';

/** Tells an ES module shim Node holds for this file the values of a new version. */
export type ShimBinder = (values: Record<string, unknown>) => void;

/** What the rewritten code of a version is given: `__rl` (imports, exports, `import()`, `import.meta`) and CommonJS's `require`. */
export interface CodeBindings {
  api: object;
  require: NodeJS.Require;
}

const allowed: Record<VersionStatus, readonly VersionStatus[]> = {
  candidate: ['live', 'dropped'],
  live: ['retiring', 'retired', 'dropped'],
  retiring: ['live', 'retired'],
  retired: [],
  dropped: [],
};

/** The key of a version's status setter: only this file's records hold it. */
const moveTo = Symbol('moveTo');

export class ModuleRecord {
  current: ModuleVersion | undefined;
  readonly retiring = new Set<ModuleVersion>();
  readonly data: Record<string, unknown> = {};
  readonly mailboxes: Mailbox[] = [];
  stamp: SourceStamp | undefined;
  /** The order the module first evaluated in, across the app: ties in reload order follow it, as Node's would. */
  evaluationIndex = Number.MAX_SAFE_INTEGER;
  /** Loaded by a package (an `import()` or `require()` Node made): kept while the app runs. */
  loadedByPackage = false;
  /** The ES module shims Node holds for this file, to be told of each new version's values. */
  readonly binders = new Set<ShimBinder>();
  /** The live namespace: the one object importers hold. */
  readonly namespace: Record<string, unknown>;
  private readonly names = new Set<string>();

  constructor(
    readonly id: string,
    readonly file: string,
    public format: ModuleFormat,
  ) {
    this.namespace = Object.create(null);
    Object.defineProperty(this.namespace, '__esModule', { value: true });
    Object.defineProperty(this.namespace, Symbol.toStringTag, { value: 'Module' });
  }

  // The lifecycle ----------------------------------------------------------------------------------------

  /** A candidate goes live; the version it replaces (if any) starts retiring and is returned. */
  promote(candidate: ModuleVersion): ModuleVersion | undefined {
    const old = this.current;
    candidate[moveTo]('live');
    this.current = candidate;
    if (old) {
      old[moveTo]('retiring');
      this.retiring.add(old);
    }
    return old;
  }

  /** A commit is undone: `candidate` is dropped and `old` (if it had a version) serves again. */
  restore(candidate: ModuleVersion, old: ModuleVersion | undefined): void {
    if (this.current === candidate) candidate[moveTo]('dropped');
    this.current = old;
    if (old) {
      old[moveTo]('live');
      this.retiring.delete(old);
    }
  }

  /** The live version is no longer reached by the app: it retires with the reload's old versions. */
  orphan(): ModuleVersion | undefined {
    this.current?.[moveTo]('retiring');
    return this.current;
  }

  /** An orphan of a commit that was undone serves again. */
  adopt(version: ModuleVersion): void {
    if (this.current === version) version[moveTo]('live');
  }

  /** A version whose load failed or was rolled back: it never serves (again). */
  drop(version: ModuleVersion): void {
    if (version.status === 'dropped') return;
    version[moveTo]('dropped');
    if (this.current === version) this.current = undefined;
  }

  /** A version was disposed: a retiring (or, when the app stops, a live) one is retired; a candidate, dropped. */
  finish(version: ModuleVersion): void {
    this.retiring.delete(version);
    if (version.status === 'candidate') version[moveTo]('dropped');
    else if (version.status === 'live' || version.status === 'retiring') version[moveTo]('retired');
  }

  // The namespace ----------------------------------------------------------------------------------------

  /** The version the running code sees, noting that a loading version consumed this module. */
  seenBy(): ModuleVersion | undefined {
    const context = currentContext();
    if (context === undefined) return this.current;
    const reader = context.version;
    if (context.loading && reader.record !== this) reader.consume(this.id);
    return reader.peers?.get(this.id) ?? this.current;
  }

  /** Makes the namespace answer for each of `names` (a new version may export more). */
  expose(names: Iterable<string>): void {
    for (const name of names) {
      if (this.names.has(name) || name === '__esModule') continue;
      this.names.add(name);
      const record = this;
      Object.defineProperty(this.namespace, name, {
        enumerable: true,
        configurable: true,
        get() {
          const version = record.seenBy();
          return version === undefined ? undefined : version.module.exports[name];
        },
      });
    }
  }

  /** Keeps exactly the names the live version exports (after a commit or a rollback). */
  settleNames(): void {
    const exported = new Set(this.current ? Object.keys(this.current.module.exports) : []);
    for (const name of this.names) {
      if (exported.has(name)) continue;
      this.names.delete(name);
      delete this.namespace[name];
    }
    this.expose(exported);
  }
}

/** How far a version's code got, kept by the evaluator. */
export class Evaluation {
  state: EvaluationState = 'new';
  /** Set while the module's top level runs; `hot.state`, `hot.mailbox` are only valid then. */
  initialising = false;
  /** The running generator of an ES module between instantiation and evaluation. */
  iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  /** Settles when an async (top-level await) evaluation ends. */
  done: Promise<void> | undefined;
  /** An async module's instantiation: it has reached its first `yield` once this settles, and runs on at once when resumed. */
  instantiated: Promise<unknown> | undefined;
  /** Why the version's code failed (a throw, a timeout, a bind failure of its own making). */
  failure: Error | undefined;
  private waiters: Array<{ resolve(): void; reject(error: Error): void }> = [];

  /** Settles once the code ran to its end (or failed): another load that imports it waits for it, as Node's importers do. */
  whenSettled(): Promise<void> {
    if (this.state === 'evaluated') return Promise.resolve();
    if (this.state === 'failed') return Promise.reject(this.failure!);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The evaluator's: the code ran to its end, or failed. */
  settle(failure?: Error): void {
    this.state = failure ? 'failed' : 'evaluated';
    if (failure) this.failure = failure;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (failure) waiter.reject(failure);
      else waiter.resolve();
    }
  }
}

export class ModuleVersion {
  #status: VersionStatus = 'candidate';
  /** CommonJS's `module`; an ES module's exports object is its `exports` too. */
  readonly module: { exports: any; id: string; filename: string; loaded: boolean; children: unknown[]; paths: string[]; path: string };
  /** The objects each static import resolved to, by import index. */
  readonly targets: unknown[] = [];
  /** App modules this version reached, by id, and how. */
  readonly edges = new Map<string, EdgeKind>();
  /** App modules whose values this version read while loading: when one runs again, so must this one. */
  readonly consumed = new Set<string>();
  /**
   * Of those, the ones read after the version's own top level ran synchronously: in a continuation of its
   * loading (a framework's boot it started, a bootstrap it did not await). Who keeps what such a read got cannot
   * be told, so a reload that runs this version again runs the whole app.
   */
  readonly consumedLater = new Set<string>();
  /** Modules that made a server this version's code started (listened): they run again when this one does. */
  readonly startedFrom = new Set<string>();
  /** The `process.env` variables its top level set (containment/environment.ts). */
  readonly envWrites = new Map<string, EnvWrite>();
  readonly calls: CallCounter;
  readonly contexts: { load: VersionContext; run: VersionContext };
  readonly hot = new HotRegistrations();
  readonly evaluation = new Evaluation();
  /** The versions the load that made this one is preparing: its code sees them, not the live ones. */
  peers: ReadonlyMap<string, ModuleVersion> | undefined;
  #bindings: CodeBindings | undefined;

  constructor(
    readonly record: ModuleRecord,
    readonly number: number,
    readonly transformed: Transformed,
    /** What the version starts (timers, servers, …), stopped when it retires. */
    readonly resources: Resources,
    defer: (version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>) => Promise<unknown>,
  ) {
    const file = record.file;
    this.module = { exports: {}, id: file, filename: file, loaded: false, children: [], paths: [], path: path.dirname(file) };
    this.calls = new CallCounter((key, self, args) => defer(this, key, self, args));
    this.contexts = { load: { version: this, loading: true }, run: { version: this, loading: false } };
  }

  get status(): VersionStatus {
    return this.#status;
  }

  /** Only the version's record moves it (see the lifecycle above). */
  [moveTo](to: VersionStatus): void {
    if (!allowed[this.#status].includes(to)) throw new Error(`internal: ${this.id} v${this.number} cannot go from ${this.#status} to ${to}`);
    this.#status = to;
  }

  /** Notes that this version's loading read module `id`'s values (in its top level, or after it ran). */
  consume(id: string): void {
    this.consumed.add(id);
    if (!this.evaluation.initialising) this.consumedLater.add(id);
  }

  /** Gives the version what its code is run with; once. */
  attach(bindings: CodeBindings): void {
    if (this.#bindings) throw new Error(`internal: ${this.id} v${this.number} was given its bindings twice`);
    this.#bindings = bindings;
  }

  get bindings(): CodeBindings {
    if (!this.#bindings) throw new Error(`internal: ${this.id} v${this.number} runs without its bindings`);
    return this.#bindings;
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
    return this.hot.stateful;
  }

  /** Calls running in this version now, and requests its servers are answering. */
  get inFlight(): number {
    return this.calls.inFlight;
  }

  /** Module ids this version imports, requires or loads, in the order it first reached them. */
  get imports(): string[] {
    return [...this.edges.keys()];
  }

  /** Whether code of this version may still take something over (not dropped, not retired). */
  get alive(): boolean {
    return this.#status !== 'dropped' && this.#status !== 'retired';
  }

  /** Resolves once nothing runs in the version. */
  whenIdle(): Promise<void> {
    return this.calls.whenIdle();
  }

  /** Runs a call the runtime makes into this version (a listener, a mailbox handler), counted until it settles. */
  call<T>(call: () => T): T {
    this.calls.enter();
    let result: T;
    try {
      result = runIn(this.contexts.run, call);
    } catch (error) {
      this.calls.exit();
      throw error;
    }
    const settling = result as unknown as PromiseLike<unknown> | undefined;
    if (settling && typeof settling.then === 'function') {
      const exit = () => this.calls.exit();
      settling.then(exit, exit);
    } else {
      this.calls.exit();
    }
    return result;
  }
}
