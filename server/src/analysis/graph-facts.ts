import { isRuntimeEdge, runtimeAdjacency, type DecidedEdge, type ModuleEdge, type ModuleGraph } from '../../../src-shared/module-graph';
import { findCycles } from '../../../src-shared/strongly-connected';
import type { LayerMap } from '../../../src-shared/layers';
import type { RelatedLocation } from './file-context';
import type { ImportRecord } from './imports';

/** An import with the module it reaches, when that module is part of the project. */
export interface ResolvedImport extends ImportRecord {
  /** Module id of the target, or undefined for packages and unresolved specifiers. */
  target: string | undefined;
}

/** What the graph rules need, computed once per graph: runtime adjacency, cycles, layers, import sites. */
export class GraphFacts {
  readonly adjacency: Map<string, string[]>;
  /** For each module in a cycle, the set of modules of its cycle. */
  readonly cycleOf = new Map<string, ReadonlySet<string>>();
  readonly cycles: string[][];

  constructor(
    readonly graph: ModuleGraph,
    readonly layers: LayerMap,
    /** Where `from` imports `to`, for related locations. */
    readonly importSite: (from: string, to: string) => RelatedLocation | undefined,
    /** Where a module starts, for related locations. */
    readonly moduleStart: (id: string) => RelatedLocation,
  ) {
    this.adjacency = runtimeAdjacency(graph);
    this.cycles = findCycles(this.adjacency);
    for (const cycle of this.cycles) {
      const members = new Set(cycle);
      for (const id of cycle) this.cycleOf.set(id, members);
    }
  }

  /** A runtime import from a lower layer to a higher one: what `layer-violation` reports. */
  goesUp(edge: Pick<ModuleEdge, 'from' | 'to' | 'typeOnly'>): boolean {
    return isRuntimeEdge(edge) && this.layers.goesUp(this.layers.layerOf(edge.from), this.layers.layerOf(edge.to));
  }

  /** A runtime import between two modules of one cycle: what `import-cycle` reports. */
  closesCycle(edge: Pick<ModuleEdge, 'from' | 'to' | 'typeOnly'>): boolean {
    return isRuntimeEdge(edge) && edge.from !== edge.to && this.cycleOf.get(edge.from)?.has(edge.to) === true;
  }

  /** The graph's edges with both facts, as the rules decided them. */
  decidedEdges(): DecidedEdge[] {
    this.decided ??= this.graph.edges.map((edge) => ({ ...edge, upward: this.goesUp(edge), inCycle: this.closesCycle(edge) }));
    return this.decided;
  }

  private decided: DecidedEdge[] | undefined;
}
