// A running app, the runtime's façade: it builds the rooms and answers for them. The registry holds the
// modules (modules/); the reload queue turns requests into transactions (reload/); the containment watches what
// versions start and the faults they make, with its listen and fault policies (containment/); the module API
// host gives each version its `import.meta.hot` (module-api/); the source inspector compares files with what
// runs (watch.ts). A reload flows one way: a request (control endpoint, watcher, CLI) → the queue → a
// transaction → the registry; its result flows back to the requester, the history and the event stream.
// docs/runtime-map.md draws it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReloadableConfig } from '../../src-shared/config';
import type { AppInfo, ReloadRequest, ReloadResult, RuntimeEvent, StatusRequest } from '../../src-shared/control-protocol';
import { LayerMap } from '../../src-shared/layers';
import { setTypescriptExecArgv } from './containment/children';
import { appThreads } from './containment/threads';
import { FaultLog } from './containment/fault-log';
import { installFaultHandling } from './containment/faults';
import { installContainment } from './containment/install';
import { listenPolicy } from './containment/listen-policy';
import type { ListenSlots } from './containment/listen-slots';
import { original } from './originals';
import { messageOf, say, type ReloadStepError } from './errors';
import { runtimeOutput } from './location';
import { silentLogger, type Logger } from './logger';
import { ModuleApiHost } from './module-api/hot-host';
import type { ModuleVersion } from './modules/module';
import { importPackage, installNodeHooks } from './modules/node-hooks';
import { Registry } from './modules/registry';
import { Project } from './modules/project';
import { DeferredCalls } from './reload/deferred-calls';
import { disposeVersion } from './reload/dispose';
import { LifecycleBus } from './reload/events';
import { liveOrder } from './reload/plan';
import { ReloadQueue } from './reload/queue';
import type { Coordinator } from './reload/transaction';
import { leaksOf } from './reload/result';
import { AppStart } from './reload/start';
import { installStackMapping } from './stack-traces';
import { statusOf } from './status';
import { isTypeScriptFile } from './transform';
import { SourceInspector } from './watch';

export type { Logger } from './logger';

export interface RuntimeOptions {
  /** Absolute: the project folder (holding the config or package.json). */
  project: string;
  /** Absolute path of the entry module. */
  entry: string;
  config: ReloadableConfig;
  /** How long retired versions may keep running calls, and stateful modules may take to drain. @default 5000 */
  drainTimeoutMs?: number;
  /**
   * How long a reload's new versions may take to load (their top-level awaits included) and, where the old ones
   * listened, to listen again; past it the reload rolls back. Also bounds a module first loaded while the app runs.
   * @default 10000
   */
  initTimeoutMs?: number;
  /** How long the first start may take; by default as long as it takes (a process starting is not a reload). */
  startTimeoutMs?: number;
  /** How long after a commit a fault of a new version still rolls the reload back. @default 200 */
  settleMs?: number;
  /** Keep Node's default: an uncaught exception or unhandled rejection ends the process. @default false */
  exitOnError?: boolean;
  /** When the app fails to start, keep the process and wait for a fix instead of throwing. @default false */
  waitForFix?: boolean;
  /** How many results `history()` keeps. @default 50 */
  historySize?: number;
  logger?: Logger;
  /** The runtime's version, reported to clients. */
  version?: string;
  /** Where reloads the app asks for (`import.meta.hot.invalidate()`) go; by default this runtime runs them. A cluster's worker asks its primary. */
  requestReload?: (files: string[]) => void;
}

/** The reload timeouts given, without those left to their defaults (the options take no `undefined`). */
export function timeoutsOf(
  options: Pick<RuntimeOptions, 'drainTimeoutMs' | 'initTimeoutMs' | 'settleMs'>,
): Pick<RuntimeOptions, 'drainTimeoutMs' | 'initTimeoutMs' | 'settleMs'> {
  return {
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
    ...(options.initTimeoutMs !== undefined ? { initTimeoutMs: options.initTimeoutMs } : {}),
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
  };
}

export class Runtime {
  readonly info: AppInfo;
  readonly registry: Registry;
  /** What changed on disk since the live versions were loaded. */
  readonly sources: SourceInspector;
  private readonly logger: Logger;
  private readonly bus: LifecycleBus;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly faults: FaultLog;
  private readonly startup: AppStart;
  private readonly queue: ReloadQueue;
  private readonly layers: LayerMap;
  private readonly slots: ListenSlots;
  private closed = false;

