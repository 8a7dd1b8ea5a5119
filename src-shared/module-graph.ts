/**
 * The module graph: one model for the analyser, the runtime and the graph panel.
 * Ids are paths relative to the project folder, with `/` separators.
 */

/** How an import reaches its target. */
export type EdgeKind = 'static' | 'dynamic' | 'require' | 'reexport';

export interface ModuleNode {
  /** Path relative to the project folder, `/`-separated. */
  id: string;
  /** Name of the layer from the config, or null when no layer includes the module. */
  layer: string | null;
}

export interface ModuleEdge {
  /** The importing module. */
  from: string;
  /** The imported module. */
  to: string;
  kind: EdgeKind;
  /** True when the import is erased by compilation (all its bindings are used only as types). */
  typeOnly: boolean;
}

/**
 * An edge with what the analyser decided about it, so that views present these facts and never decide them
 * again. Both are false for an import erased at compile time.
 */
export interface DecidedEdge extends ModuleEdge {
  /** The importer's layer sits below the imported module's: a layer violation. */
  upward: boolean;
  /** Both ends are in one runtime import cycle. */
  inCycle: boolean;
}

export interface ModuleGraph {
  modules: ModuleNode[];
  edges: ModuleEdge[];
}

/** A runtime edge survives compilation: it is evaluated when the importer runs. */
export function isRuntimeEdge(edge: Pick<ModuleEdge, 'typeOnly'>): boolean {
  return !edge.typeOnly;
}

/**
 * Adjacency of the runtime edges: for each module id, the ids it imports (callees), sorted and deduplicated.
 * Edges to modules outside the graph are dropped.
 */
export function runtimeAdjacency(graph: ModuleGraph): Map<string, string[]> {
  const adjacency = new Map<string, Set<string>>();
  for (const module of graph.modules) adjacency.set(module.id, new Set());
  for (const edge of graph.edges) {
    if (!isRuntimeEdge(edge) || !adjacency.has(edge.to)) continue;
    adjacency.get(edge.from)?.add(edge.to);
  }
  const sorted = new Map<string, string[]>();
  for (const [id, targets] of adjacency) sorted.set(id, [...targets].sort(compareIds));
  return sorted;
}

/** Reverses an adjacency: for each module, the modules that import it (callers). */
export function reverseAdjacency(adjacency: Map<string, string[]>): Map<string, string[]> {
  const reversed = new Map<string, string[]>();
  for (const id of adjacency.keys()) reversed.set(id, []);
  for (const [from, targets] of adjacency) {
    for (const to of targets) reversed.get(to)?.push(from);
  }
  for (const callers of reversed.values()) callers.sort(compareIds);
  return reversed;
}

/** The ids reachable from `starts` (themselves included) through `next`. */
export function reachableFrom(starts: Iterable<string>, next: (id: string) => Iterable<string>): Set<string> {
  const reached = new Set<string>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const to of next(id)) stack.push(to);
  }
  return reached;
}

/** The order every deterministic listing of ids uses: code-unit order, so it never depends on the locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
