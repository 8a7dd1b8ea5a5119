// Which modules a reload runs again, and in what order (docs/reload-rules.md).
//
// A changed module runs again. So does a module whose loading *consumed* a value of a module that runs again
// (called an export at its top level, passed it to a framework, extended a class, read a CommonJS value
// whole): its new version must see the new value, as a fresh start would. A module that only reads imports
// at call time needs nothing: its reads reach the newest version. `accept()` and `decline()` keep Vite's
// meaning; a module in an import cycle brings its cycle along. The order is Node's evaluation order: depth
// first from the entry, imports in source order, so a cycle reloads the way it first loaded.
//
// When a module that runs again read other modules' values after its own top level ran (a framework's boot it
// started, a bootstrap it did not await), those values went into objects the runtime cannot follow (a route
// table, a DI container, a server another module created): re-running the module alone is not shown to equal a
// fresh start, so the plan widens to the whole app, and says so.
import * as fs from 'node:fs';
import { stronglyConnectedComponents } from '../../../src-shared/strongly-connected';
import { ReloadStepError, say } from '../errors';
import { evaluationOrder } from '../modules/evaluation-order';
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import { LoadSession } from '../modules/session';
import { readSource } from '../modules/sources';

export interface Plan {
  /** Module ids that run again, sorted. */
  affected: string[];
  /** Set when the plan was widened to the whole app: why, and the modules that made it so. */
  widened?: Widened;
  declinedBy: string[];
  unload: string[];
  load: string[];
  /** Changed files that no longer exist. */
  deleted: string[];
}

/**
 * Plans a reload of `changed` (module ids): which modules run again, in what order, and the session that
 * will load them, with their sources read. Transforms nothing, runs nothing.
 */
export function planOf(
  registry: Registry,
  changed: string[],
  entry: ModuleRecord | undefined,
  timeoutMs?: number,
): { plan: Plan; session: LoadSession } {
  const deleted = changed.filter((id) => !fileExists(registry, id));
  const { ids, declinedBy, widened } = affectedBy(registry, changed);
  const runs = ids.filter((id) => !deleted.includes(id));
  const session = new LoadSession(new Set(runs), false, timeoutMs);
  for (const id of runs) {
    const record = registry.records.get(id)!;
    try {
      session.sources.set(id, readSource(record.file));
    } catch {
      throw new ReloadStepError(id, 'transform', say.cannotRead(id));
    }
  }
  const load = orderWithoutLoading(registry, session, entry);
  return { plan: { affected: ids, declinedBy, unload: [...load].reverse(), load, deleted, ...(widened ? { widened } : {}) }, session };
}

/** Why a plan runs more than the changed modules, and the modules that made it so. */
export type Widened = { reason: string; modules: string[] };

/** Several reasons a plan runs more than the changed modules, as one. */
export function widenedBy(...reasons: Array<Widened | undefined>): Widened | undefined {
  const given = reasons.filter((why) => why !== undefined);
  if (given.length === 0) return undefined;
  return { reason: given.map((why) => why.reason).join('; '), modules: [...new Set(given.flatMap((why) => why.modules))].sort() };
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

export interface Affected {
  /** Module ids that run again, sorted. */
  ids: string[];
  /** Modules that declined a change reaching them. */
  declinedBy: string[];
  widened?: Widened;
}

/** The graph the live versions trace, with every kind of edge: module id → ids it reached. */
export function liveAdjacency(registry: Registry): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  for (const [id, record] of registry.records) {
    if (record.current)
      adjacency.set(
        id,
        record.current.imports.filter((to) => registry.records.get(to)?.current),
      );
  }
  return adjacency;
}

/** The graph of imports that run when a module loads (static imports and requires), for cycles. */
function loadingAdjacency(registry: Registry): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  for (const [id, record] of registry.records) {
    const version = record.current;
    if (!version) continue;
    adjacency.set(
      id,
      [...version.edges].filter(([to, kind]) => kind !== 'dynamic' && registry.records.get(to)?.current).map(([to]) => to),
    );
  }
  return adjacency;
}