  private constructor(private readonly options: RuntimeOptions) {
    const logger = (this.logger = options.logger ?? silentLogger);
    const emit = (event: RuntimeEvent) => this.emit(event);
    const root = path.resolve(options.project, options.config.root);
    this.layers = new LayerMap(options.config.layers);
    this.bus = lifecycleBus(logger, emit);
    const deferred = new DeferredCalls();
    const project = new Project(options.project);
    let moduleApi: ModuleApiHost | undefined;
    const registry = (this.registry = new Registry({
      project: options.project,
      root,
      resolver: project.resolver,
      settings: project.settings,
      initTimeoutMs: this.timeouts().initTimeoutMs,
      host: {
        prepareVersion: (version) => moduleApi!.prepareVersion(version),
        importPackage,
        deferCall: (version, key, self, args) => deferred.defer(version, key, self, args),
      },
    }));
    const start = (this.startup = new AppStart(registry, options.entry, logger, (version) => this.disposeQuietly(version), options.startTimeoutMs));
    moduleApi = new ModuleApiHost(
      registry,
      this.bus,
      logger,
      () => start.entry,
      (files) => (options.requestReload ? options.requestReload(files) : void this.reload({ files })),
    );
    this.info = {
      pid: process.pid,
      project: options.project,
      entry: registry.idOf(options.entry),
      startedAt: new Date().toISOString(),
      runtime: options.version ?? '0.0.0',
    };
    this.sources = new SourceInspector(registry, () => start.started, appThreads);
    const running = () => this.queue.transaction;
    this.faults = new FaultLog(registry.records, running, logger, emit);
    const slots = (this.slots = installContainment(listenPolicy(running, (fault) => this.faults.fault(fault))));
    this.queue = new ReloadQueue({
      project: options.project,
      root,
      registry,
      start,
      transactions: {
        registry,
        bus: this.bus,
        slots,
        deferred,
        entry: () => start.entry,
        ...this.timeouts(),
        emit,
        keep: (target) => this.keep(target),
        threadsUp: (versions, timeoutMs) => appThreads.untilUp(versions, timeoutMs),
      },
      changedModules: () => this.sources.changedModules(),
      threads: appThreads,
      emit,
      logger,
      ...(options.historySize !== undefined ? { historySize: options.historySize } : {}),
    });
    // A thread a reload's new version started fails: the reload rolls back (until its settle window ends).
    appThreads.onFailure = (thread) => {
      const transaction = this.queue.transaction;
      return thread.version !== undefined && transaction?.owns(thread.version) === true && transaction.fail(appThreads.failureOf(thread));
    };
    installFaultHandling(this.faults, options.exitOnError === true);
    installStackMapping();
    installNodeHooks(registry, project);
    announceTypeScript();
    runTypeScriptInWorkers(project);
  }

  private timeouts(): { drainTimeoutMs: number; initTimeoutMs: number; settleMs: number } {
    const { options } = this;
    return { drainTimeoutMs: options.drainTimeoutMs ?? 5000, initTimeoutMs: options.initTimeoutMs ?? 10_000, settleMs: options.settleMs ?? 200 };
  }

