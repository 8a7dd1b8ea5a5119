import type { FindingSink } from '../file-context';
import type { GraphFacts, ResolvedImport } from '../graph-facts';
import { say } from '../errors';

/** Reports each runtime import of module `id` that reaches a layer above the module's own. */
export function checkLayers(id: string, imports: readonly ResolvedImport[], facts: GraphFacts, sink: FindingSink): void {
  const fromLayer = facts.layers.layerOf(id);
  if (fromLayer === null) return;
  for (const record of imports) {
    if (record.target === undefined || !facts.goesUp({ from: id, to: record.target, typeOnly: record.typeOnly })) continue;
    const toLayer = facts.layers.layerOf(record.target);
    const related = { ...facts.moduleStart(record.target), message: say.layerViolationTarget(fromLayer) };
    sink.report('layer-violation', record.node, say.layerViolation(fromLayer, toLayer!, record.target), [related]);
  }
}
