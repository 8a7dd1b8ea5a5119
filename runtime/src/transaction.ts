// One reload transaction (docs/runtime.md): plan, transform, prepare the new versions while the old ones
// serve (evaluate them, top-level awaits included, in Node's order), check their links, wait for them to be
// ready (a server listening where the old one did), suspend and drain stateful modules, hand their state
// over, commit everything at once, watch the new versions for a short settle window, then drain and retire
// the old ones. Any failure before the end of the settle window (a throw, a rejection, a failed listen, an
// exit) puts the old versions back, untouched, and drops the new ones with everything they started.
import * as fs from 'node:fs';
import type { LeakReport, LifecycleEvent, ReloadFailure, ReloadPhase, ReloadResult, RuntimeEvent } from '../../src-shared/control-protocol';
import { reachableFrom } from '../../src-shared/module-graph';
import type { ListenSlots } from './containment/listen-slots';
import { original } from './originals';
import { within } from './wait';
import { disposeVersion } from './dispose';
import { messageOf, ReloadStepError, say } from './errors';
import type { LifecycleBus } from './events';
import { affectedBy, evaluationOrder } from './plan';
import type { ModuleRecord, SourceStamp } from './modules/record';
import { LoadSession, readSource, type Registry } from './modules/registry';
import type { ModuleVersion } from './modules/version';
import { frameIn } from './stack-traces';
import { transformModule } from './transform';

export interface TransactionContext {
  registry: Registry;
  bus: LifecycleBus;
  slots: ListenSlots;
  entry(): ModuleRecord | undefined;
  drainTimeoutMs: number;
  initTimeoutMs: number;
  settleMs: number;
  emit(event: RuntimeEvent): void;
  /** Calls to stateful modules that waited during a swap: run them on whatever is live now. */
  resumeDeferred(): number;
  /** Whether something live needs a handle a retiring version started. */
  keep(target: object): boolean;
}

export interface Plan {
  affected: string[];
  declinedBy: string[];
  unload: string[];
  load: string[];
  /** Changed files that no longer exist. */
  deleted: string[];
}

/** Plans a reload of `changed` (module ids): which modules run again, in what order. Transforms, runs nothing. */
export function planOf(registry: Registry, changed: string[], entry: ModuleRecord | undefined): { plan: Plan; session: LoadSession } {
  const deleted = changed.filter((id) => !fileExists(registry, id));
  const { ids, declinedBy } = affectedBy(registry, changed);
  const runs = ids.filter((id) => !deleted.includes(id));
  const session = new LoadSession(new Set(runs), false);
  for (const id of runs) {
    const record = registry.records.get(id)!;
    let source;
    try {
      source = readSource(record.file);
    } catch {
      throw new ReloadStepError(id, 'transform', say.cannotRead(id));
    }
    session.sources.set(id, source);
  }
  const load = orderWithoutLoading(registry, session, entry);
  return { plan: { affected: ids, declinedBy, unload: [...load].reverse(), load, deleted }, session };
}

/** The evaluation order of a plan, from the live graph (new imports are known only once transformed). */
function orderWithoutLoading(registry: Registry, session: LoadSession, entry: ModuleRecord | undefined): string[] {
  const live = new Map<string, ModuleVersion>();
  for (const id of session.plan) {
    const version = registry.records.get(id)?.current;
    if (version) live.set(id, version);
  }
  return evaluationOrder(registry, live, entry).map((version) => version.id);
}

function fileExists(registry: Registry, id: string): boolean {
  const record = registry.records.get(id);
  return record !== undefined && fs.existsSync(record.file);
}

/** A reload of `changed` (module ids). Never throws: every failure is the result's `error`. */
export function startTransaction(
  context: TransactionContext,
  id: number,
  changed: string[],
  warnings: string[],
): { transaction: Transaction; result: Promise<ReloadResult> } {
  const transaction = new Transaction(context, id, changed, warnings);
  return { transaction, result: transaction.run() };
}