export function affectedBy(registry: Registry, changed: Iterable<string>): Affected {
  const components = stronglyConnectedComponents(loadingAdjacency(registry));
  const componentOf = new Map<string, string[]>();
  for (const component of components) if (component.length > 1) for (const id of component) componentOf.set(id, component);
  // A module's consumers: every version whose loading read it, whether or not it imports it (a framework's
  // boot a module started reads the plugins' exports in that module's loading context).
  const consumers = new Map<string, ModuleVersion[]>();
  for (const record of registry.records.values()) {
    const version = record.current;
    if (!version) continue;
    for (const id of version.consumed) {
      const list = consumers.get(id) ?? [];
      list.push(version);
      consumers.set(id, list);
    }
  }
  const affected = new Set<string>();
  const declinedBy = new Set<string>();
  /** Modules brought in because a module that runs again started a server they made. */
  const makers = new Map<string, string>();
  /** Modules brought in because a module that runs again handed its code to something they made. */
  const holders = new Map<string, string>();
  const queue = [...changed].filter((id) => registry.records.get(id)?.current);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (affected.has(id)) continue;
    affected.add(id);
    const version = registry.records.get(id)!.current!;
    if (version.hot.declines) declinedBy.add(id);
    for (const member of componentOf.get(id) ?? []) queue.push(member);
    for (const maker of version.startedFrom) {
      if (!registry.records.get(maker)?.current || affected.has(maker)) continue;
      makers.set(maker, id);
      queue.push(maker);
    }
    const targets = version.transformed.registersInto ? registry.linker.targetsOf(version) : [];
    for (const index of version.transformed.registersInto ?? []) {
      const target = targets[index];
      if (target?.kind !== 'app' || !target.record.current || affected.has(target.record.id)) continue;
      holders.set(target.record.id, id);
      queue.push(target.record.id);
    }
    if (version.hot.selfAccepts) continue;
    for (const consumer of consumers.get(id) ?? []) {
      if (consumer.hot.acceptedDeps.has(id)) continue;
      queue.push(consumer.id);
    }
  }
  const entangled = [...affected].filter((id) => registry.records.get(id)!.current!.consumedLater.size > 0).sort();
  if (entangled.length > 0) return widen(registry, entangled, declinedBy);
  const ids = [...affected].sort();
  const reasons = [
    ...(makers.size > 0 ? [{ reason: say.startedAnother(makers), modules: [...new Set(makers.values())].sort() }] : []),
    ...(holders.size > 0 ? [{ reason: say.handedCode(holders), modules: [...new Set(holders.values())].sort() }] : []),
  ];
  const widened = widenedBy(...reasons);
  return { ids, declinedBy: [...declinedBy].sort(), ...(widened ? { widened } : {}) };
}

/** Every live module of the app runs again. */
function widen(registry: Registry, entangled: string[], declinedBy: Set<string>): Affected {
  const ids = [...registry.records.values()].filter((record) => record.current).map((record) => record.id);
  for (const id of ids) if (registry.records.get(id)!.current!.hot.declines) declinedBy.add(id);
  const first = registry.records.get(entangled[0]!)!.current!;
  const read = [...first.consumedLater].sort().slice(0, 3);
  return { ids: ids.sort(), declinedBy: [...declinedBy].sort(), widened: { reason: say.widened(entangled, read), modules: entangled } };
}

/** The live versions in the order they evaluate (Node's, from the entry). */
export function liveOrder(registry: Registry, entry: ModuleRecord | undefined): ModuleVersion[] {
  const live = new Map([...registry.records].filter(([, record]) => record.current).map(([id, record]) => [id, record.current!]));
  return evaluationOrder(registry, live, entry);
}

export { evaluationOrder };
