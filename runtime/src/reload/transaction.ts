// One reload transaction (docs/runtime.md), in two halves split at its point of no return:
// - prepare: plan, transform, load the new versions while the old ones serve (evaluated in Node's order, top-
//   level awaits included), check their links, wait until they listen where the old ones did, then suspend
//   and drain the stateful modules it replaces;
// - commit: hand their state over and switch every new version live at once;
// then a short settle window (a fault of a new version still rolls everything back), and retirement: the old
// versions drain and are disposed. Any failure before the window ends puts the old versions back, untouched,
// and drops the new ones with everything they started (abort).
import type { LifecycleEvent, ReloadResult, RuntimeEvent } from '../../../src-shared/control-protocol';
import type { OpenAtCommit } from '../containment/connections';
import type { Address, ListenSlots } from '../containment/listen-slots';
import { messageOf, ReloadStepError, say } from '../errors';
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import type { LoadSession } from '../modules/session';
import { original } from '../originals';
import { reapplyEnvWrites, revertEnvWrites } from '../containment/environment';
import { checkLiveImporters, transformPlanned, untilListening } from './candidates';
import type { DeferredCalls } from './deferred-calls';
import type { LifecycleBus } from './events';
import type { LoadingWatch } from '../modules/loading-watch';
import { WatchedLoad } from '../modules/watched-load';
import { evaluationOrder, planOf, widenedBy, type Widened } from './plan';
import { disposeVersion } from './dispose';
import { emptyResult, failureOf, leaksOf, PhaseClock, roundMs } from './result';
import { drainAll, retire } from './retire';
import { Swap } from './swap';

export interface TransactionContext {
  registry: Registry;
  bus: LifecycleBus;
  slots: ListenSlots;
  deferred: DeferredCalls;
  entry(): ModuleRecord | undefined;
  drainTimeoutMs: number;
  initTimeoutMs: number;
  settleMs: number;
  emit(event: RuntimeEvent): void;
  /** Whether something live needs a handle a retiring version started. */
  keep(target: object): boolean;
  /** Waits until the worker threads the versions started are up; the failure of one that is not (containment/threads.ts). */
  threadsUp(versions: ModuleVersion[], timeoutMs: number): Promise<ReloadStepError | undefined>;
}

/**
 * Another process's say in a transaction (a cluster's primary, cluster/): asked at the point of no return and
 * again at the end of the settle window. A promise that rejects (with the failure to report) rolls this
 * process's side back; while one waits, a fault here still rolls back at once.
 */
export interface Coordinator {
  /** This side is prepared: resolves when every side is (commit), rejects when one failed (abort). */
  prepared(): Promise<void>;
  /** Called right after this side's new versions went live. */
  committed(): void;
  /** This side's settle window passed without a fault: resolves when every side's did, rejects when one rolled back. */
  settled(): Promise<void>;
}

export class Transaction {
  private readonly started = performance.now();
  readonly result: ReloadResult;
  private readonly clock: PhaseClock;
  private session: LoadSession | undefined;
  private swap: Swap | undefined;
  private failure: ReloadStepError | undefined;
  private wake: (() => void) | undefined;
  /** The transaction is over: faults now are reported, not rolled back. */
  done = false;
  /** Resolves once the reload committed and settled, or rolled back: the next one may start (retiring goes on). */
  readonly settled: Promise<void>;
  private markSettled!: () => void;
  private endSettleWindow: (() => void) | undefined;
  /** What the servers held when the new versions went live: requests and long-lived connections of the old code. */
  private openAtCommit: OpenAtCommit | undefined;
  /** The candidates' loading, watched from the start of their load. */
  private loading: WatchedLoad | undefined;
  /** The variables the replaced versions had set, unset for the candidates' load; set again on a rollback. */
  private envReverted: Array<[string, string | undefined]> = [];

