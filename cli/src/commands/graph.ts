import type { ProjectAnalysis } from '../../../server/src/analysis/analyzer';
import type { DecidedEdge, ModuleEdge, ModuleNode } from '../../../src-shared/module-graph';

/** `reloadable graph --format json`, as the README documents it. */
export interface GraphReport {
  version: 1;
  /** Layer names, bottom first, so views can order the bands. */
  layers: string[];
  modules: ModuleNode[];
  edges: ModuleEdge[];
  cycles: string[][];
  reloadOrder: { unload: string[]; load: string[] };
}

/**
 * The graph report. Without `changed`, the reload order covers every module; with it, the order of that
 * change set and of the modules that must run again with it.
 */
export function graphReport(analysis: ProjectAnalysis, changed?: readonly string[]): GraphReport {
  const graph = analysis.graph();
  const cycles = analysis.cycles();
  const order = changed && changed.length > 0 ? analysis.reloadPlan(changed) : analysis.reloadOrder();
  const layers = analysis.setup.config.layers.map((layer) => layer.name);
  return { version: 1, layers, modules: graph.modules, edges: graph.edges, cycles, reloadOrder: { unload: order.unload, load: order.load } };
}

/** The report the drawing formats take: its edges with the analyser's facts (layer violation, cycle). */
export interface DrawnGraph extends Omit<GraphReport, 'edges'> {
  edges: DecidedEdge[];
}

export function drawnGraph(analysis: ProjectAnalysis, report: GraphReport): DrawnGraph {
  return { ...report, edges: analysis.decidedEdges() };
}
