// A running app: its registry, the queue of reload requests (one transaction at a time, waiting requests
// merged into the next), the bounded history of results, and the event stream clients subscribe to.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReloadableConfig } from '../../src-shared/config';
import type { AppInfo, ReloadRequest, ReloadResult, RuntimeEvent, StatusRequest } from '../../src-shared/control-protocol';
import { findCycles } from '../../src-shared/strongly-connected';
import { LayerMap } from '../../src-shared/layers';
import { orderModules } from '../../src-shared/reload-order';
import { reverseAdjacency } from '../../src-shared/module-graph';
import { messageOf, say } from './errors';
import { LifecycleBus } from './events';
import { contentHash, Registry, type ModuleRecord } from './registry';
import { Resolver } from './resolver';
import { installStackMapping } from './stack-traces';
import { emptyResult, liveAdjacency, planOf, runTransaction, type TransactionContext } from './transaction';
import { disposeVersion } from './dispose';
import { tsconfigRawOf, warmUp } from './transform';

/** Where the runtime's own messages go; the CLI writes them to stderr. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RuntimeOptions {
  /** Absolute: the project folder (holding the config or package.json). */
  project: string;
  /** Absolute path of the entry module. */
  entry: string;
  config: ReloadableConfig;
  /** How long retired versions may keep running calls, and stateful modules may take to drain. @default 5000 */
  drainTimeoutMs?: number;
  /** How long a module's code may run when it loads. @default 5000 */
  initTimeoutMs?: number;
  /** How many results `history()` keeps. @default 50 */
  historySize?: number;
  logger?: Logger;
  /** The runtime's version, reported to clients. */
  version?: string;
}

interface PendingReload {
  /** Absolute paths named by requests. */
  files: Set<string>;
  /** Some request asked for everything that changed. */
  scan: boolean;
  waiters: Array<(result: ReloadResult) => void>;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

export class Runtime {
  readonly info: AppInfo;
  readonly registry: Registry;
  private readonly bus: LifecycleBus;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly results: ReloadResult[] = [];
  private readonly layers: LayerMap;
  private readonly root: string;
  private readonly logger: Logger;
  private readonly context: TransactionContext;
  private pending: PendingReload | undefined;
  private busy = false;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly options: RuntimeOptions) {
    this.logger = options.logger ?? silent;
    this.root = path.resolve(options.project, options.config.root);
    this.layers = new LayerMap(options.config.layers);
    this.bus = new LifecycleBus((version, event, error) => {
      const message = messageOf(error);
      const stack = error instanceof Error ? error.stack : undefined;
      this.logger.warn(say.callbackThrew(`a '${event}' listener`, version.id, message));
      this.emit({ type: 'listener-error', module: version.id, version: version.number, event, message, ...(stack ? { stack } : {}) });
    });
    const resolver = new Resolver(options.project);
    const tsconfigRaw = tsconfigRawOf(resolver.compilerOptions);
    this.registry = new Registry({
      project: options.project,
      root: this.root,
      resolver,
      tsconfigRaw,
      initTimeoutMs: options.initTimeoutMs ?? 5000,
      bus: this.bus,
      onMailboxError: (version, error) => this.logger.warn(say.handlerError(version.id, error instanceof Error ? (error.stack ?? error.message) : String(error))),
      onInvalidate: (id) => void this.invalidate(id),
    });
    this.info = {
      pid: process.pid,
      project: options.project,
      entry: this.registry.idOf(options.entry),
      startedAt: new Date().toISOString(),
      runtime: options.version ?? '0.0.0',
    };
    this.context = {
      registry: this.registry,
      bus: this.bus,
      entry: this.info.entry,
      drainTimeoutMs: options.drainTimeoutMs ?? 5000,
      tsconfigRaw,
      emit: (event) => this.emit(event),
    };
  }

  /** Loads the app: the entry and everything it imports. Throws (a ReloadStepError) when it cannot. */
  static start(options: RuntimeOptions): Runtime {
    if (!fs.existsSync(options.entry)) throw new Error(say.entryMissing(options.entry));
    installStackMapping();
    const runtime = new Runtime(options);
    runtime.registry.loadEntry(options.entry);
    warmUp();
    return runtime;
  }

