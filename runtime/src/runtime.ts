// A running app: its registry, the queue of reload requests (one transaction at a time, waiting requests
// merged into the next), the faults its code made, the bounded history of results, and the event stream
// clients subscribe to.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReloadableConfig } from '../../src-shared/config';
import type {
  AppInfo,
  FaultReport,
  ReloadFailure,
  ReloadRequest,
  ReloadResult,
  RuntimeEvent,
  StatusRequest,
} from '../../src-shared/control-protocol';
import { LayerMap } from '../../src-shared/layers';
import { formatMs, servingMs } from '../../src-shared/reload-text';
import { findCycles } from '../../src-shared/strongly-connected';
import { appContext } from './context';
import { ExitDuringReload, installFaultHandling, type Fault } from './containment/faults';
import type { Address } from './containment/listen-slots';
import { setTypescriptExecArgv } from './containment/children';
import { installContainment } from './containment/install';
import { Resources } from './containment/resources';
import { disposeVersion } from './dispose';
import { messageOf, ReloadStepError, say } from './errors';
import { LifecycleBus } from './events';
import { createHot, type HotHost } from './hot-api';
import { runtimeOutput } from './location';
import { Mailbox } from './mailbox';
import { moduleApi, requireFor } from './modules/module-api';
import { importPackage, installNodeHooks } from './modules/node-hooks';
import type { ModuleRecord } from './modules/record';
import { LoadSession, Registry } from './modules/registry';
import { Resolver } from './modules/resolver';
import type { ModuleVersion } from './modules/version';
import { evaluationOrder, liveAdjacency } from './plan';
import { frameIn, installStackMapping } from './stack-traces';
import { contentHash, compilerSettingsOf, forgetPackageTypes, formatOf, isModuleFile, transformModule, typescriptExtensions } from './transform';
import { emptyResult, leaksOf, planOf, roundMs, startTransaction, type Transaction } from './transaction';
import { pathToFileURL } from 'node:url';

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
  /** How long a module's code may run when it loads (its top-level awaits included). @default 5000 */
  initTimeoutMs?: number;
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
}

interface PendingReload {
  /** Absolute paths named by requests. */
  files: Set<string>;
  /** Some request asked for everything that changed. */
  scan: boolean;
  waiters: Array<(result: ReloadResult) => void>;
}

interface DeferredCall {
  version: ModuleVersion;
  key: string;
  self: unknown;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };
const faultsKept = 20;

export class Runtime implements HotHost {
  readonly info: AppInfo;
  readonly registry: Registry;
  private readonly bus: LifecycleBus;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly results: ReloadResult[] = [];
  private readonly faults: FaultReport[] = [];
  private readonly layers: LayerMap;
  private readonly root: string;
  private readonly logger: Logger;
  private readonly deferred: DeferredCall[] = [];
  private pending: PendingReload | undefined;
  private busy = false;
  private nextId = 1;
  private closed = false;
  private transaction: Transaction | undefined;
  private startError: ReloadFailure | undefined;
  private readonly slots;
  private readonly drainTimeoutMs: number;
  private readonly initTimeoutMs: number;
  private readonly settleMs: number;

  private constructor(private readonly options: RuntimeOptions) {
    this.logger = options.logger ?? silent;
    this.root = path.resolve(options.project, options.config.root);
    this.layers = new LayerMap(options.config.layers);
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5000;
    this.initTimeoutMs = options.initTimeoutMs ?? 5000;
    this.settleMs = options.settleMs ?? 200;
    this.bus = new LifecycleBus((version, event, error) => {
      const message = messageOf(error);
      const stack = error instanceof Error ? error.stack : undefined;
      this.logger.warn(say.callbackThrew(`a '${event}' listener`, version.id, message));
      this.emit({ type: 'listener-error', module: version.id, version: version.number, event, message, ...(stack ? { stack } : {}) });
    });
    const resolver = new Resolver(options.project);
    this.registry = new Registry({
      project: options.project,
      root: this.root,
      resolver,
      settings: compilerSettingsOf(resolver.compilerOptions),
      initTimeoutMs: this.initTimeoutMs,
      host: {
        prepareVersion: (version) => this.prepareVersion(version),
        importPackage,
        deferCall: (version, key, self, args) => this.deferCall(version, key, self, args),
      },
    });
    this.info = {
      pid: process.pid,
      project: options.project,
      entry: this.registry.idOf(options.entry),
      startedAt: new Date().toISOString(),
      runtime: options.version ?? '0.0.0',
    };
    this.slots = installContainment({
      claim: (claimer, holder) => this.claim(claimer, holder),
      bindFailed: (version, error, address, holder) => this.bindFailed(version, error, address, holder),
      requestStarted: (version, response) => {
        version.counter.enter();
        if (response) response.once('close', () => version.counter.x());
        else version.counter.x();
      },
    });
    installFaultHandling(
      {
        versionOf: (file, number) => this.versionOf(file, number),
        fault: (fault) => this.fault(fault),
        fatal: (fault) => {
          const who = fault.version ? `${fault.version.id} v${fault.version.number}` : 'the app';
          this.exitReason = `${who} threw outside any caller: ${messageOf(fault.error)}`;
        },
        exitRequested: (code, version, stack) => this.exitRequested(code, version, stack),
      },
      options.exitOnError === true,
    );
    installStackMapping();
    installNodeHooks(this.registry);
    announceTypeScript();
    const register = pathToFileURL(runtimeOutput('register.mjs')).href;
    setTypescriptExecArgv((file) => {
      const name = file instanceof URL ? file.pathname : typeof file === 'string' ? file : '';
      return typescriptExtensions.includes(path.extname(name)) ? ['--import', register] : undefined;
    });
  }

