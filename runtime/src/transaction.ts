// One reload transaction (DESIGN §3): plan, transform, prepare the new versions while the old ones serve,
// check their links, suspend and drain stateful modules, hand their state over, commit everything at once,
// then drain and retire the old versions. Any failure before the commit drops the candidates and leaves
// the old versions exactly as they were.
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LeakReport, LifecycleEvent, ReloadFailure, ReloadPhase, ReloadResult, RuntimeEvent } from '../../src-shared/control-protocol';
import { reverseAdjacency } from '../../src-shared/module-graph';
import { planReload, type ReloadPlan } from '../../src-shared/reload-order';
import { disposeVersion } from './dispose';
import { messageOf, ReloadStepError, say } from './errors';
import type { LifecycleBus } from './events';
import type { Preparation, Registry, SourceStamp, StampedSource } from './registry';
import { readSource } from './registry';
import { frameIn } from './stack-traces';
import { transform, type TsconfigRaw } from './transform';
import type { ModuleVersion } from './version';

export interface TransactionContext {
  registry: Registry;
  bus: LifecycleBus;
  entry: string;
  drainTimeoutMs: number;
  tsconfigRaw: TsconfigRaw | undefined;
  emit(event: RuntimeEvent): void;
}

/** The graph the live versions trace: module id → ids it imports. */
export function liveAdjacency(registry: Registry): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  for (const [id, record] of registry.records) {
    if (record.current) adjacency.set(id, [...record.current.imports].filter((to) => registry.records.get(to)?.current));
  }
  return adjacency;
}

export function planOf(registry: Registry, changed: string[]): ReloadPlan {
  return planReload(liveAdjacency(registry), changed, (id) => {
    const version = registry.records.get(id)?.current;
    return version && { selfAccepts: version.selfAccepts, acceptsDeps: [...version.acceptedDeps.keys()], declines: version.declines };
  });
}

/** A reload of `changed` (module ids). Never throws: every failure is the result's `error`. */
export async function runTransaction(context: TransactionContext, id: number, changed: string[], warnings: string[]): Promise<ReloadResult> {
  const transaction = new Transaction(context, id, changed, warnings);
  return transaction.run();
}

class Transaction {
  private readonly started = performance.now();
  private readonly result: ReloadResult;
  private preparation: Preparation | undefined;
  private readonly stamps = new Map<string, SourceStamp>();

  constructor(
    private readonly context: TransactionContext,
    id: number,
    changed: string[],
    warnings: string[],
  ) {
    this.result = emptyResult(id, 'committed', changed, warnings);
  }

  private get registry(): Registry {
    return this.context.registry;
  }

  async run(): Promise<ReloadResult> {
    this.context.emit({ type: 'reload-started', id: this.result.id, changed: this.result.changed });
    try {
      const plan = planOf(this.registry, this.result.changed);
      this.result.unloadOrder = plan.unload;
      this.result.loadOrder = plan.load;
      if (plan.declinedBy.length > 0) throw new ReloadStepError(plan.declinedBy[0]!, 'plan', say.declined(plan.declinedBy));
      const transforms = await this.timed('transform', () => this.transformAll(plan));
      this.preparation = { versions: new Map(), added: [], transforms, compileMs: 0, runMs: 0 };
      this.phase('init');
      this.registry.prepare(this.preparation, plan.units);
      this.result.phases.evaluate = round(this.preparation.compileMs);
      this.result.phases.init = round(this.preparation.runMs);
      this.checkLinks(this.preparation);
      this.lifecycle('after-load', [...this.preparation.versions.values()]);
      await this.swap(this.preparation);
    } catch (error) {
      this.rollBack(error);
    }
    this.result.durationMs = round(performance.now() - this.started);
    this.context.emit({ type: 'reload-finished', result: this.result });
    return this.result;
  }

