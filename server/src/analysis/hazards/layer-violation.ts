import type { FileContext } from '../file-context';
import type { GraphFacts, ResolvedImport } from '../graph-facts';
import { say } from '../errors';

/** Reports each runtime import of this file that reaches a layer above the file's own. */
export function checkLayers(context: FileContext, imports: readonly ResolvedImport[], facts: GraphFacts): void {
  const fromLayer = facts.layers.layerOf(context.id);
  if (fromLayer === null) return;
  for (const record of imports) {
    if (record.typeOnly || record.target === undefined) continue;
    const toLayer = facts.layers.layerOf(record.target);
    if (!facts.layers.goesUp(fromLayer, toLayer)) continue;
    const related = { ...facts.moduleStart(record.target), message: say.layerViolationTarget(fromLayer) };
    context.report('layer-violation', record.node, say.layerViolation(fromLayer, toLayer!, record.target), [related]);
  }
}
