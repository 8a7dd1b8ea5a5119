// The swap at the heart of a reload: the old versions of stateful modules are suspended (their exported async
// functions wait, their mailboxes pause) and drained; their state is handed over (`save` on the old version,
// `restore` on the new); then every candidate goes live in one synchronous step (the switch), servers take
// their sockets over, and the suspended calls and messages run on the new versions. Until the settle window
// ends the switch can be undone: the old versions serve again, sockets and state handed back.
import type { ReloadResult } from '../../../src-shared/control-protocol';
import { reachableFrom } from '../../../src-shared/module-graph';
import type { ListenSlots } from '../containment/listen-slots';
import { messageOf, ReloadStepError, say } from '../errors';
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import type { LoadSession } from '../modules/session';
import type { SourceStamp } from '../modules/sources';
import type { DeferredCalls } from './deferred-calls';

export class Swap {
  /** The versions the switch replaced, by module id. */
  readonly replaced = new Map<string, ModuleVersion>();
  /** Live versions the new code no longer reaches: they retire with the replaced ones. */
  readonly orphans: ModuleVersion[] = [];
  /** The stamps the switch replaced, for an undo. */
  private readonly stamps = new Map<string, SourceStamp | undefined>();
  private suspended: ModuleVersion[] = [];
  private undoSlots: (() => void) | undefined;
  private switched = false;

  constructor(
    private readonly registry: Registry,
    private readonly slots: ListenSlots,
    private readonly session: LoadSession,
    private readonly result: ReloadResult,
    private readonly entry: () => ModuleRecord | undefined,
  ) {}

  /** Whether the candidates are live (and the switch not undone). */
  get committed(): boolean {
    return this.switched;
  }

  get hasSuspended(): boolean {
    return this.suspended.length > 0;
  }

  /** Suspends the old versions of the stateful modules this reload replaces; returns them. */
  suspend(): ModuleVersion[] {
    this.suspended = [...this.session.versions.values()]
      .map((version) => version.record.current)
      .filter((old): old is ModuleVersion => !!old?.stateful && !!old.record.current);
    for (const old of this.suspended) {
      old.calls.suspend();
      for (const mailbox of old.record.mailboxes) mailbox.pause();
    }
    return this.suspended;
  }

  /** Ends the suspension: waiting calls and messages run on what is live now. Returns how many waited. */
  resume(deferred: DeferredCalls): number {
    let queued = 0;
    for (const old of this.suspended) {
      old.calls.resume();
      for (const mailbox of old.record.mailboxes) {
        queued += mailbox.postedWhilePaused;
        mailbox.resume();
      }
    }
    this.suspended = [];
    return queued + deferred.resume();
  }

  /** `save()` on each suspended old version, `restore(saved, fromVersion)` on its candidate. */
  handOver(): void {
    for (const old of this.suspended) {
      const candidate = this.session.versions.get(old.id)!;
      const handler = old.hot.stateHandler;
      if (!handler) continue;
      let saved: unknown;
      try {
        saved = old.call(() => handler.save());
      } catch (error) {
        throw new ReloadStepError(old.id, 'save', say.saveThrew(old.id, messageOf(error)), undefined, error);
      }
      const next = candidate.hot.stateHandler;
      if (!next) {
        this.result.warnings.push(say.stateDropped(old.id));
        continue;
      }
      try {
        candidate.call(() => next.restore(saved, handler.version));
      } catch (error) {
        throw new ReloadStepError(old.id, 'restore', say.restoreThrew(old.id, messageOf(error)), undefined, error);
      }
    }
  }

  /** The switch: every candidate goes live in one synchronous step. */
  switch(): void {
    for (const [id, candidate] of this.session.versions) {
      const record = this.registry.records.get(id)!;
      this.stamps.set(id, record.stamp);
      const stamp = this.session.sources.get(id)?.stamp;
      if (stamp) record.stamp = stamp;
      const old = record.promote(candidate);
      if (old) {
        this.replaced.set(id, old);
        carryOver(old, candidate);
      }
      this.bindMailboxes(record, candidate, old);
      record.settleNames();
      this.result.versions[id] = candidate.number;
    }
    this.undoSlots = this.slots.commit(new Set(this.session.versions.values()));
    this.session.end();
    this.switched = true;
    this.orphans.push(...this.orphan());
    for (const orphan of this.orphans) if (!this.result.unloadOrder.includes(orphan.id)) this.result.unloadOrder.push(orphan.id);
  }