  private async transformAll(plan: ReloadPlan): Promise<Preparation['transforms']> {
    const transforms: Preparation['transforms'] = new Map();
    await Promise.all(
      plan.load.map(async (id) => {
        const record = this.registry.records.get(id)!;
        let source: StampedSource;
        try {
          // Synchronous on purpose: a stat and a read of one source file take microseconds, while each step
          // of the asynchronous pair waits for a turn of an event loop that is busy serving.
          source = readSource(record.file);
        } catch {
          throw new ReloadStepError(id, 'transform', say.deleted(id));
        }
        transforms.set(record.file, await transform(record.file, source.text, id, this.context.tsconfigRaw));
        this.stamps.set(id, source.stamp);
      }),
    );
    return transforms;
  }

  /** Every name an import needs must exist in the version it will reach after the commit. */
  private checkLinks(preparation: Preparation): void {
    const versionAfter = (id: string) => preparation.versions.get(id) ?? this.registry.records.get(id)?.current;
    const check = (importer: ModuleVersion, dependency: string) => {
      const names = importer.importedNames.get(dependency);
      const after = versionAfter(dependency);
      const exports = after?.exports as Record<string, unknown> | undefined;
      if (!names || !after || exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return;
      // An ES module's export list is fixed. A CommonJS module's is not, so only a name its live version had
      // and the new one lacks (a removed export, or a file caught empty mid-save) is a link error.
      const before = this.registry.records.get(dependency)?.current?.exports as Record<string, unknown> | undefined;
      const strict = after.esm || (exports as { __esModule?: boolean }).__esModule === true;
      for (const name of names) {
        const required = strict || (before !== undefined && before !== null && name in Object(before));
        if (required && !(name in exports)) throw new ReloadStepError(importer.id, 'link', say.missingExport(importer.id, name, dependency));
      }
    };
    for (const candidate of preparation.versions.values()) for (const dependency of candidate.imports) check(candidate, dependency);
    const callers = reverseAdjacency(liveAdjacency(this.registry));
    for (const id of preparation.versions.keys()) {
      for (const caller of callers.get(id) ?? []) {
        const version = this.registry.records.get(caller)?.current;
        if (version && !preparation.versions.has(caller)) check(version, id);
      }
    }
  }

  /** Suspends and drains stateful modules, hands their state over, then commits. */
  private async swap(preparation: Preparation): Promise<void> {
    const stateful = [...preparation.versions.keys()]
      .map((id) => this.registry.records.get(id)!)
      .filter((record) => record.current?.stateful);
    this.registry.suspend(stateful);
    try {
      if (stateful.length > 0) {
        const inFlight = stateful.reduce((sum, record) => sum + record.current!.inFlight, 0);
        const drained = await this.timed('drain', () => drainAll(stateful.map((record) => record.current!), this.context.drainTimeoutMs));
        if (!drained) throw new ReloadStepError(stateful[0]!.id, 'drain', say.drainTimeout(stateful.map((record) => record.id), this.context.drainTimeoutMs));
        this.result.drained += inFlight;
        this.timedSync('restore', () => this.handOver(stateful.map((record) => [record.current!, preparation.versions.get(record.id)!])));
      }
      this.timedSync('commit', () => this.commit(preparation));
    } finally {
      this.result.queued += this.registry.resume(stateful);
    }
    this.afterCommit(preparation);
    const retiring = this.result.unloadOrder.map((id) => this.retiring.get(id)).filter((version) => version !== undefined);
    await this.retire(retiring);
  }

  private handOver(pairs: Array<[ModuleVersion, ModuleVersion]>): void {
    for (const [old, candidate] of pairs) {
      if (!old.state) continue;
      let saved: unknown;
      try {
        saved = old.run(() => old.state!.save());
      } catch (error) {
        throw new ReloadStepError(old.id, 'save', say.saveThrew(old.id, messageOf(error)), undefined, error);
      }
      if (!candidate.state) {
        this.result.warnings.push(say.stateDropped(old.id));
        continue;
      }
      try {
        candidate.state.restore(saved, old.state.version);
      } catch (error) {
        throw new ReloadStepError(old.id, 'restore', say.restoreThrew(old.id, messageOf(error)), undefined, error);
      }
    }
  }

  /** The versions the commit replaced or orphaned, by module id. */
  private readonly retiring = new Map<string, ModuleVersion>();

  /** The switch: every candidate goes live in one synchronous step. */
  private commit(preparation: Preparation): void {
    for (const [id, candidate] of preparation.versions) {
      const record = this.registry.records.get(id)!;
      const old = record.current;
      record.current = candidate;
      candidate.status = 'live';
      // Modules first loaded by this reload were stamped when they loaded.
      const stamp = this.stamps.get(id);
      if (stamp) record.stamp = stamp;
      if (old) {
        this.retiring.set(id, old);
        old.status = 'retiring';
        record.retiring.add(old);
        // A resource the new version owns too is handed over, not closed.
        for (const resource of candidate.owned) {
          const index = old.owned.indexOf(resource);
          if (index >= 0) old.owned.splice(index, 1);
          old.handles.release(resource);
        }
      }
      candidate.mailboxHandlers.forEach((handler, index) => record.mailboxes[index]!.bind(candidate, handler));
      record.mailboxes.forEach((mailbox, index) => {
        if (index < candidate.mailboxHandlers.length) return;
        if (old) mailbox.unbind(old);
        this.result.warnings.push(say.mailboxOrphaned(id, index));
      });
      this.result.versions[id] = candidate.number;
    }
    for (const orphan of this.dropOrphans()) {
      this.retiring.set(orphan.id, orphan);
      if (!this.result.unloadOrder.includes(orphan.id)) this.result.unloadOrder.push(orphan.id);
    }
  }

  /** Modules the new code no longer reaches from the entry retire with the rest. */
  private dropOrphans(): ModuleVersion[] {
    const adjacency = liveAdjacency(this.registry);
    const reached = new Set<string>();
    const stack = [this.context.entry];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (reached.has(id)) continue;
      reached.add(id);
      stack.push(...(adjacency.get(id) ?? []));
    }
    const orphans: ModuleVersion[] = [];
    for (const [id, record] of this.registry.records) {
      if (reached.has(id) || !record.current) continue;
      orphans.push(record.current);
      record.current.status = 'retiring';
      this.registry.records.delete(id);
    }
    return orphans;
  }

