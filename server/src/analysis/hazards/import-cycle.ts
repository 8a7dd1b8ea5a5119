import { shortestPath } from '../../../../src-shared/strongly-connected';
import type { FindingSink, RelatedLocation } from '../file-context';
import type { GraphFacts, ResolvedImport } from '../graph-facts';
import { say } from '../errors';

/**
 * Reports each runtime import of module `id` that closes a cycle, naming the cycle from this module
 * through the import and back, with each step as a related location.
 */
export function checkCycles(id: string, imports: readonly ResolvedImport[], facts: GraphFacts, sink: FindingSink): void {
  const members = facts.cycleOf.get(id);
  if (!members) return;
  const reported = new Set<string>();
  for (const record of imports) {
    if (record.target === undefined || reported.has(record.target) || !facts.closesCycle({ from: id, to: record.target, typeOnly: record.typeOnly }))
      continue;
    reported.add(record.target);
    const back = shortestPath(facts.adjacency, record.target, id, members) ?? [record.target];
    const cycle = [id, ...back];
    const related: RelatedLocation[] = [];
    for (let i = 1; i + 1 < cycle.length; i++) {
      const site = facts.importSite(cycle[i]!, cycle[i + 1]!);
      if (site) related.push({ ...site, message: say.importCycleStep(cycle[i]!, cycle[i + 1]!) });
    }
    sink.report('import-cycle', record.node, say.importCycle(cycle.join(' → ')), related);
  }
}
