// Node's evaluation order for the versions a load makes: depth first from the entry over each module's imports
// in source order (and the modules it reached otherwise), post-order, so a cycle loads the way it first loaded.
import type { ModuleRecord, ModuleVersion } from './module';

/** What the order is computed from: the records, and the static imports each version resolved. */
export interface ModuleGraph {
  readonly records: ReadonlyMap<string, ModuleRecord>;
  readonly linker: { staticImportsOf(version: ModuleVersion): ModuleRecord[] };
}

/**
 * The order a load evaluates its new versions in: Node's, depth first from the entry over each module's
 * imports in source order (and the modules it loaded otherwise), post-order. Versions the walk from the entry
 * does not reach follow, in the order they first evaluated.
 */
export function evaluationOrder(
  registry: ModuleGraph,
  versions: ReadonlyMap<string, ModuleVersion>,
  entry: ModuleRecord | undefined,
): ModuleVersion[] {
  const order: ModuleVersion[] = [];
  const visited = new Set<string>();
  const dependenciesOf = (record: ModuleRecord): ModuleRecord[] => {
    const version = versions.get(record.id) ?? record.current;
    if (!version) return [];
    const deps = registry.linker.staticImportsOf(version);
    // What the live version reached otherwise (a require, a package's import of an app file) comes after.
    for (const [id] of record.current?.edges ?? []) {
      const other = registry.records.get(id);
      if (other && !deps.includes(other)) deps.push(other);
    }
    for (const [id] of version.edges) {
      const other = registry.records.get(id);
      if (other && !deps.includes(other)) deps.push(other);
    }
    return deps;
  };
  const walk = (root: ModuleRecord) => {
    if (visited.has(root.id)) return;
    visited.add(root.id);
    const stack: Array<{ record: ModuleRecord; deps: ModuleRecord[]; next: number }> = [{ record: root, deps: dependenciesOf(root), next: 0 }];
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      if (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next++]!;
        if (visited.has(dep.id)) continue;
        visited.add(dep.id);
        stack.push({ record: dep, deps: dependenciesOf(dep), next: 0 });
        continue;
      }
      stack.pop();
      const made = versions.get(frame.record.id);
      if (made) order.push(made);
    }
  };
  if (entry) walk(entry);
  const rest = [...versions.values()].filter((version) => !visited.has(version.id));
  rest.sort((a, b) => a.record.evaluationIndex - b.record.evaluationIndex || (a.id < b.id ? -1 : 1));
  for (const version of rest) walk(version.record);
  return order;
}
