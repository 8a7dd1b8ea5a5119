// From the facts the extension sends (src-shared/webview-protocol.ts: the language server's graph with its
// decided flags, the app's facts already in the folder's ids) to what the panel shows, after the user's
// filters. Presentation only: nothing here decides a violation or a cycle. Pure, tested in Node.
import type { PanelFacts } from '../../src-shared/webview-protocol';

export interface Filters {
  /** Folder URI; absent: the first folder. */
  folder?: string;
  /** Only this layer; absent: every layer. */
  layer?: string;
  search?: string;
  /** One node per directory. */
  collapseFolders?: boolean;
}

export interface ViewModule {
  id: string;
  label: string;
  layer: string | null;
  /** File URI to open; absent for a collapsed folder. */
  uri?: string;
  hazards: number;
  /** How many modules a collapsed folder holds (1 for a module). */
  size: number;
  version?: number;
  inFlight?: number;
  /** 1-based position in the pending change set's load order. */
  pendingOrder?: number;
  /** 1-based position in the last reload's load order, when it committed. */
  lastOrder?: number;
  /** Why the last reload rolled back, on the module that made it fail. */
  failure?: string;
  inCycle: boolean;
  matches: boolean;
}

export interface ViewEdge {
  from: string;
  to: string;
  /** Goes up the layers: a layer violation. */
  upward: boolean;
  /** Both ends in one import cycle. */
  cycle: boolean;
  typeOnly: boolean;
}

export interface GraphView {
  folder: string;
  layers: string[];
  modules: ViewModule[];
  edges: ViewEdge[];
  violations: number;
  cycles: number;
  configError?: string;
}

export function directoryOf(id: string): string {
  const slash = id.lastIndexOf('/');
  return slash < 0 ? '.' : id.slice(0, slash);
}

function basename(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

export function buildView(facts: PanelFacts, filters: Filters): GraphView | undefined {
  const graph = facts.folders.find((folder) => folder.folder === filters.folder) ?? facts.folders[0];
  if (!graph) return undefined;
  const inCycle = new Set(graph.cycles.flat());
  const live = new Map((graph.live ?? []).map((module) => [module.id, module]));
  const pending = new Map((graph.pending ?? []).map((id, index) => [id, index + 1]));
  const last = new Map((graph.last?.loadOrder ?? []).map((id, index) => [id, index + 1]));
  const failure = graph.last?.failure;
  const search = filters.search?.trim().toLowerCase();
  const allEdges: ViewEdge[] = graph.edges.map((edge) => ({
    from: edge.from,
    to: edge.to,
    upward: edge.upward,
    cycle: edge.inCycle,
    typeOnly: edge.typeOnly,
  }));
  let modules: ViewModule[] = graph.modules
    .filter((module) => !filters.layer || module.layer === filters.layer)
    .map((module) => ({
      id: module.id,
      label: basename(module.id),
      layer: module.layer,
      uri: module.uri,
      hazards: module.hazards,
      size: 1,
      version: live.get(module.id)?.version,
      inFlight: live.get(module.id)?.inFlight,
      pendingOrder: pending.get(module.id),
      lastOrder: last.get(module.id),
      failure: failure && module.id === failure.module ? failure.reason : undefined,
      inCycle: inCycle.has(module.id),
      matches: !search || module.id.toLowerCase().includes(search),
    }));
  const shown = new Set(modules.map((module) => module.id));
  let edges = allEdges.filter((edge) => shown.has(edge.from) && shown.has(edge.to));

  if (filters.collapseFolders) {
    const groups = new Map<string, ViewModule>();
    const groupOf = (module: ViewModule) => `${module.layer ?? ''}:${directoryOf(module.id)}`;
    for (const module of modules) {
      const key = groupOf(module);
      const group = groups.get(key);
      if (!group) {
        groups.set(key, {
          ...module,
          id: key,
          label: `${directoryOf(module.id)}/`,
          uri: undefined,
          version: undefined,
          pendingOrder: undefined,
          lastOrder: undefined,
          failure: undefined,
        });
        continue;
      }
      group.size++;
      group.hazards += module.hazards;
      group.inCycle ||= module.inCycle;
      group.matches ||= module.matches;
      if (module.inFlight !== undefined) group.inFlight = (group.inFlight ?? 0) + module.inFlight;
    }
    const keyOf = new Map(modules.map((module) => [module.id, groupOf(module)]));
    const merged = new Map<string, ViewEdge>();
    for (const edge of edges) {
      const from = keyOf.get(edge.from)!;
      const to = keyOf.get(edge.to)!;
      if (from === to) continue;
      const key = `${from}\u0000${to}`;
      const known = merged.get(key);
      merged.set(
        key,
        known
          ? { ...known, upward: known.upward || edge.upward, cycle: known.cycle || edge.cycle, typeOnly: known.typeOnly && edge.typeOnly }
          : { ...edge, from, to },
      );
    }
    modules = [...groups.values()];
    edges = [...merged.values()];
  }
  return {
    folder: graph.folder,
    layers: graph.layers,
    modules,
    edges,
    violations: allEdges.filter((edge) => edge.upward).length,
    cycles: graph.cycles.length,
    configError: graph.configError,
  };
}