  /**
   * Loads the app: the entry and everything it imports. Throws (a ReloadStepError) when it cannot, unless
   * `waitForFix`: the runtime then waits, and the next reload tries again.
   */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    if (!fs.existsSync(options.entry)) throw new Error(say.entryMissing(options.entry));
    const runtime = new Runtime(options);
    const error = await runtime.load();
    if (error && !options.waitForFix) throw error;
    return runtime;
  }

  /** Loads the entry's graph; returns what stopped it. */
  private async load(): Promise<unknown> {
    const entry = this.registry.recordFor(this.options.entry);
    const session = new LoadSession(new Set(), true);
    this.startSession = session;
    process.argv[1] = this.options.entry;
    try {
      await appContext.exit(() => this.registry.load(session, [entry], (loaded) => evaluationOrder(this.registry, loaded.versions, entry)));
      this.startError = undefined;
      return undefined;
    } catch (error) {
      this.registry.drop(session);
      for (const version of session.versions.values()) void this.disposeQuietly(version);
      this.startError = {
        module: error instanceof ReloadStepError ? error.module : null,
        phase: error instanceof ReloadStepError ? error.phase : 'init',
        message: messageOf(error),
      };
      this.logger.error(
        say.cannotStart(messageOf(error), error instanceof ReloadStepError && error.cause instanceof Error ? error.cause.stack : undefined),
      );
      return error;
    } finally {
      session.active = false;
      for (const version of session.versions.values()) version.session = undefined;
      this.startSession = undefined;
    }
  }

  private startSession: LoadSession | undefined;

  get started(): boolean {
    return this.startError === undefined;
  }

  /** How many modules the app has loaded. */
  get moduleCount(): number {
    return this.registry.records.size;
  }

  get entryRecord(): ModuleRecord | undefined {
    return this.registry.records.get(this.info.entry);
  }

  // Versions ---------------------------------------------------------------------------------------------

  private prepareVersion(version: ModuleVersion): void {
    version.resources = new Resources();
    const hot = createHot(version, this);
    version.api = moduleApi(this.registry, version, hot);
    version.require = requireFor(this.registry, version, () => this.entryRecord?.current?.module);
  }

  private versionOf(file: string, number: number): ModuleVersion | undefined {
    const record = this.registry.records.get(this.registry.idOf(file));
    if (!record) return undefined;
    if (record.current?.number === number) return record.current;
    for (const version of record.retiring) if (version.number === number) return version;
    const candidate = this.transaction?.session?.versions.get(record.id);
    return candidate?.number === number ? candidate : undefined;
  }

  private deferCall(version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => this.deferred.push({ version, key, self, args: Array.from(args), resolve, reject }));
  }

  /** Runs the calls that waited for a swap, in arrival order, on whatever version is live now. */
  private resumeDeferred(): number {
    const calls = this.deferred.splice(0);
    for (const call of calls) {
      const live = call.version.record.current ?? call.version;
      const [name, method] = call.key.split('.') as [string, string | undefined];
      const oldTarget = call.version.module.exports[name];
      const target = live.module.exports[name];
      const fn = method ? target?.[method] : target;
      const self = method && call.self === oldTarget ? target : call.self;
      try {
        call.resolve(Reflect.apply(fn, self, call.args));
      } catch (error) {
        call.reject(error);
      }
    }
    return calls.length;
  }

  /** A handle a retiring version started that something live still needs: owned by a live version, or kept in `hot.data`. */
  private keep(target: object): boolean {
    for (const record of this.registry.records.values()) {
      if (record.current?.owned.includes(target)) return true;
      if (Object.values(record.data).includes(target)) return true;
    }
    return false;
  }

  // HotHost --------------------------------------------------------------------------------------------------

  dataOf(id: string): Record<string, unknown> {
    return this.registry.records.get(id)?.data ?? {};
  }

  idOfSpecifier(specifier: string, file: string): string | undefined {
    const resolved = this.registry.resolve(specifier, file, 'import');
    return resolved.kind === 'app' ? this.registry.idOf(resolved.file) : undefined;
  }

  mailbox(version: ModuleVersion, index: number): Mailbox {
    const record = version.record;
    let mailbox = record.mailboxes[index];
    if (!mailbox) {
      mailbox = new Mailbox(version.id, index, (owner, error) =>
        this.logger.warn(say.handlerError(owner.id, error instanceof Error ? (error.stack ?? error.message) : String(error))),
      );
      record.mailboxes[index] = mailbox;
    }
    // A first version's handler takes messages at once; a candidate's only when its reload commits.
    if (version.status === 'live') mailbox.bind(version, version.mailboxHandlers[index]!);
    return mailbox;
  }

  on(version: ModuleVersion, event: Parameters<HotHost['on']>[1], callback: (payload: unknown) => unknown): void {
    this.bus.add(version, event, callback);
  }

  invalidate(id: string): void {
    const importers = [...this.registry.records.values()].filter((record) => record.current?.edges.has(id)).map((record) => record.file);
    if (importers.length > 0) void this.reload({ files: importers });
  }

  // Faults ---------------------------------------------------------------------------------------------------

  private fault(fault: Fault): void {
    const version = fault.version;
    const transaction = this.transaction;
    const what =
      fault.kind === 'unhandled-rejection'
        ? 'rejected a promise nobody handled'
        : fault.kind === 'listen'
          ? 'could not listen'
          : 'threw outside any caller';
    const message =
      fault.kind === 'listen'
        ? messageOf(fault.error)
        : `${version ? `${version.id} v${version.number}` : 'the app'} ${what}: ${messageOf(fault.error)}`;
    const rolledBack =
      transaction !== undefined &&
      transaction.owns(version) &&
      transaction.fail(new ReloadStepError(version!.id, fault.kind === 'listen' ? 'listen' : phaseOf(transaction), message, undefined, fault.error));
    const stack = fault.error instanceof Error ? fault.error.stack : undefined;
    const position = version && stack ? frameIn(stack, version.file) : undefined;
    const report: FaultReport = {
      kind: fault.kind,
      module: version?.id ?? null,
      version: version?.number ?? null,
      message,
      ...(stack ? { stack } : {}),
      ...position,
      outcome: rolledBack ? 'rolled-back' : 'reported',
      at: new Date().toISOString(),
    };
    this.faults.push(report);
    if (this.faults.length > faultsKept) this.faults.shift();
    if (!rolledBack) this.logger.error(`${message}${stack ? `\n${stack}` : ''}\n(the app keeps running)`);
    this.emit({ type: 'fault', fault: report });
  }

  private bindFailed(version: ModuleVersion | undefined, error: Error, address: Address, holder: string): void {
    const message = say.cannotListen(version ? `${version.id} v${version.number}` : 'the app', address.description, holder, messageOf(error));
    this.fault({
      kind: 'listen',
      error: Object.assign(new Error(message), { stack: `${message}\n${error.stack?.split('\n').slice(1).join('\n') ?? ''}` }),
      version,
    });
  }

  private claim(claimer: ModuleVersion | undefined, holder: ModuleVersion | undefined): 'at-commit' | 'now' | 'conflict' | 'ignore' {
    // Code of a version that was dropped or retired, still running on (a bootstrap that awaited): it gets nothing.
    if (claimer && (claimer.status === 'dropped' || claimer.status === 'retired')) return 'ignore';
    if (holder && holder.status === 'retiring' && claimer?.status === 'live') return 'now';
    const transaction = this.transaction;
    if (transaction?.open && transaction.owns(claimer) && transaction.replaces(holder)) return 'at-commit';
    return 'conflict';
  }

  /** `process.exit()`: during a reload it fails the reload (true: stop it); otherwise it is said and allowed. */
  private exitRequested(code: number | undefined, version: ModuleVersion | undefined, stack: string): boolean {
    const who = version ? `${version.id} v${version.number}` : 'the app';
    const position = version ? frameIn(stack, version.file) : undefined;
    const where = position ? ` at ${this.registry.idOf(position.file)}:${position.line}:${position.column}` : '';
    const transaction = this.transaction;
    if (transaction && !transaction.done) {
      const message = say.exited(who, code, where);
      transaction.fail(new ReloadStepError(version?.id ?? null, phaseOf(transaction), `${message}: ${new ExitDuringReload(code).message}`));
      return true;
    }
    const last = this.faults.at(-1);
    this.logger.error(`${say.exited(who, code, where)}; the process exits${last ? ` (last fault: ${last.message})` : ''}`);
    this.exitReason = `${say.exited(who, code, where)}${last ? `; last fault: ${last.message}` : ''}`;
    return false;
  }

  /** Why the process is exiting, when the runtime knows (for the discovery file). */
  exitReason: string | undefined;

  // Reloads ----------------------------------------------------------------------------------------------

  /** Reloads the named files, or what changed since it was loaded. Requests made during a reload are merged into the next. */
  reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    if (params.dryRun) return Promise.resolve(this.dryRun(params.files));
    const pending = (this.pending ??= { files: new Set(), scan: false, waiters: [] });
    if (params.files === undefined) pending.scan = true;
    for (const file of params.files ?? []) pending.files.add(path.resolve(this.options.project, file));
    const result = new Promise<ReloadResult>((resolve) => pending.waiters.push(resolve));
    // A reload waiting behind one that only settles: that one's window ends, so this one starts now.
    this.transaction?.endSettle();
    appContext.exit(() => void this.drainQueue());
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
    return {
      app: this.info,
      layers: this.options.config.layers.map((layer) => layer.name),
      modules,
      edges,
      cycles: findCycles(adjacency),
      busy: this.busy,
      ...(this.results.length > 0 ? { lastResult: this.results.at(-1)! } : {}),
      faults: [...this.faults],
      state: this.started ? 'running' : 'not-started',
      ...(this.startError ? { startError: this.startError } : {}),
    };
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
    for (const version of this.liveOrder().reverse()) {
      for (const warning of await disposeVersion(version, version.record, { bus: this.bus, waitMs: 1000, keep: () => false }))
        this.logger.warn(warning);
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
        const { settled, result } = await this.transact(job);
        // The next reload starts once this one settled; this one's old versions retire meanwhile.
        void result.then((done) => {
          this.results.push(done);
          if (this.results.length > (this.options.historySize ?? 50)) this.results.shift();
          this.log(done);
          for (const resolve of job.waiters) resolve(done);
        });
        await settled;
      }
    } finally {
      this.busy = false;
    }
  }

  private async transact(job: PendingReload): Promise<{ settled: Promise<unknown>; result: Promise<ReloadResult> }> {
    const immediate = (result: Promise<ReloadResult>) => ({ settled: result, result });
    const id = this.nextId++;
    this.registry.options.resolver.refresh();
    forgetPackageTypes();
    if (!this.started) return immediate(this.restart(id));
    const warnings: string[] = [];
    const changed = new Set<string>();
    for (const file of job.files) {
      const problem = this.reloadable(file);
      if (problem === 'outside') return immediate(Promise.resolve(this.failed(id, say.outsideRoot(file, this.root))));
      if (problem === 'unknown') warnings.push(say.notLoaded(file));
      else changed.add(this.registry.idOf(file));
    }
    if (job.scan) for (const module of this.changedModules()) changed.add(module);
    if (changed.size === 0) return immediate(Promise.resolve(emptyResult(id, 'no-change', [], warnings)));
    const { transaction, result } = startTransaction(this.transactionContext(), id, [...changed].sort(), warnings);
    this.transaction = transaction;
    const settled = transaction.settled.then(() => {
      if (this.transaction === transaction) this.transaction = undefined;
    });
    return { settled, result };
  }

  /** The live versions in the order they evaluate (Node's, from the entry). */
  private liveOrder(): ModuleVersion[] {
    const live = new Map([...this.registry.records].filter(([, record]) => record.current).map(([id, record]) => [id, record.current!]));
    return evaluationOrder(this.registry, live, this.entryRecord);
  }

  /** The app failed to start: a reload is a new start. */
  private async restart(id: number): Promise<ReloadResult> {
    const started = performance.now();
    for (const record of [...this.registry.records.values()]) if (!record.current) this.registry.records.delete(record.id);
    const error = await this.load();
    const result = emptyResult(id, error ? 'rolled-back' : 'committed', [this.info.entry], []);
    if (error) result.error = this.startError!;
    result.loadOrder = error ? [] : this.liveOrder().map((version) => version.id);
    for (const versionId of result.loadOrder) result.versions[versionId] = this.registry.records.get(versionId)!.current!.number;
    result.durationMs = roundMs(performance.now() - started);
    if (!error) result.servingAfterMs = result.durationMs;
    return result;
  }

  private transactionContext() {
    return {
      registry: this.registry,
      bus: this.bus,
      slots: this.slots,
      entry: () => this.entryRecord,
      drainTimeoutMs: this.drainTimeoutMs,
      initTimeoutMs: this.initTimeoutMs,
      settleMs: this.settleMs,
      emit: (event: RuntimeEvent) => this.emit(event),
      resumeDeferred: () => this.resumeDeferred(),
      keep: (target: object) => this.keep(target),
    };
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
      return record !== undefined && this.hasChanged(record);
    });
  }

  /** Whether the app runs a module of this file (or waits to start, when any module file may fix it). */
  watches(file: string): boolean {
    if (!this.started) return isModuleFile(file) || path.extname(file) === '.json';
    return this.registry.records.has(this.registry.idOf(file));
  }

  /**
   * A look at a file as the watcher sees it: whether it could be loaded as it is (a file caught empty or cut
   * mid-save does not parse), its content hash, and when it was written. The transform is kept for the reload.
   */
  lookAt(file: string): { state: 'ok' | 'empty' | 'syntax-error' | 'missing'; hash?: string; mtimeMs: number } {
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
      const id = this.registry.idOf(file);
      transformModule({ file, id, source: text, format: formatOf(file), settings: this.registry.options.settings }, hash);
      return { state: 'ok', hash, mtimeMs: stat.mtimeMs };
    } catch {
      return { state: 'syntax-error', hash, mtimeMs: stat.mtimeMs };
    }
  }

  /** Ids of the loaded modules whose files changed since their live version was loaded. */
  private changedModules(): string[] {
    return [...this.registry.records.values()].filter((record) => this.hasChanged(record)).map((record) => record.id);
  }

  /** Compares a module's file with what its live version was loaded from: size and time first, then content. */
  private hasChanged(record: ModuleRecord): boolean {
    const stamp = record.stamp;
    if (!stamp || !record.current) return false;
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
      ? files.map((file) => this.registry.idOf(path.resolve(this.options.project, file))).filter((id) => this.registry.records.get(id)?.current)
      : this.changedModules();
    const result = emptyResult(0, 'planned', changed.sort(), []);
    try {
      const { plan } = planOf(this.registry, changed, this.entryRecord);
      result.unloadOrder = plan.unload;
      result.loadOrder = plan.load;
      if (plan.declinedBy.length > 0) result.error = { module: plan.declinedBy[0]!, phase: 'plan', message: say.declined(plan.declinedBy) };
    } catch (error) {
      result.error = { module: error instanceof ReloadStepError ? error.module : null, phase: 'plan', message: messageOf(error) };
    }
    return result;
  }

  private failed(id: number, message: string): ReloadResult {
    const result = emptyResult(id, 'rolled-back', [], []);
    result.error = { module: null, phase: 'plan', message };
    return result;
  }

  private async disposeQuietly(version: ModuleVersion): Promise<void> {
    await disposeVersion(version, undefined, { bus: this.bus, waitMs: 1000, keep: () => false });
    for (const leak of leaksOf(version)) this.emit({ type: 'leak', leak });
  }

  private log(result: ReloadResult): void {
    if (result.outcome === 'no-change') return;
    const modules = result.loadOrder.map((id) => `${id}@${result.versions[id] ?? '?'}`).join(' → ');
    if (result.outcome === 'committed') this.logger.info(`reload #${result.id} committed in ${formatMs(servingMs(result))}: ${modules}`);
    else this.logger.error(`reload #${result.id} rolled back (${result.error?.phase}): ${result.error?.message}`);
    for (const warning of result.warnings) this.logger.warn(warning);
    for (const leak of result.leaks)
      this.logger.warn(
        `leak: ${leak.module} v${leak.version} left a ${leak.description} alive${leak.line ? ` (created at ${leak.file}:${leak.line}:${leak.column})` : ''}`,
      );
  }
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

/** The phase a fault interrupts: before the commit its version was loading (`init`), after it, settling. */
function phaseOf(transaction: Transaction): 'init' | 'settle' {
  return transaction.result.phases.commit !== undefined ? 'settle' : 'init';
}
