// The reload queue: requests become transactions, one at a time. A request made while one runs waits, and
// every request waiting is merged into the next transaction; each is answered with that transaction's result.
// The next transaction starts once the running one settled (committed and past its settle window, or rolled
// back); the old versions of the one before retire meanwhile. The queue keeps a bounded history of results.
import * as path from 'node:path';
import type { ReloadRequest, ReloadResult, RuntimeEvent } from '../../../src-shared/control-protocol';
import { formatMs, servingMs } from '../../../src-shared/reload-text';
import { messageOf, ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import { outsideVersions } from '../modules/module';
import type { Registry } from '../modules/registry';
import type { AppThreads } from '../containment/threads';
import type { ModuleVersion } from '../modules/module';
import { compilerSettingsOf, forgetPackageJsons } from '../transform';
import { planOf, widenedBy, type Widened } from './plan';
import { emptyResult } from './result';
import type { AppStart } from './start';
import { Transaction, type Coordinator, type TransactionContext } from './transaction';

export interface ReloadQueueOptions {
  /** Absolute: where request paths are relative to. */
  project: string;
  /** Absolute: only modules inside it can be reloaded. */
  root: string;
  registry: Registry;
  start: AppStart;
  transactions: TransactionContext;
  /** Ids of the loaded modules whose files changed since they were loaded. */
  changedModules(): string[];
  /** The app's worker threads: which versions started threads that loaded these files, or files changed since. */
  threads: Pick<AppThreads, 'startersOf' | 'changed' | 'startsSettled'>;
  emit(event: RuntimeEvent): void;
  logger: Logger;
  /** @default 50 */
  historySize?: number;
}

interface PendingReload {
  /** Absolute paths named by requests. */
  files: Set<string>;
  /** Some request asked for everything that changed. */
  scan: boolean;
  waiters: Array<(result: ReloadResult) => void>;
  coordinator?: Coordinator;
}

export class ReloadQueue {
  private pending: PendingReload | undefined;
  private running = false;
  private nextId = 1;
  private readonly results: ReloadResult[] = [];
  /** The transaction under way, until it settled. */
  transaction: Transaction | undefined;

  constructor(private readonly options: ReloadQueueOptions) {}

  get busy(): boolean {
    return this.running;
  }

  get lastResult(): ReloadResult | undefined {
    return this.results.at(-1);
  }

  history(): ReloadResult[] {
    return [...this.results];
  }

  /** Reloads the named files, or what changed since it was loaded. Requests made during a reload are merged into the next. */
  request(params: ReloadRequest.Params = {}, coordinator?: Coordinator): Promise<ReloadResult> {
    if (params.dryRun) return Promise.resolve(this.dryRun(params.files));
    // A coordinated request is its own transaction: its coordinator answers for exactly these files.
    if ((coordinator || this.pending?.coordinator) && this.pending) {
      const waiting = this.pending;
      return new Promise((resolve) => waiting.waiters.push(() => resolve(this.request(params, coordinator))));
    }
    const pending = (this.pending ??= { files: new Set(), scan: false, waiters: [], ...(coordinator ? { coordinator } : {}) });
    if (params.files === undefined) pending.scan = true;
    for (const file of params.files ?? []) pending.files.add(path.resolve(this.options.project, file));
    const result = new Promise<ReloadResult>((resolve) => pending.waiters.push(resolve));
    // A reload waiting behind one that only settles: that one's window ends, so this one starts now.
    this.transaction?.endSettle();
    outsideVersions(() => void this.drain());
    return result;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending) {
        // Threads still starting are waited for: the files they load decide what this reload runs.
        const starts = this.options.threads.startsSettled(this.options.transactions.initTimeoutMs);
        if (starts) await starts;
        const job = this.pending!;
        this.pending = undefined;
        const { settled, result } = this.transact(job);
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
      this.running = false;
    }
  }

  private transact(job: PendingReload): { settled: Promise<unknown>; result: Promise<ReloadResult> } {
    const immediate = (result: Promise<ReloadResult>) => ({ settled: result, result });
    const { registry, start } = this.options;
    const id = this.nextId++;
    const edited = registry.options.resolver.refresh();
    forgetPackageJsons();
    if (!start.started) return immediate(start.restart(id));
    const warnings: string[] = [];
    // Resolution follows an edited tsconfig at once; how code compiles was fixed when the process started.
    if (edited && JSON.stringify(compilerSettingsOf(edited.compilerOptions)) !== JSON.stringify(registry.options.settings))
      warnings.push(say.compilerOptionsChanged());
    const changed = new Set<string>();
    // Where imports lead changed: which module resolves differently is not worked out; every module runs again.
    const resolution: Widened | undefined = edited?.resolution ? { reason: say.resolutionChanged(), modules: [] } : undefined;
    if (resolution) for (const record of registry.records.values()) if (record.current) changed.add(record.id);
    const { threads } = this.options;
    const inThreads = threads.startersOf(job.files);
    for (const file of job.files) {
      const problem = this.reloadable(file);
      if (problem === 'outside') return immediate(Promise.resolve(this.refused(id, say.outsideRoot(file, this.options.root))));
      if (problem !== 'unknown') changed.add(registry.idOf(file));
      else if (!inThreads.has(file)) warnings.push(say.notLoaded(file));
    }
    if (job.scan) {
      for (const module of this.options.changedModules()) changed.add(module);
      for (const [file, versions] of threads.changed()) inThreads.set(file, versions);
    }
    const restarts = this.threadRestarts(inThreads);
    for (const module of restarts?.modules ?? []) changed.add(module);
    if (changed.size === 0) return immediate(Promise.resolve(emptyResult(id, 'no-change', [], warnings)));
    const transaction = new Transaction(
      this.options.transactions,
      id,
      [...changed].sort(),
      warnings,
      job.coordinator,
      widenedBy(restarts, resolution),
    );
    this.transaction = transaction;
    const result = transaction.run();
    const settled = transaction.settled.then(() => {
      if (this.transaction === transaction) this.transaction = undefined;
    });
    return { settled, result };
  }

  /** The modules that run again because a thread they started loads a changed file (as a fresh start would start it). */
  private threadRestarts(inThreads: Map<string, ModuleVersion[]>): Widened | undefined {
    if (inThreads.size === 0) return undefined;
    const { registry } = this.options;
    const named = new Map([...inThreads].map(([file, versions]) => [registry.idOf(file), versions.map((version) => version.id).sort()]));
    return { reason: say.threadFiles(named), modules: [...new Set([...named.values()].flat())].sort() };
  }

  private reloadable(file: string): 'outside' | 'unknown' | undefined {
    const relative = path.relative(this.options.root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return 'outside';
    return this.options.registry.records.ofFile(file)?.current ? undefined : 'unknown';
  }

  /** What a reload of `files` (or of what changed) would run, in order; nothing runs. */
  private dryRun(files: string[] | undefined): ReloadResult {
    const { registry, start, project, threads } = this.options;
    const absolute = files?.map((file) => path.resolve(project, file));
    const changed = absolute
      ? absolute.map((file) => registry.idOf(file)).filter((id) => registry.records.get(id)?.current)
      : this.options.changedModules();
    const restarts = this.threadRestarts(absolute ? threads.startersOf(absolute) : threads.changed());
    for (const module of restarts?.modules ?? []) if (!changed.includes(module)) changed.push(module);
    const result = emptyResult(0, 'planned', changed.sort(), []);
    try {
      const { plan } = planOf(registry, changed, start.entry);
      result.unloadOrder = plan.unload;
      result.loadOrder = plan.load;
      const widened = widenedBy(restarts, plan.widened);
      if (widened) result.widened = widened;
      if (plan.declinedBy.length > 0) result.error = { module: plan.declinedBy[0]!, phase: 'plan', message: say.declined(plan.declinedBy) };
    } catch (error) {
      result.error = { module: error instanceof ReloadStepError ? error.module : null, phase: 'plan', message: messageOf(error) };
    }
    return result;
  }

  private refused(id: number, message: string): ReloadResult {
    const result = emptyResult(id, 'rolled-back', [], []);
    result.error = { module: null, phase: 'plan', message };
    return result;
  }

  private log(result: ReloadResult): void {
    const { logger } = this.options;
    if (result.outcome === 'no-change') return;
    const modules = result.loadOrder.map((id) => `${id}@${result.versions[id] ?? '?'}`).join(' → ');
    if (result.outcome === 'committed') logger.info(`reload #${result.id} committed in ${formatMs(servingMs(result))}: ${modules}`);
    else logger.error(`reload #${result.id} rolled back (${result.error?.phase}): ${result.error?.message}`);
    for (const warning of result.warnings) logger.warn(warning);
    for (const leak of result.leaks)
      logger.warn(
        `leak: ${leak.module} v${leak.version} left a ${leak.description} alive${leak.line ? ` (created at ${leak.file}:${leak.line}:${leak.column})` : ''}`,
      );
  }
}
