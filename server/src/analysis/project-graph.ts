import type { LayerMap } from '../../../src-shared/layers';
import { compareIds, type ModuleEdge, type ModuleGraph, type ModuleNode } from '../../../src-shared/module-graph';
import type { RelatedLocation } from './file-context';
import { GraphFacts } from './graph-facts';

/** What the graph needs to know of the project's modules; the analysis answers. */
export interface GraphSource {
  /** Moves whenever a module appears or disappears. */
  membership(): number;
  /** Absolute paths of the modules, in file order and in id order, with the graph's nodes. */
  listing(): { files: readonly string[]; byId: readonly string[]; modules: ModuleNode[] };
  has(file: string): boolean;
  idOf(file: string): string;
  fileOf(id: string): string;
  /** A module's imports of other modules of the project (`target`), at its current text. */
  importsOf(file: string): ReadonlyArray<Pick<ModuleEdge, 'kind' | 'typeOnly'> & { target: string | undefined }>;
  /** Where `from` first imports `to` at run time, for related locations. */
  importSite(from: string, to: string): RelatedLocation | undefined;
  layers: LayerMap;
}

/** A module's edges, sorted, and their signature: an edit that keeps the signature keeps the graph. */
interface ModuleEdges {
  signature: string;
  edges: ModuleEdge[];
}

/** The graph of every module's imports at one module set, with its facts. */
export interface GraphState {
  membership: number;
  graph: ModuleGraph;
  facts: GraphFacts;
  /** For each module id, the edges that reach it, built on first use. */
  incoming?: Map<string, ModuleEdge[]>;
}

/**
 * The project's module graph, kept across edits: an edit re-collects the edited module's imports, and only
 * when they reach other modules than before is the graph (and its cycles) rebuilt. It remembers which
 * modules' graph findings changed, for an editor to publish them again.
 */
export class ProjectGraph {
  private readonly edges = new Map<string, ModuleEdges>();
  /** Modules whose text changed since the graph was last brought up to date. */
  private readonly edited = new Set<string>();
  /** Ids of the modules whose graph findings (own edges, cycle) changed since `takeChanges`. */
  private readonly changes = new Set<string>();
  private state: GraphState | undefined;

  constructor(private readonly source: GraphSource) {}

  /** A module's text changed: its edges are collected again at the next query. */
  markEdited(file: string): void {
    this.edited.add(file);
  }

  /** A module was deleted. */
  forget(file: string): void {
    this.edited.delete(file);
  }

  /** The graph and its facts, brought up to date with the edits since the last call. */
  current(): GraphState {
    const membership = this.source.membership();
    if (this.state?.membership === membership) {
      let changed = false;
      for (const file of this.edited) changed = this.refreshEdges(file) || changed;
      this.edited.clear();
      if (!changed) return this.state;
    } else {
      this.edited.clear();
      for (const file of this.edges.keys()) if (!this.source.has(file)) this.edges.delete(file);
      for (const file of this.source.listing().files) this.refreshEdges(file);
    }
    const listing = this.source.listing();
    const graph = { modules: listing.modules, edges: listing.byId.flatMap((file) => this.edges.get(file)?.edges ?? []) };
    const facts = this.factsOf(graph);
    if (this.state) for (const id of changedCycles(this.state.facts, facts)) this.changes.add(id);
    this.state = { membership, graph, facts };
    return this.state;
  }

  /** Absolute paths of the modules whose graph findings may have changed since the last call. */
  takeChanges(): string[] {
    this.current();
    const files = [...this.changes].map((id) => this.source.fileOf(id)).filter((file) => this.source.has(file));
    this.changes.clear();
    return files.sort();
  }

  /** For each module id, the edges that reach it. */
  incoming(): Map<string, ModuleEdge[]> {
    const state = this.current();
    if (!state.incoming) {
      state.incoming = new Map();
      for (const edge of state.graph.edges) {
        const edges = state.incoming.get(edge.to);
        if (edges) edges.push(edge);
        else state.incoming.set(edge.to, [edge]);
      }
    }
    return state.incoming;
  }

  /**
   * Facts over some modules only: the graph of `files` and the imports between them. For a module whose every
   * import target is among them (a set closed under imports), its cycle and its layer findings are the ones
   * the whole graph gives: a cycle through a module lies within what the module reaches.
   */
  factsOver(files: readonly string[]): GraphFacts {
    const included = new Set(files);
    const listing = this.source.listing();
    const ids = new Set(files.map((file) => this.source.idOf(file)));
    const graph = {
      modules: listing.modules.filter((module) => ids.has(module.id)),
      edges: listing.byId.filter((file) => included.has(file)).flatMap((file) => this.edgesOf(file).edges),
    };
    return this.factsOf(graph);
  }

  private factsOf(graph: ModuleGraph): GraphFacts {
    return new GraphFacts(
      graph,
      this.source.layers,
      (from, to) => this.source.importSite(from, to),
      (id) => ({ file: this.source.fileOf(id), line: 1, column: 1, message: '' }),
    );
  }

  /** A module's edges to other modules of the project, sorted, with their signature. */
  private edgesOf(file: string): ModuleEdges {
    const id = this.source.idOf(file);
    const unique = new Map<string, ModuleEdge>();
    for (const record of this.source.importsOf(file)) {
      if (record.target === undefined) continue;
      const edge = { from: id, to: record.target, kind: record.kind, typeOnly: record.typeOnly };
      unique.set(edgeKey(edge), edge);
    }
    const edges = [...unique.values()].sort(
      (a, b) => compareIds(a.to, b.to) || compareIds(a.kind, b.kind) || Number(a.typeOnly) - Number(b.typeOnly),
    );
    return { signature: edges.map(edgeKey).join('\n'), edges };
  }

  /** Re-collects a module's edges; true when they differ from the ones the graph holds. */
  private refreshEdges(file: string): boolean {
    const next = this.edgesOf(file);
    const previous = this.edges.get(file);
    this.edges.set(file, next);
    if (previous?.signature === next.signature) return false;
    if (this.state) this.changes.add(this.source.idOf(file));
    return true;
  }
}

function edgeKey(edge: ModuleEdge): string {
  return `${edge.from}\u0000${edge.to}\u0000${edge.kind}\u0000${edge.typeOnly}`;
}

/** The modules whose cycle is not the same set of modules in both graphs. */
function changedCycles(before: GraphFacts, after: GraphFacts): string[] {
  const keys = new Map<ReadonlySet<string>, string>();
  const keyOf = (members: ReadonlySet<string> | undefined) => {
    if (!members) return '';
    let key = keys.get(members);
    if (key === undefined) keys.set(members, (key = [...members].sort(compareIds).join('\u0000')));
    return key;
  };
  const ids = new Set([...before.cycleOf.keys(), ...after.cycleOf.keys()]);
  return [...ids].filter((id) => keyOf(before.cycleOf.get(id)) !== keyOf(after.cycleOf.get(id)));
}