  constructor(
    private readonly context: TransactionContext,
    id: number,
    changed: string[],
    warnings: string[],
    private readonly coordinator?: Coordinator,
    /** Modules that run again because a thread they started loads a changed file: why, and which. */
    private readonly threadRestarts?: Widened,
  ) {
    this.result = emptyResult(id, 'committed', changed, warnings);
    this.clock = new PhaseClock(this.result, context.emit);
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  private get registry(): Registry {
    return this.context.registry;
  }

  /** Whether `version` is one this transaction made (a candidate, or committed and still settling). */
  owns(version: ModuleVersion | undefined): boolean {
    return version !== undefined && this.session?.versions.get(version.id) === version;
  }

  /** A version of this transaction's with that file and number (for faults found by their stack). */
  candidate(id: string, number: number): ModuleVersion | undefined {
    const version = this.session?.versions.get(id);
    return version?.number === number ? version : undefined;
  }

  /** Whether the transaction can still commit (or stay committed): not failed, not over. */
  get open(): boolean {
    return !this.done && this.failure === undefined;
  }

  /** Whether `version` is one this transaction replaces (its old versions: their servers may be taken over). */
  replaces(version: ModuleVersion | undefined): boolean {
    return version !== undefined && this.session !== undefined && this.session.plan.has(version.id) && version.record.current === version;
  }

  /** The phase a fault interrupts: before the commit the new versions were loading (`init`), after it, settling. */
  get phase(): 'init' | 'settle' {
    return this.result.phases.commit !== undefined ? 'settle' : 'init';
  }

  /** A fault of one of this transaction's versions: before the settle window ends, the reload rolls back. */
  fail(error: ReloadStepError): boolean {
    if (this.done) return false;
    this.failure ??= error;
    this.wake?.();
    return true;
  }

  /** A newer change is waiting: the settle window ends now (the newer reload replaces this code anyway). */
  endSettle(): void {
    this.endSettleWindow?.();
  }

  /**
   * The whole reload: prepare, commit, settle, then retire the old versions; with a coordinator, its answer
   * comes between prepare and commit and at the end of the settle window. Never throws.
   */
  async run(): Promise<ReloadResult> {
    this.context.emit({ type: 'reload-started', id: this.result.id, changed: this.result.changed });
    try {
      await this.prepare();
      if (this.coordinator) await this.guard(this.coordinator.prepared());
      this.commit();
      this.coordinator?.committed();
      await this.settle();
      if (this.coordinator) await this.guard(this.coordinator.settled());
    } catch (error) {
      this.abort(error);
    }
    this.done = true;
    if (this.result.outcome === 'committed') this.loading?.endWhenIdle(this.context.initTimeoutMs);
    else this.loading?.end();
    this.markSettled();
    if (this.result.outcome === 'committed') await this.retire();
    this.result.durationMs = roundMs(performance.now() - this.started);
    this.context.emit({ type: 'reload-finished', result: this.result });
    return this.result;
  }

  /** Everything up to the point of no return. Throws what went wrong; `abort` then puts everything back. */
  async prepare(): Promise<void> {
    const { plan, session } = this.clock.timedSync('plan', () =>
      planOf(this.registry, this.result.changed, this.context.entry(), this.context.initTimeoutMs),
    );
    this.session = session;
    this.swap = new Swap(this.registry, this.context.slots, session, this.result, this.context.entry);
    const widened = widenedBy(this.threadRestarts, plan.widened);
    if (widened) this.result.widened = widened;
    if (plan.declinedBy.length > 0) throw new ReloadStepError(plan.declinedBy[0]!, 'plan', say.declined(plan.declinedBy));
    this.clock.timedSync('transform', () => transformPlanned(this.registry, session));
    const replaced = new Set([...session.plan].map((id) => this.registry.records.get(id)?.current).filter((version) => version !== undefined));
    const expected = this.context.slots.heldBy(replaced);
    // What the replaced versions' top levels set in process.env is unset, as a fresh start finds it.
    this.envReverted = revertEnvWrites([...replaced].map((version) => version.envWrites));
    // The candidates' loading is watched (the async context on) until it ended, past the settle window.
    this.loading = new WatchedLoad((version) => this.owns(version));
    await this.load(session);
    // The threads the new versions started: up on the new code before anything switches.
    const thread = await this.guard(this.context.threadsUp([...session.versions.values()], this.context.initTimeoutMs));
    if (thread) throw thread;
    this.clock.timedSync('link', () => checkLiveImporters(this.registry, session, plan.deleted));
    if (expected.length > 0) await this.clock.timed('listen', () => this.untilListening(expected, this.loading!.watch));
    this.throwIfFailed();
    this.lifecycle('after-load', [...session.versions.values()]);
    await this.drainStateful();
  }

  /** Loads the candidates while the old versions serve, in Node's order. */
  private async load(session: LoadSession): Promise<void> {
    // Every planned module is a root: one a package loads (Node keeps its shim) gets its new version too.
    const entry = this.context.entry();
    const roots = [...session.plan].map((id) => this.registry.records.get(id)!);
    this.clock.announce('init');
    const started = performance.now();
    await this.guard(this.registry.load(session, roots, (loading) => evaluationOrder(this.registry, loading.versions, entry)));
    this.result.phases.init = roundMs(performance.now() - started);
    const order = evaluationOrder(this.registry, session.versions, entry).map((version) => version.id);
    this.result.loadOrder = order;
    this.result.unloadOrder = [...order].reverse();
    this.throwIfFailed();
  }

  /** Waits until the candidates listen where the replaced versions did (or their loading ends without it). */
  private async untilListening(expected: Address[], loading: LoadingWatch): Promise<void> {
    const candidates = () => new Set(this.session!.versions.values());
    const missing = await this.guard(untilListening(this.context.slots, expected, candidates, loading, this.context.initTimeoutMs));
    if (missing.length > 0) this.result.warnings.push(say.stoppedListening(missing.map((address) => address.description)));
  }

  /** Suspends the stateful modules this reload replaces and waits for their running calls. */
  private async drainStateful(): Promise<void> {
    const stateful = this.swap!.suspend();
    if (stateful.length === 0) return;
    const inFlight = stateful.reduce((sum, version) => sum + version.inFlight, 0);
    const drained = await this.clock.timed('drain', () => this.guard(drainAll(stateful, this.context.drainTimeoutMs)));
    if (!drained) {
      const ids = stateful.map((version) => version.id);
      throw new ReloadStepError(stateful[0]!.id, 'drain', say.drainTimeout(ids, this.context.drainTimeoutMs));
    }
    this.result.drained += inFlight;
  }

  /** The point of no return: state handed over, every new version live at once, the waiting calls released. */
  commit(): void {
    const swap = this.swap!;
    try {
      if (swap.hasSuspended) this.clock.timedSync('restore', () => swap.handOver());
      this.throwIfFailed();
      this.clock.timedSync('commit', () => swap.switch());
      this.openAtCommit = this.context.slots.connections.openNow();
      this.result.servingAfterMs = roundMs(performance.now() - this.started);
    } finally {
      this.result.queued += swap.resume(this.context.deferred);
    }
    this.afterCommit();
  }

  private afterCommit(): void {
    this.lifecycle('commit', [...this.session!.versions.values()]);
    for (const { version, callback } of this.swap!.acceptCallbacks()) this.callback(version, 'accept callback', callback);
  }

  /** The settle window: a fault of a new version now still rolls the reload back. */
  async settle(): Promise<void> {
    if (this.context.settleMs <= 0) return;
    const window = new Promise<void>((resolve) => {
      const timer = original.setTimeout(resolve, this.context.settleMs);
      this.endSettleWindow = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    await this.clock.timed('settle', () => this.guard(window));
    this.endSettleWindow = undefined;
    this.throwIfFailed();
  }

  /** Drains the old versions (up to the timeout), then disposes them and reports what they leaked. */
  private async retire(): Promise<void> {
    const swap = this.swap!;
    const versions = [...this.result.unloadOrder.map((id) => swap.replaced.get(id)).filter((version) => version !== undefined), ...swap.orphans];
    await retire(versions, swap.orphans, {
      registry: this.registry,
      result: this.result,
      clock: this.clock,
      drainTimeoutMs: this.context.drainTimeoutMs,
      emit: this.context.emit,
      lifecycle: (event, each) => this.lifecycle(event, each),
      dispose: (version) => this.dispose(version),
      openAtCommit: this.openAtCommit ?? { requests: [], longLived: [] },
    });
  }

  /** Puts everything back: the old versions serve (untouched), the new ones are dropped with what they started. */
  abort(error: unknown): void {
    const failure = failureOf(this.failure ?? error, (id) => this.registry.fileOf(id));
    this.result.outcome = 'rolled-back';
    this.result.error = failure;
    this.result.versions = {};
    const session = this.session;
    if (session) {
      const swap = this.swap!;
      this.result.queued += swap.resume(this.context.deferred);
      if (swap.committed) swap.undo();
      this.registry.drop(session);
      const candidates = [...session.versions.values()];
      revertEnvWrites(candidates.map((candidate) => candidate.envWrites));
      reapplyEnvWrites(this.envReverted);
      for (const record of new Set(candidates.map((candidate) => candidate.record))) {
        if (record.current) {
          record.settleNames();
          this.registry.evaluator.bindShims(record, record.current);
        }
        while (record.mailboxes.length > (record.current?.hot.mailboxHandlers.length ?? 0) && !record.mailboxes.at(-1)!.hasHandler)
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
      this.result.loadOrder.map((id) => this.registry.records.get(id)?.current).filter((version): version is ModuleVersion => !!version),
    );
  }

  private async dispose(version: ModuleVersion): Promise<void> {
    const record = this.registry.records.get(version.id);
    const warnings = await disposeVersion(version, record, { bus: this.context.bus, waitMs: this.context.drainTimeoutMs, keep: this.context.keep });
    this.result.warnings.push(...warnings);
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
}
