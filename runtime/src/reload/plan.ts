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
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import { LoadSession } from '../modules/session';
import { readSource } from '../modules/sources';

export interface Plan {
  /** Module ids that run again, sorted. */
  affected: string[];
  /** Set when the plan was widened to the whole app: why, and the modules that made it so. */
  widened?: { reason: string; modules: string[] };
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
  widened?: { reason: string; modules: string[] };
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
  const queue = [...changed].filter((id) => registry.records.get(id)?.current);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (affected.has(id)) continue;
    affected.add(id);
    const version = registry.records.get(id)!.current!;
    if (version.hot.declines) declinedBy.add(id);
    for (const member of componentOf.get(id) ?? []) queue.push(member);
    if (version.hot.selfAccepts) continue;
    for (const consumer of consumers.get(id) ?? []) {
      if (consumer.hot.acceptedDeps.has(id)) continue;
      queue.push(consumer.id);
    }
  }
  const entangled = [...affected].filter((id) => registry.records.get(id)!.current!.consumedLater.size > 0).sort();
  if (entangled.length > 0) return widen(registry, entangled, declinedBy);
  return { ids: [...affected].sort(), declinedBy: [...declinedBy].sort() };
}

/** Every live module of the app runs again. */
function widen(registry: Registry, entangled: string[], declinedBy: Set<string>): Affected {
  const ids = [...registry.records.values()].filter((record) => record.current).map((record) => record.id);
  for (const id of ids) if (registry.records.get(id)!.current!.hot.declines) declinedBy.add(id);
  const first = registry.records.get(entangled[0]!)!.current!;
  const read = [...first.consumedLater].sort().slice(0, 3);
  return { ids: ids.sort(), declinedBy: [...declinedBy].sort(), widened: { reason: say.widened(entangled, read), modules: entangled } };
}

/**
 * The order a load evaluates its new versions in: Node's, depth first from the entry over each module's
 * imports in source order (and the modules it loaded otherwise), post-order. Versions the walk from the entry
 * does not reach follow, in the order they first evaluated.
 */
export function evaluationOrder(registry: Registry, versions: ReadonlyMap<string, ModuleVersion>, entry: ModuleRecord | undefined): ModuleVersion[] {
  const order: ModuleVersion[] = [];
  const visited = new Set<string>();
  const dependenciesOf = (record: ModuleRecord): ModuleRecord[] => {
    const version = versions.get(record.id) ?? record.current;
    if (!version) return [];
    const deps = registry.linker.staticImportsOf(version);
    // What the live version reached otherwise (a require, a package's import of an app file) comes after.
    for (const [id] of record.current?.edges ?? []) {
      const other = registry.records.get(id);
      if (other && !deps.includes(other)) deps.push(other);
    }
    for (const [id] of version.edges) {
      const other = registry.records.get(id);
      if (other && !deps.includes(other)) deps.push(other);
    }
    return deps;
  };
  const walk = (root: ModuleRecord) => {
    if (visited.has(root.id)) return;
    visited.add(root.id);
    const stack: Array<{ record: ModuleRecord; deps: ModuleRecord[]; next: number }> = [{ record: root, deps: dependenciesOf(root), next: 0 }];
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      if (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next++]!;
        if (visited.has(dep.id)) continue;
        visited.add(dep.id);
        stack.push({ record: dep, deps: dependenciesOf(dep), next: 0 });
        continue;
      }
      stack.pop();
      const made = versions.get(frame.record.id);
      if (made) order.push(made);
    }
  };
  if (entry) walk(entry);
  const rest = [...versions.values()].filter((version) => !visited.has(version.id));
  rest.sort((a, b) => a.record.evaluationIndex - b.record.evaluationIndex || (a.id < b.id ? -1 : 1));
  for (const version of rest) walk(version.record);
  return order;
}

/** The live versions in the order they evaluate (Node's, from the entry). */
export function liveOrder(registry: Registry, entry: ModuleRecord | undefined): ModuleVersion[] {
  const live = new Map([...registry.records].filter(([, record]) => record.current).map(([id, record]) => [id, record.current!]));
  return evaluationOrder(registry, live, entry);
}