  private afterCommit(preparation: Preparation): void {
    this.lifecycle('commit', [...preparation.versions.values()]);
    for (const [id, candidate] of preparation.versions) {
      const record = this.registry.records.get(id)!;
      const old = this.retiring.get(id);
      for (const callback of old?.selfAcceptCallbacks ?? []) this.callback('accept callback', id, () => callback(record.facade));
      for (const caller of this.registry.records.values()) {
        for (const callback of caller.current?.acceptedDeps.get(id) ?? []) {
          if (caller.current !== candidate) this.callback('accept callback', caller.id, () => callback(record.facade));
        }
      }
    }
  }

  /** Drains the old versions (up to the timeout), then runs their dispose callbacks and closes what they own. */
  private async retire(versions: ModuleVersion[]): Promise<void> {
    const inFlight = versions.reduce((sum, version) => sum + version.inFlight, 0);
    if (inFlight > 0) await this.timed('drain', () => drainAll(versions, this.context.drainTimeoutMs));
    const forced = versions.reduce((sum, version) => sum + version.inFlight, 0);
    this.result.forced += forced;
    this.result.drained += inFlight - forced;
    await this.timed('dispose', async () => {
      this.lifecycle('before-unload', versions);
      for (const version of versions) await this.dispose(version);
      this.lifecycle('after-unload', versions);
    });
    await nextTurn();
    for (const version of versions) this.result.leaks.push(...leaksOf(version, this.registry));
    for (const leak of this.result.leaks) this.context.emit({ type: 'leak', leak });
  }

  private async dispose(version: ModuleVersion): Promise<void> {
    const record = this.registry.records.get(version.id);
    this.result.warnings.push(...(await disposeVersion(version, record, this.context.bus, this.context.drainTimeoutMs)));
  }