  /**
   * Loads the app: the entry and everything it imports. Throws (a ReloadStepError) when it cannot, unless
   * `waitForFix`: the runtime then waits, and the next reload tries again.
   */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    if (!fs.existsSync(options.entry)) throw new Error(say.entryMissing(options.entry));
    const runtime = new Runtime(options);
    const error = await runtime.startup.load();
    if (error && !options.waitForFix) throw error;
    return runtime;
  }

  get started(): boolean {
    return this.startup.started;
  }

  /** How many modules the app has loaded. */
  get moduleCount(): number {
    return this.registry.records.size;
  }

  /** Why the process is exiting, when the runtime knows (for the discovery file). */
  get exitReason(): string | undefined {
    return this.faults.exitReason;
  }

  /**
   * Reloads the named files, or what changed since it was loaded. Requests made during a reload are merged into
   * the next; one with a coordinator (another process's say, cluster/) runs as a transaction of its own.
   */
  reload(params: ReloadRequest.Params = {}, coordinator?: Coordinator): Promise<ReloadResult> {
    return this.queue.request(params, coordinator);
  }

  /** Holds new requests until `releaseRequests` (a cluster's hold barrier), at most `maxMs`. */
  holdRequests(maxMs: number): void {
    this.slots.hold(maxMs, (callback, ms) => original.setTimeout(callback, ms));
  }

  /** Lets the held requests go to the code that serves now; returns how many waited. */
  releaseRequests(): number {
    return this.slots.release();
  }

  /** Fails the transaction under way, if any: it rolls back at once (another process of a cluster failed it). */
  failReload(error: ReloadStepError): void {
    this.queue.transaction?.fail(error);
  }

  /**
   * Each live module's file, with the content hash of the source its live version was loaded from; and each
   * file the live versions' worker threads loaded, with the hash of what they read (once the threads still
   * starting are up: until then, their files are not all known).
   */
  async liveSources(): Promise<Array<[file: string, hash: string]>> {
    await appThreads.startsSettled(this.timeouts().initTimeoutMs);
    const sources: Array<[string, string]> = [];
    for (const record of this.registry.records.values()) if (record.current && record.stamp) sources.push([record.file, record.stamp.hash]);
    const modules = new Set(sources.map(([file]) => file));
    for (const [file, hash] of appThreads.sources()) if (!modules.has(file)) sources.push([file, hash]);
    return sources;
  }

  /** The files of the loaded modules, and of the live versions' threads, that changed since they were loaded. */
  changedFiles(): string[] {
    const files = new Set(this.sources.changedModules().map((module) => this.registry.fileOf(module)));
    for (const file of appThreads.changed().keys()) files.add(file);
    return [...files].sort();
  }

  history(): ReloadResult[] {
    return this.queue.history();
  }

  status(): StatusRequest.Result {
    const { info, registry, layers, queue, startup } = this;
    return statusOf({ info, config: this.options.config, layers, registry, queue, start: startup, faults: () => this.faults.faults });
  }

  /** Receives every RuntimeEvent; returns the unsubscribe function. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Retires every module (dispose callbacks run, owned resources close, what they started stops). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const version of liveOrder(this.registry, this.startup.entry).reverse()) {
      for (const warning of await disposeVersion(version, version.record, { bus: this.bus, waitMs: 1000, keep: () => false }))
        this.logger.warn(warning);
    }
    appThreads.forget((version) => this.registry.records.get(version.id) === version.record);
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`an event subscriber threw: ${messageOf(error)}`);
      }
    }
  }

  /** A handle a retiring version started that something live still needs: owned by a live version, or kept in `hot.data`. */
  private keep(target: object): boolean {
    for (const record of this.registry.records.values()) {
      if (record.current?.hot.owned.includes(target)) return true;
      if (Object.values(record.data).includes(target)) return true;
    }
    return false;
  }

  private async disposeQuietly(version: ModuleVersion): Promise<void> {
    await disposeVersion(version, undefined, { bus: this.bus, waitMs: 1000, keep: () => false });
    for (const leak of leaksOf(version)) this.emit({ type: 'leak', leak });
  }
}

/** Lifecycle listeners (`hot.on`): one that throws is reported in the log and the event stream, never propagated. */
function lifecycleBus(logger: Logger, emit: (event: RuntimeEvent) => void): LifecycleBus {
  return new LifecycleBus((version, event, error) => {
    const stack = error instanceof Error ? error.stack : undefined;
    logger.warn(say.callbackThrew(`a '${event}' listener`, version.id, messageOf(error)));
    emit({ type: 'listener-error', module: version.id, version: version.number, event, message: messageOf(error), ...(stack ? { stack } : {}) });
  });
}

/** Workers and children compile the app's TypeScript as this thread does: with this project's settings. */
function runTypeScriptInWorkers(project: Project): void {
  const register = `${pathToFileURL(runtimeOutput('register.mjs')).href}?project=${encodeURIComponent(project.dir)}`;
  setTypescriptExecArgv(
    (file) => {
      const name = file instanceof URL ? file.pathname : typeof file === 'string' ? file : '';
      return isTypeScriptFile(name) ? ['--import', register] : undefined;
    },
    ({ token, entry }) => ['--import', `${register}&thread=${token}${entry ? `&entry=${encodeURIComponent(entry)}` : ''}`],
    (file) => project.isAppFile(file),
  );
}

/**
 * Says, the way Node 22.6+ does (`process.features.typescript`), that this process runs TypeScript files:
 * libraries that load the app's files themselves (plugin loaders, file-based routers) then include .ts files.
 */
function announceTypeScript(): void {
  const features = process.features as { typescript?: unknown };
  if (features.typescript) return;
  try {
    Object.defineProperty(features, 'typescript', { value: 'transform', enumerable: true, configurable: true });
  } catch {
    // A frozen features object: libraries then see what Node says.
  }
}
