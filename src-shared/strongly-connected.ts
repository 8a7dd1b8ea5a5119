import { compareIds } from './module-graph';

/**
 * Strongly connected components by Tarjan's algorithm, iterative so that a 50k-module chain cannot
 * overflow the stack. Each component's ids are sorted. Tarjan emits a component once every component
 * reachable from it is emitted, so the list is callees-first: a component comes after those it imports.
 */
export function stronglyConnectedComponents(adjacency: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  const roots = [...adjacency.keys()].sort(compareIds);
  for (const root of roots) {
    if (index.has(root)) continue;
    // Each frame is a node and the position of the next successor to visit.
    const frames: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter);
    counter++;
    stack.push(root);
    onStack.add(root);

    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const successors = adjacency.get(frame.id) ?? [];
      if (frame.next < successors.length) {
        const successor = successors[frame.next++]!;
        if (!adjacency.has(successor)) continue;
        if (!index.has(successor)) {
          index.set(successor, counter);
          lowLink.set(successor, counter);
          counter++;
          stack.push(successor);
          onStack.add(successor);
          frames.push({ id: successor, next: 0 });
        } else if (onStack.has(successor)) {
          lowLink.set(frame.id, Math.min(lowLink.get(frame.id)!, index.get(successor)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id)!, lowLink.get(frame.id)!));
      if (lowLink.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component.sort(compareIds));
      }
    }
  }
  return components;
}

/**
 * The cycles of a graph: components of more than one module. A module that imports itself is not one: it
 * reloads as the unit it is, and its own import gets its new namespace. Sorted by their first id so the listing
 * is stable.
 */
export function findCycles(adjacency: Map<string, string[]>): string[][] {
  return stronglyConnectedComponents(adjacency)
    .filter((component) => component.length > 1)
    .sort((a, b) => compareIds(a[0]!, b[0]!));
}

/**
 * The shortest import path from `from` to `to`, both ends included, staying inside `within` when given;
 * undefined when there is none. Names a cycle: the path from an import's target back to its importer.
 */
export function shortestPath(adjacency: Map<string, string[]>, from: string, to: string, within?: ReadonlySet<string>): string[] | undefined {
  if (from === to) return [from];
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head]!;
    for (const next of adjacency.get(current) ?? []) {
      if (seen.has(next) || (within && !within.has(next))) continue;
      seen.add(next);
      previous.set(next, current);
      if (next === to) {
        const path = [to];
        for (let step = previous.get(to); step !== undefined; step = previous.get(step)) path.push(step);
        return path.reverse();
      }
      queue.push(next);
    }
  }
  return undefined;
}
