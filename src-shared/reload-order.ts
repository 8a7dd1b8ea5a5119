import { compareIds, reverseAdjacency } from './module-graph';
import { stronglyConnectedComponents } from './strongly-connected';

/** What a module declares through `import.meta.hot` about how it takes updates (Vite's meaning). */
export interface HotAcceptance {
  /** `accept()` with no dependencies: the module re-runs itself and its importers do not. */
  selfAccepts: boolean;
  /** Ids of the imports this module accepts through `accept(deps, cb)`: it runs `cb` instead of re-running. */
  acceptsDeps: readonly string[];
  /** `decline()`: a change reaching this module cannot be applied hot. */
  declines: boolean;
}

/** The plan for one change set. */
export interface ReloadPlan {
  /** Every module that will run again, sorted by id. */
  affected: string[];
  /** Callers first: a module is retired before the modules it imports. */
  unload: string[];
  /** Callees first: a module is loaded after the modules it imports. */
  load: string[];
  /** The units of `load` in order; a cycle is one unit of several modules. */
  units: string[][];
  /** Modules that declined a change reaching them; the plan must not be applied when non-empty. */
  declinedBy: string[];
}

/**
 * Plans the reload of a change set. The rule, as in Vite: a changed module runs again; so does every
 * importer of a module that runs again, unless that module accepts itself or the importer accepts it as a
 * dependency. A module in an import cycle brings its whole cycle along, so the cycle runs again as a unit.
 * A module without importers (the entry) runs again when the change reaches it.
 */
export function planReload(
  adjacency: Map<string, string[]>,
  changed: Iterable<string>,
  acceptance: (id: string) => HotAcceptance | undefined = () => undefined,
): ReloadPlan {
  const components = stronglyConnectedComponents(adjacency);
  const componentOf = new Map<string, string[]>();
  for (const component of components) for (const id of component) componentOf.set(id, component);
  const callers = reverseAdjacency(adjacency);

  const affected = new Set<string>();
  const declinedBy = new Set<string>();
  const queue = [...changed].filter((id) => adjacency.has(id));
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (affected.has(id)) continue;
    affected.add(id);
    const facts = acceptance(id);
    if (facts?.declines) declinedBy.add(id);
    for (const member of componentOf.get(id) ?? []) if (!affected.has(member)) queue.push(member);
    if (facts?.selfAccepts) continue;
    for (const caller of callers.get(id) ?? []) {
      if (acceptance(caller)?.acceptsDeps.includes(id)) continue;
      queue.push(caller);
    }
  }
  const order = orderModules(adjacency, affected, components);
  return { affected: [...affected].sort(compareIds), ...order, declinedBy: [...declinedBy].sort(compareIds) };
}

/**
 * The deterministic reload order of a set of modules, following the whole graph so that a path through
 * modules outside the set still orders the ones inside it. Ties go to the smaller id.
 */
export function orderModules(
  adjacency: Map<string, string[]>,
  subset: ReadonlySet<string> | undefined = undefined,
  components = stronglyConnectedComponents(adjacency),
): Pick<ReloadPlan, 'unload' | 'load' | 'units'> {
  const unitOf = new Map<string, number>();
  components.forEach((component, unit) => component.forEach((id) => unitOf.set(id, unit)));

  // Kahn's algorithm on the condensation: a unit is ready once every unit it imports is loaded.
  const pending = components.map(() => 0);
  const dependents = components.map(() => new Set<number>());
  components.forEach((component, unit) => {
    for (const id of component) {
      for (const callee of adjacency.get(id) ?? []) {
        const target = unitOf.get(callee);
        if (target === undefined || target === unit || dependents[target]!.has(unit)) continue;
        dependents[target]!.add(unit);
        pending[unit]!++;
      }
    }
  });
  const ready = new MinHeap<number>((a, b) => compareIds(components[a]![0]!, components[b]![0]!));
  pending.forEach((count, unit) => count === 0 && ready.push(unit));

  const units: string[][] = [];
  while (ready.size > 0) {
    const unit = ready.pop()!;
    const members = subset ? components[unit]!.filter((id) => subset.has(id)) : components[unit]!;
    if (members.length > 0) units.push(members);
    for (const dependent of dependents[unit]!) if (--pending[dependent]! === 0) ready.push(dependent);
  }
  const load = units.flat();
  return { load, unload: [...load].reverse(), units };
}

/** A binary heap; the ready set of a 50k-module graph is too large for a sorted array. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === i) break;
      [items[i], items[smallest]] = [items[smallest]!, items[i]!];
      i = smallest;
    }
    return top;
  }
}