  /** Reloads the named files, or what changed since it was loaded. Requests made during a reload are merged into the next. */
  reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    if (params.dryRun) return Promise.resolve(this.dryRun(params.files));
    const pending = (this.pending ??= { files: new Set(), scan: false, waiters: [] });
    if (params.files === undefined) pending.scan = true;
    for (const file of params.files ?? []) pending.files.add(path.resolve(this.options.project, file));
    const result = new Promise<ReloadResult>((resolve) => pending.waiters.push(resolve));
    void this.drainQueue();
    return result;
  }

  history(): ReloadResult[] {
    return [...this.results];
  }

  status(): StatusRequest.Result {
    const adjacency = liveAdjacency(this.registry);
    const modules = [...this.registry.records.values()]
      .filter((record) => record.current)
      .map((record) => ({
        id: record.id,
        layer: this.layers.layerOf(record.id),
        version: record.current!.number,
        inFlight: record.current!.inFlight,
        stateful: record.current!.stateful,
        retiring: [...record.retiring].map((version) => ({ version: version.number, inFlight: version.inFlight })),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const edges = [...adjacency].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
    const order = orderModules(adjacency);
    return {
      app: this.info,
      layers: this.options.config.layers.map((layer) => layer.name),
      modules,
      edges,
      cycles: findCycles(adjacency),
      reloadOrder: { unload: order.unload, load: order.load },
      busy: this.busy,
      ...(this.results.length > 0 ? { lastResult: this.results.at(-1)! } : {}),
    };
  }

  /** Receives every RuntimeEvent; returns the unsubscribe function. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Retires every module (dispose callbacks run, owned resources close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of orderModules(liveAdjacency(this.registry)).unload) {
      const record = this.registry.records.get(id);
      if (!record?.current) continue;
      for (const warning of await disposeVersion(record.current, record, this.bus, 1000)) this.logger.warn(warning);
    }
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

  private async drainQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.pending) {
        const job = this.pending;
        this.pending = undefined;
        const result = await this.transact(job);
        this.results.push(result);
        if (this.results.length > (this.options.historySize ?? 50)) this.results.shift();
        this.log(result);
        for (const resolve of job.waiters) resolve(result);
      }
    } finally {
      this.busy = false;
    }
  }

  private async transact(job: PendingReload): Promise<ReloadResult> {
    const id = this.nextId++;
    this.registry.options.resolver.refresh();
    const warnings: string[] = [];
    const changed = new Set<string>();
    for (const file of job.files) {
      const problem = this.reloadable(file);
      if (problem === 'outside') return this.failed(id, say.outsideRoot(file, this.root));
      if (problem === 'unknown') warnings.push(say.notLoaded(file));
      else changed.add(this.registry.idOf(file));
    }
    if (job.scan) for (const module of this.changedModules()) changed.add(module);
    if (changed.size === 0) return emptyResult(id, 'no-change', [], warnings);
    return runTransaction(this.context, id, [...changed].sort(), warnings);
  }

  private reloadable(file: string): 'outside' | 'unknown' | undefined {
    const relative = path.relative(this.root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return 'outside';
    return this.registry.records.get(this.registry.idOf(file))?.current ? undefined : 'unknown';
  }

  /** Which of these files (absolute paths) hold loaded modules whose text differs from their live version. */
  changedFiles(files: Iterable<string>): string[] {
    return [...files].filter((file) => {
      const record = this.registry.records.get(this.registry.idOf(file));
      return record !== undefined && fs.existsSync(file) && this.hasChanged(record);
    });
  }

  /** Ids of the loaded modules whose files changed since their live version was loaded. */
  private changedModules(): string[] {
    return [...this.registry.records.values()].filter((record) => this.hasChanged(record)).map((record) => record.id);
  }

  /** Compares a module's file with what its live version was loaded from: size and time first, then content. */
  private hasChanged(record: ModuleRecord): boolean {
    const stamp = record.stamp;
    if (!stamp) return false;
    const stat = fs.statSync(record.file, { throwIfNoEntry: false });
    if (!stat) return true;
    if (stat.mtimeMs === stamp.mtimeMs && stat.size === stamp.size) return false;
    if (contentHash(fs.readFileSync(record.file, 'utf8')) === stamp.hash) {
      record.stamp = { ...stamp, mtimeMs: stat.mtimeMs };
      return false;
    }
    return true;
  }

  private dryRun(files: string[] | undefined): ReloadResult {
    const changed = files
      ? files.map((file) => this.registry.idOf(path.resolve(this.options.project, file))).filter((id) => this.registry.records.has(id))
      : this.changedModules();
    const plan = planOf(this.registry, changed);
    const result = emptyResult(0, 'planned', changed.sort(), []);
    result.unloadOrder = plan.unload;
    result.loadOrder = plan.load;
    if (plan.declinedBy.length > 0) result.error = { module: plan.declinedBy[0]!, phase: 'plan', message: say.declined(plan.declinedBy) };
    return result;
  }

  private async invalidate(id: string): Promise<void> {
    const callers = reverseAdjacency(liveAdjacency(this.registry)).get(id) ?? [];
    if (callers.length > 0) await this.reload({ files: callers.map((caller) => this.registry.fileOf(caller)) });
  }

  private failed(id: number, message: string): ReloadResult {
    const result = emptyResult(id, 'rolled-back', [], []);
    result.error = { module: null, phase: 'plan', message };
    return result;
  }

  private log(result: ReloadResult): void {
    if (result.outcome === 'no-change') return;
    const modules = result.loadOrder.map((id) => `${id}@${result.versions[id] ?? '?'}`).join(' → ');
    if (result.outcome === 'committed') this.logger.info(`reload #${result.id} committed in ${result.durationMs} ms: ${modules}`);
    else this.logger.error(`reload #${result.id} rolled back (${result.error?.phase}): ${result.error?.message}`);
    for (const warning of result.warnings) this.logger.warn(warning);
    for (const leak of result.leaks) this.logger.warn(`leak: ${leak.module} v${leak.version} left a ${leak.description} alive${leak.line ? ` (created at ${leak.file}:${leak.line}:${leak.column})` : ''}`);
  }
}