export class Transaction {
  private readonly started = performance.now();
  readonly result: ReloadResult;
  session: LoadSession | undefined;
  private failure: ReloadStepError | undefined;
  private wake: (() => void) | undefined;
  private committed = false;
  private undoCommit: (() => void) | undefined;
  /** The versions the commit replaced (by module id), and those it left behind (orphans). */
  private readonly replaced = new Map<string, ModuleVersion>();
  private readonly orphans: ModuleVersion[] = [];
  private readonly stamps = new Map<string, SourceStamp | undefined>();
  /** The transaction is over: faults now are reported, not rolled back. */
  done = false;
  /** Resolves once the reload committed and settled, or rolled back: the next one may start (retiring goes on). */
  readonly settled: Promise<void>;
  private markSettled!: () => void;
  private endSettleWindow: (() => void) | undefined;

  constructor(
    private readonly context: TransactionContext,
    id: number,
    changed: string[],
    warnings: string[],
  ) {
    this.result = emptyResult(id, 'committed', changed, warnings);
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  /** A newer change is waiting: the settle window ends now (the newer reload replaces this code anyway). */
  endSettle(): void {
    this.endSettleWindow?.();
  }

  private get registry(): Registry {
    return this.context.registry;
  }

  /** Whether `version` is one this transaction made (a candidate, or committed and still settling). */
  owns(version: ModuleVersion | undefined): boolean {
    return version !== undefined && this.session?.versions.get(version.id) === version;
  }

  /** Whether the transaction can still commit (or stay committed): not failed, not over. */
  get open(): boolean {
    return !this.done && this.failure === undefined;
  }

  /** Whether `version` is one this transaction replaces (its old versions: their servers may be taken over). */
  replaces(version: ModuleVersion | undefined): boolean {
    return version !== undefined && this.session !== undefined && this.session.plan.has(version.id) && version.record.current === version;
  }

  /** A fault of one of this transaction's versions: before the settle window ends, the reload rolls back. */
  fail(error: ReloadStepError): boolean {
    if (this.done) return false;
    this.failure ??= error;
    this.wake?.();
    return true;
  }

  async run(): Promise<ReloadResult> {
    this.context.emit({ type: 'reload-started', id: this.result.id, changed: this.result.changed });
    try {
      await this.prepare();
      await this.swap();
      await this.settle();
    } catch (error) {
      this.rollBack(error);
    }
    this.done = true;
    this.markSettled();
    if (this.result.outcome === 'committed') await this.retire();
    this.result.durationMs = roundMs(performance.now() - this.started);
    this.context.emit({ type: 'reload-finished', result: this.result });
    return this.result;
  }

  private async prepare(): Promise<void> {
    const { plan, session } = this.timedSync('plan', () => planOf(this.registry, this.result.changed, this.context.entry()));
    this.session = session;
    if (plan.declinedBy.length > 0) throw new ReloadStepError(plan.declinedBy[0]!, 'plan', say.declined(plan.declinedBy));
    this.timedSync('transform', () => {
      for (const [id, source] of session.sources) {
        const record = this.registry.records.get(id)!;
        session.transforms.set(
          id,
          transformModule(
            { file: record.file, id, source: source.text, format: record.format, settings: this.registry.options.settings },
            source.stamp.hash,
          ),
        );
        this.stamps.set(id, source.stamp);
      }
    });
    const roots = [...session.plan].map((id) => this.registry.records.get(id)!);
    this.phase('init');
    const started = performance.now();
    await this.guard(this.registry.load(session, roots, (loading) => evaluationOrder(this.registry, loading.versions, this.context.entry())));
    this.result.phases.init = roundMs(performance.now() - started);
    const order = evaluationOrder(this.registry, session.versions, this.context.entry()).map((version) => version.id);
    this.result.loadOrder = order;
    this.result.unloadOrder = [...order].reverse();
    this.throwIfFailed();
    this.timedSync('link', () => this.checkLiveImporters(plan.deleted));
    await this.timed('listen', () => this.ready());
    this.throwIfFailed();
    this.lifecycle('after-load', [...session.versions.values()]);
  }

  /** Unchanged importers of what runs again must still find every name they import; none may import a deleted module. */
  private checkLiveImporters(deleted: string[]): void {
    const session = this.session!;
    for (const record of this.registry.records.values()) {
      const importer = record.current;
      if (!importer || session.versions.has(record.id)) continue;
      for (const [id, version] of session.versions) {
        if (!importer.edges.has(id) || !record.current) continue;
        this.registry.checkNames(importer, this.registry.namesImportedFrom(importer, id), version);
      }
      for (const id of deleted)
        if (importer.edges.has(id) && importer.edges.get(id) !== 'dynamic') throw new ReloadStepError(id, 'link', say.deleted(id, importer.id));
    }
    for (const version of session.versions.values()) {
      for (const id of deleted) if (version.edges.has(id)) throw new ReloadStepError(id, 'link', say.deleted(id, version.id));
    }
  }

  /**
   * Ready: every address a replaced version listens on is claimed by a new version, or the new versions have
   * stopped doing anything without claiming it (it moved), or the init timeout passed.
   */
  private async ready(): Promise<void> {
    const session = this.session!;
    const replaced = new Set([...session.plan].map((id) => this.registry.records.get(id)?.current).filter((version) => version !== undefined));
    const expected = this.context.slots.heldBy(replaced);
    if (expected.length === 0) return;
    const versions = new Set(session.versions.values());
    const deadline = performance.now() + this.context.initTimeoutMs;
    let quietSince = performance.now();
    let lastActivity = activityOf(versions);
    while (!expected.every((address) => this.context.slots.claimed(address, versions))) {
      this.throwIfFailed();
      const now = performance.now();
      const activity = activityOf(versions);
      if (activity !== lastActivity) {
        lastActivity = activity;
        quietSince = now;
      }
      if (now > deadline || now - quietSince > quietMs) {
        const missing = expected.filter((address) => !this.context.slots.claimed(address, versions));
        this.result.warnings.push(say.stoppedListening(missing.map((address) => address.description)));
        return;
      }
      await this.guard(delay(pollMs));
    }
  }

  /** Suspends and drains stateful modules, hands their state over, then commits. */
  private async swap(): Promise<void> {
    const session = this.session!;
    const stateful = [...session.versions.values()]
      .map((version) => version.record.current)
      .filter((old): old is ModuleVersion => !!old?.stateful && !!old.record.current);
    for (const old of stateful) {
      old.counter.g = true;
      for (const mailbox of old.record.mailboxes) mailbox.pause();
    }
    try {
      if (stateful.length > 0) {
        const inFlight = stateful.reduce((sum, version) => sum + version.inFlight, 0);
        const drained = await this.timed('drain', () => this.guard(drainAll(stateful, this.context.drainTimeoutMs)));
        if (!drained)
          throw new ReloadStepError(
            stateful[0]!.id,
            'drain',
            say.drainTimeout(
              stateful.map((version) => version.id),
              this.context.drainTimeoutMs,
            ),
          );
        this.result.drained += inFlight;
        this.timedSync('restore', () => this.handOver(stateful.map((old) => [old, session.versions.get(old.id)!])));
      }
      this.throwIfFailed();
      this.timedSync('commit', () => this.commit());
      this.result.servingAfterMs = roundMs(performance.now() - this.started);
    } finally {
      let queued = 0;
      for (const old of stateful) {
        old.counter.g = false;
        for (const mailbox of old.record.mailboxes) {
          queued += mailbox.postedWhilePaused;
          mailbox.resume();
        }
      }
      this.result.queued += queued + this.context.resumeDeferred();
    }
    this.afterCommit();
  }

  private handOver(pairs: Array<[ModuleVersion, ModuleVersion]>): void {
    for (const [old, candidate] of pairs) {
      if (!old.stateHandler) continue;
      let saved: unknown;
      try {
        saved = old.call(() => old.stateHandler!.save());
      } catch (error) {
        throw new ReloadStepError(old.id, 'save', say.saveThrew(old.id, messageOf(error)), undefined, error);
      }
      if (!candidate.stateHandler) {
        this.result.warnings.push(say.stateDropped(old.id));
        continue;
      }
      try {
        candidate.call(() => candidate.stateHandler!.restore(saved, old.stateHandler!.version));
      } catch (error) {
        throw new ReloadStepError(old.id, 'restore', say.restoreThrew(old.id, messageOf(error)), undefined, error);
      }
    }
  }

  /** The switch: every new version goes live in one synchronous step. */
  private commit(): void {
    const session = this.session!;
    for (const [id, candidate] of session.versions) {
      const record = this.registry.records.get(id)!;
      const old = record.current;
      record.current = candidate;
      candidate.status = 'live';
      const stamp = this.stamps.get(id) ?? session.sources.get(id)?.stamp;
      this.stamps.set(id, record.stamp);
      if (stamp) record.stamp = stamp;
      if (old) {
        this.replaced.set(id, old);
        old.status = 'retiring';
        record.retiring.add(old);
        // What the old version reached through a package, the new one reached too, through Node's cache, where
        // the registry cannot see it: the edge, and what the loading consumed through it, carry over.
        for (const [to, kind] of old.edges) {
          if (kind !== 'library' || candidate.edges.has(to)) continue;
          candidate.edges.set(to, kind);
          if (old.consumed.has(to)) candidate.consumed.add(to);
        }
        // A resource the new version owns too is handed over, not closed.
        for (const resource of candidate.owned) {
          const index = old.owned.indexOf(resource);
          if (index >= 0) old.owned.splice(index, 1);
          old.resources.release(resource);
        }
      }
      this.bindMailboxes(record, candidate, old);
      record.settleNames();
      this.result.versions[id] = candidate.number;
    }
    this.undoCommit = this.context.slots.commit(new Set(session.versions.values()));
    session.active = false;
    for (const version of session.versions.values()) version.session = undefined;
    this.committed = true;
    this.orphans.push(...this.findOrphans());
    for (const orphan of this.orphans) if (!this.result.unloadOrder.includes(orphan.id)) this.result.unloadOrder.push(orphan.id);
  }

  private bindMailboxes(record: ModuleRecord, candidate: ModuleVersion, old: ModuleVersion | undefined): void {
    candidate.mailboxHandlers.forEach((handler, index) => record.mailboxes[index]?.bind(candidate, handler));
    record.mailboxes.forEach((mailbox, index) => {
      if (index < candidate.mailboxHandlers.length) return;
      if (old) mailbox.unbind(old);
      this.result.warnings.push(say.mailboxOrphaned(record.id, index));
    });
  }

  /** Modules the new code no longer reaches from the entry (or a package) retire with the rest. */
  private findOrphans(): ModuleVersion[] {
    const roots = [...this.registry.records.values()].filter((record) => record.loadedByPackage || record === this.context.entry());
    const reached = reachableFrom(
      roots.map((record) => record.id),
      (id) => this.registry.records.get(id)?.current?.edges.keys() ?? [],
    );
    const orphans: ModuleVersion[] = [];
    for (const [id, record] of this.registry.records) {
      if (reached.has(id) || !record.current) continue;
      orphans.push(record.current);
      record.current.status = 'retiring';
    }
    return orphans;
  }

  private afterCommit(): void {
    const session = this.session!;
    this.lifecycle('commit', [...session.versions.values()]);
    for (const [id, candidate] of session.versions) {
      const record = this.registry.records.get(id)!;
      const old = this.replaced.get(id);
      for (const callback of old?.selfAcceptCallbacks ?? []) this.callback(old!, 'accept callback', () => callback(record.namespace));
      for (const caller of this.registry.records.values()) {
        const version = caller.current;
        if (!version || version === candidate) continue;
        for (const callback of version.acceptedDeps.get(id) ?? []) this.callback(version, 'accept callback', () => callback(record.namespace));
      }
    }
  }

  /** The settle window: a fault of a new version now still rolls the reload back. */
  private async settle(): Promise<void> {
    if (this.context.settleMs <= 0) return;
    const window = new Promise<void>((resolve) => {
      const timer = original.setTimeout(resolve, this.context.settleMs);
      this.endSettleWindow = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    await this.timed('settle', () => this.guard(window));
    this.endSettleWindow = undefined;
    this.throwIfFailed();
  }

  /** Drains the old versions (up to the timeout), then disposes them and reports what they leaked. */
  private async retire(): Promise<void> {
    const versions = [...this.result.unloadOrder.map((id) => this.replaced.get(id)).filter((version) => version !== undefined), ...this.orphans];
    const inFlight = versions.reduce((sum, version) => sum + version.inFlight, 0);
    if (inFlight > 0) await this.timed('drain', () => drainAll(versions, this.context.drainTimeoutMs));
    const forced = versions.reduce((sum, version) => sum + version.inFlight, 0);
    this.result.forced += forced;
    this.result.drained += inFlight - forced;
    for (const orphan of this.orphans) this.registry.records.delete(orphan.id);
    await this.timed('dispose', async () => {
      this.lifecycle('before-unload', versions);
      for (const version of versions) await this.dispose(version);
      this.lifecycle('after-unload', versions);
    });
    await delay(0);
    for (const version of versions) this.result.leaks.push(...leaksOf(version));
    for (const leak of this.result.leaks) this.context.emit({ type: 'leak', leak });
  }

  private async dispose(version: ModuleVersion): Promise<void> {
    const record = this.registry.records.get(version.id);
    const warnings = await disposeVersion(version, record, { bus: this.context.bus, waitMs: this.context.drainTimeoutMs, keep: this.context.keep });
    this.result.warnings.push(...warnings);
  }

  private rollBack(error: unknown): void {
    const failure = this.failureOf(this.failure ?? error);
    this.result.outcome = 'rolled-back';
    this.result.error = failure;
    this.result.versions = {};
    const session = this.session;
    if (session) {
      if (this.committed) this.undo();
      session.active = false;
      this.registry.drop(session);
      const candidates = [...session.versions.values()];
      for (const record of new Set(candidates.map((candidate) => candidate.record))) {
        if (record.current) {
          record.settleNames();
          this.registry.bindShims(record, record.current);
        }
        while (record.mailboxes.length > (record.current?.mailboxHandlers.length ?? 0) && !record.mailboxes.at(-1)!.hasHandler)
          record.mailboxes.pop();
      }
      // The candidates ran their code: whatever it started is stopped, and what it could not stop is reported.
      void Promise.all(candidates.map((candidate) => this.dispose(candidate))).then(() => {
        for (const candidate of candidates) for (const leak of leaksOf(candidate)) this.context.emit({ type: 'leak', leak });
      });
    }
    for (const id of this.result.loadOrder) {
      const version = this.registry.records.get(id)?.current;
      if (version) this.result.versions[id] = version.number;
    }
    this.lifecycle(
      'rollback',
      this.result.loadOrder.map((id) => this.registry.records.get(id)?.current).filter((v): v is ModuleVersion => !!v),
    );
  }

  /** Puts the replaced versions back after a commit (a fault in the settle window). */
  private undo(): void {
    this.undoCommit?.();
    const session = this.session!;
    for (const [id, candidate] of session.versions) {
      const record = this.registry.records.get(id);
      if (!record) continue;
      const old = this.replaced.get(id);
      record.current = old;
      const stamp = this.stamps.get(id);
      record.stamp = stamp;
      if (!old) continue;
      old.status = 'live';
      record.retiring.delete(old);
      if (candidate.stateHandler && old.stateHandler) {
        try {
          const saved = candidate.call(() => candidate.stateHandler!.save());
          old.call(() => old.stateHandler!.restore(saved, candidate.stateHandler!.version));
        } catch (error) {
          this.result.warnings.push(say.stateNotReturned(id, messageOf(error)));
        }
      }
      old.mailboxHandlers.forEach((handler, index) => record.mailboxes[index]?.bind(old, handler));
    }
    for (const orphan of this.orphans) orphan.status = 'live';
    this.orphans.length = 0;
    this.replaced.clear();
    this.committed = false;
  }

  private failureOf(error: unknown): ReloadFailure {
    if (!(error instanceof ReloadStepError)) {
      return { module: null, phase: 'commit', message: messageOf(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
    }
    // The stack of what the app's code threw; a syntax error's position says more than a stack.
    const cause = error.cause;
    const stack = cause instanceof Error ? cause.stack : undefined;
    const location = error.location ?? (error.module && stack ? frameIn(stack, this.registry.fileOf(error.module)) : undefined);
    return { module: error.module, phase: error.phase, message: error.message, ...(stack ? { stack } : {}), ...location };
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for `work`, or stops waiting as soon as the transaction fails. */
  private guard<T>(work: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.wake = () => reject(this.failure);
      work.then(resolve, reject);
    });
  }

  private lifecycle(event: LifecycleEvent, versions: ModuleVersion[]): void {
    const modules = versions.map((version) => ({ id: version.id, version: version.number }));
    this.context.bus.emit({ event, modules });
    this.context.emit({ type: 'lifecycle', event, modules });
  }

  private callback(version: ModuleVersion, what: string, call: () => unknown): void {
    try {
      const result = version.call(call);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        Promise.resolve(result).catch((error: unknown) => this.result.warnings.push(say.callbackThrew(what, version.id, messageOf(error))));
      }
    } catch (error) {
      this.result.warnings.push(say.callbackThrew(what, version.id, messageOf(error)));
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
      this.result.phases[phase] = roundMs((this.result.phases[phase] ?? 0) + performance.now() - started);
    }
  }

  private timedSync<T>(phase: ReloadPhase, work: () => T): T {
    this.phase(phase);
    const started = performance.now();
    try {
      return work();
    } finally {
      this.result.phases[phase] = roundMs((this.result.phases[phase] ?? 0) + performance.now() - started);
    }
  }
}

const pollMs = 5;
/** How long new versions may do nothing before an address they did not claim counts as given up. */
const quietMs = 250;

/** A number that changes whenever the versions do something observable (load, start or finish calls). */
function activityOf(versions: ReadonlySet<ModuleVersion>): string {
  let calls = 0;
  let handles = 0;
  for (const version of versions) {
    calls += version.counter.n;
    handles += version.resources.alive().length;
  }
  return `${calls}:${handles}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => original.setTimeout(resolve, ms));
}

/** A result before anything ran: the start of every transaction, and the whole answer when none is needed. */
export function emptyResult(id: number, outcome: ReloadResult['outcome'], changed: string[], warnings: string[]): ReloadResult {
  return {
    id,
    outcome,
    changed,
    unloadOrder: [],
    loadOrder: [],
    startedAt: new Date().toISOString(),
    durationMs: 0,
    phases: {},
    drained: 0,
    queued: 0,
    forced: 0,
    versions: {},
    warnings,
    leaks: [],
  };
}

/** Resolves true once every version is idle, false when the timeout comes first. */
function drainAll(versions: ModuleVersion[], timeoutMs: number): Promise<boolean> {
  const idle = Promise.all(versions.map((version) => version.whenIdle())).then(() => true);
  return within(idle, timeoutMs, () => false, { keepAlive: true });
}

/** Handles a retired version started that are still alive. */
export function leaksOf(version: ModuleVersion): LeakReport[] {
  const leaks = version.resources.alive().map((handle): LeakReport => {
    const stack = handle.origin.stack?.split('\n').slice(1).join('\n') ?? '';
    const position = frameIn(stack, version.file);
    return { module: version.id, version: version.number, kind: handle.kind, description: handle.describe(), stack, ...position };
  });
  version.resources.clear();
  return leaks;
}

/** Milliseconds to two decimals, as results carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
