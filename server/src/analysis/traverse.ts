import { ts } from './typescript';

/** What `enter` returns: `skip` leaves the node's children out, `stop` ends the walk. */
export type Step = void | 'skip' | 'stop';

/**
 * Visits every node below `root` in source order (pre-order), with a stack of its own instead of the call
 * stack: a generated file thousands of levels deep (a 4,000-term concatenation) cannot overflow it.
 */
export function forEachNode(root: ts.Node, enter: (node: ts.Node) => Step): void {
  const stack: ts.Node[] = [];
  const pushChildren = (node: ts.Node) => {
    const start = stack.length;
    ts.forEachChild(node, (child) => {
      stack.push(child);
    });
    // Children were pushed in source order; reversed, the first is popped first.
    for (let low = start, high = stack.length - 1; low < high; low++, high--) [stack[low], stack[high]] = [stack[high]!, stack[low]!];
  };
  pushChildren(root);
  while (stack.length > 0) {
    const node = stack.pop()!;
    const step = enter(node);
    if (step === 'stop') return;
    if (step !== 'skip') pushChildren(node);
  }
}