  private rollBack(error: unknown): void {
    const failure = this.failureOf(error);
    this.result.outcome = 'rolled-back';
    this.result.error = failure;
    this.result.versions = {};
    const preparation = this.preparation;
    if (preparation?.versions.size) {
      const candidates = [...preparation.versions.values()];
      for (const record of preparation.added) this.registry.records.delete(record.id);
      // Mailboxes only a candidate created go with it.
      for (const id of preparation.versions.keys()) {
        const record = this.registry.records.get(id);
        if (!record?.current) continue;
        while (record.mailboxes.length > record.current.mailboxHandlers.length && !record.mailboxes.at(-1)!.hasHandler) record.mailboxes.pop();
      }
      // The candidates ran their code: whatever it started is stopped, and what it leaked is reported.
      void Promise.all(candidates.map((candidate) => this.dispose(candidate))).then(() => {
        for (const candidate of candidates) for (const leak of leaksOf(candidate, this.registry)) this.context.emit({ type: 'leak', leak });
      });
    }
    for (const id of this.result.loadOrder) {
      const version = this.registry.records.get(id)?.current;
      if (version) this.result.versions[id] = version.number;
    }
    this.lifecycle('rollback', this.result.loadOrder.map((id) => this.registry.records.get(id)?.current).filter((v): v is ModuleVersion => !!v));
  }

  private failureOf(error: unknown): ReloadFailure {
    if (!(error instanceof ReloadStepError)) {
      return { module: null, phase: 'commit', message: messageOf(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
    }
    // The stack of what the app's code threw; a syntax error's position says more than esbuild's own stack.
    const stack = error.cause instanceof Error && (error.phase === 'init' || error.phase === 'evaluate') ? error.cause.stack : undefined;
    const location = error.location ?? (error.module && stack ? frameIn(stack, this.registry.fileOf(error.module)) : undefined);
    return { module: error.module, phase: error.phase, message: error.message, ...(stack ? { stack } : {}), ...location };
  }

  private lifecycle(event: LifecycleEvent, versions: ModuleVersion[]): void {
    const modules = versions.map((version) => ({ id: version.id, version: version.number }));
    this.context.bus.emit({ event, modules });
    this.context.emit({ type: 'lifecycle', event, modules });
  }

  private callback(what: string, id: string, call: () => unknown): void {
    try {
      const result = call();
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        Promise.resolve(result).catch((error: unknown) => this.result.warnings.push(say.callbackThrew(what, id, messageOf(error))));
      }
    } catch (error) {
      this.result.warnings.push(say.callbackThrew(what, id, messageOf(error)));
    }
  }

  private phase(phase: ReloadPhase): void {
    this.context.emit({ type: 'phase', id: this.result.id, phase });
  }

  private async timed<T>(phase: ReloadPhase, work: () => Promise<T>): Promise<T> {
    this.phase(phase);
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.result.phases[phase] = round((this.result.phases[phase] ?? 0) + performance.now() - started);
    }
  }

  private timedSync<T>(phase: ReloadPhase, work: () => T): T {
    this.phase(phase);
    const started = performance.now();
    try {
      return work();
    } finally {
      this.result.phases[phase] = round((this.result.phases[phase] ?? 0) + performance.now() - started);
    }
  }
}

/** A result before anything ran: the start of every transaction, and the whole answer when none is needed. */
export function emptyResult(id: number, outcome: ReloadResult['outcome'], changed: string[], warnings: string[]): ReloadResult {
  return {
    id, outcome, changed, unloadOrder: [], loadOrder: [], startedAt: new Date().toISOString(), durationMs: 0, phases: {},
    drained: 0, queued: 0, forced: 0, versions: {}, warnings, leaks: [],
  };
}

/** Resolves true once every version is idle, false when the timeout comes first. */
async function drainAll(versions: ModuleVersion[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(versions.map((version) => version.whenIdle())).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Handles a retired version created that are still alive, unless a live version owns them now. */
export function leaksOf(version: ModuleVersion, registry: Registry): LeakReport[] {
  const ownedByLive = new Set<object>();
  for (const record of registry.records.values()) for (const resource of record.current?.owned ?? []) ownedByLive.add(resource);
  const leaks = version.handles
    .alive()
    .filter((handle) => !ownedByLive.has(handle.target))
    .map((handle): LeakReport => {
      const stack = handle.origin.stack?.split('\n').slice(1).join('\n') ?? '';
      const position = frameIn(stack, version.file);
      return { module: version.id, version: version.number, kind: handle.kind, description: handle.describe(), stack, ...position };
    });
  version.handles.clear();
  return leaks;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
