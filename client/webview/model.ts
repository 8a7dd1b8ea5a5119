// From the facts the extension sends (the language server's graph, the runtime's live status, the pending
// change set, the last reload) to what the panel shows, after the user's filters. Pure, tested in Node.
import type { ModuleStatus, ReloadResult } from '../../src-shared/control-protocol';
import type { FolderGraph } from '../../src-shared/lsp-protocol';
import { isRuntimeEdge } from '../../src-shared/module-graph';

/** What the extension posts to the panel. */
export interface GraphFacts {
  folders: FolderGraph[];
  /** The connected app's modules (ids relative to its project), when an app is connected. */
  runtime?: { project: string; modules: ModuleStatus[] };
  /** The pending change set's load order. */
  pending?: string[];
  last?: ReloadResult;
}

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

export function buildView(facts: GraphFacts, filters: Filters): GraphView | undefined {
  const graph = facts.folders.find((folder) => folder.folder === filters.folder) ?? facts.folders[0];
  if (!graph) return undefined;
  const layerIndex = new Map(graph.layers.map((layer, index) => [layer, index]));
  const cycleOf = new Map<string, number>();
  graph.cycles.forEach((cycle, index) => cycle.forEach((id) => cycleOf.set(id, index)));
  // The runtime names modules relative to its project; when that is a subfolder of the workspace folder,
  // the ids differ by that prefix.
  const prefix = facts.runtime ? relativePrefix(graph.folder, facts.runtime.project) : '';
  const live = new Map<string, ModuleStatus>((facts.runtime?.modules ?? []).map((module) => [prefix + module.id, module]));
  const pending = new Map((facts.pending ?? []).map((id, index) => [prefix + id, index + 1]));
  const last = new Map((facts.last?.outcome === 'committed' ? facts.last.loadOrder : []).map((id, index) => [prefix + id, index + 1]));
  const failedError = facts.last?.outcome === 'rolled-back' ? facts.last.error : undefined;
  const failed = failedError?.module ? prefix + failedError.module : undefined;
  const search = filters.search?.trim().toLowerCase();

  const isUpward = (from: string | null, to: string | null) =>
    from !== null && to !== null && (layerIndex.get(from) ?? -1) < (layerIndex.get(to) ?? -1);
  const layerOf = new Map(graph.modules.map((module) => [module.id, module.layer]));
  // An import erased at compile time neither breaks the layers nor closes a cycle: the server's rules say the same.
  const allEdges: ViewEdge[] = graph.edges.map((edge) => {
    const runtime = isRuntimeEdge(edge);
    return {
      from: edge.from,
      to: edge.to,
      upward: runtime && isUpward(layerOf.get(edge.from) ?? null, layerOf.get(edge.to) ?? null),
      cycle: runtime && cycleOf.has(edge.from) && cycleOf.get(edge.from) === cycleOf.get(edge.to),
      typeOnly: edge.typeOnly,
    };
  });
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
      inFlight: live.has(module.id) ? live.get(module.id)!.inFlight + live.get(module.id)!.retiring.reduce((sum, old) => sum + old.inFlight, 0) : undefined,
      pendingOrder: pending.get(module.id),
      lastOrder: last.get(module.id),
      failure: module.id === failed ? `${failedError!.phase}: ${failedError!.message}` : undefined,
      inCycle: cycleOf.has(module.id),
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
        groups.set(key, { ...module, id: key, label: `${directoryOf(module.id)}/`, uri: undefined, version: undefined, pendingOrder: undefined, lastOrder: undefined, failure: undefined });
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
      merged.set(key, known ? { ...known, upward: known.upward || edge.upward, cycle: known.cycle || edge.cycle, typeOnly: known.typeOnly && edge.typeOnly } : { ...edge, from, to });
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

/** `src/` when the runtime's project is the folder's `src` subfolder; empty when they are the same folder. */
function relativePrefix(folderUri: string, project: string): string {
  const folder = decodeURIComponent(folderUri.replace(/^file:\/\//, '')).replace(/\/$/, '');
  const projectPath = project.replace(/\\/g, '/').replace(/\/$/, '');
  return projectPath.startsWith(folder + '/') ? projectPath.slice(folder.length + 1) + '/' : '';
}