  private bindMailboxes(record: ModuleRecord, candidate: ModuleVersion, old: ModuleVersion | undefined): void {
    const handlers = candidate.hot.mailboxHandlers;
    handlers.forEach((handler, index) => record.mailboxes[index]?.bind(candidate, handler));
    record.mailboxes.forEach((mailbox, index) => {
      if (index < handlers.length) return;
      if (old) mailbox.unbind(old);
      this.result.warnings.push(say.mailboxOrphaned(record.id, index));
    });
  }

  /**
   * The `accept` callbacks the switch calls: a replaced version's own (`accept(cb)`), and those of every live
   * importer that accepts a module that changed (`accept(dep, cb)`), each given the module's namespace.
   */
  acceptCallbacks(): Array<{ version: ModuleVersion; callback: () => unknown }> {
    const calls: Array<{ version: ModuleVersion; callback: () => unknown }> = [];
    for (const [id, candidate] of this.session.versions) {
      const record = this.registry.records.get(id)!;
      const old = this.replaced.get(id);
      for (const callback of old?.hot.selfAcceptCallbacks ?? []) calls.push({ version: old!, callback: () => callback(record.namespace) });
      for (const caller of this.registry.records.values()) {
        const version = caller.current;
        if (!version || version === candidate) continue;
        for (const callback of version.hot.acceptedDeps.get(id) ?? []) calls.push({ version, callback: () => callback(record.namespace) });
      }
    }
    return calls;
  }

  /** Modules the new code no longer reaches from the entry (or a package) retire with the rest. */
  private orphan(): ModuleVersion[] {
    const roots = [...this.registry.records.values()].filter((record) => record.loadedByPackage || record === this.entry());
    const reached = reachableFrom(
      roots.map((record) => record.id),
      (id) => this.registry.records.get(id)?.current?.edges.keys() ?? [],
    );
    const orphans: ModuleVersion[] = [];
    for (const [id, record] of this.registry.records) {
      if (reached.has(id) || !record.current) continue;
      orphans.push(record.orphan()!);
    }
    return orphans;
  }

  /** Puts the replaced versions back (a fault in the settle window): sockets, state and mailboxes too. */
  undo(): void {
    this.undoSlots?.();
    for (const [id, candidate] of this.session.versions) {
      const record = this.registry.records.get(id);
      if (!record) continue;
      const old = this.replaced.get(id);
      record.restore(candidate, old);
      record.stamp = this.stamps.get(id);
      if (!old) continue;
      const handler = candidate.hot.stateHandler;
      const previous = old.hot.stateHandler;
      if (handler && previous) {
        try {
          const saved = candidate.call(() => handler.save());
          old.call(() => previous.restore(saved, handler.version));
        } catch (error) {
          this.result.warnings.push(say.stateNotReturned(id, messageOf(error)));
        }
      }
      old.hot.mailboxHandlers.forEach((mailboxHandler, index) => record.mailboxes[index]?.bind(old, mailboxHandler));
    }
    for (const orphan of this.orphans) orphan.record.adopt(orphan);
    this.orphans.length = 0;
    this.replaced.clear();
    this.switched = false;
  }
}

/** What the old version had that the new one takes on at the switch. */
function carryOver(old: ModuleVersion, candidate: ModuleVersion): void {
  // What the old version reached through a package, the new one reached too, through Node's cache, where
  // the registry cannot see it: the edge, and what the loading consumed through it, carry over.
  for (const [to, kind] of old.edges) {
    if (kind !== 'library' || candidate.edges.has(to)) continue;
    candidate.edges.set(to, kind);
    if (old.consumed.has(to)) candidate.consumed.add(to);
    if (old.consumedLater.has(to)) candidate.consumedLater.add(to);
  }
  // A resource the new version owns too is handed over, not closed.
  for (const resource of candidate.hot.owned) {
    old.hot.disown(resource);
    old.resources.release(resource);
  }
}
