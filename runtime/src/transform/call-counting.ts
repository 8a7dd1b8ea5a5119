// Every async function of a module counts itself on the version while it runs, until its promise settles:
// draining waits on that count (synchronous calls need none: none can be running when a reload commits). An
// exported async function of a stateful module also waits at the version's gate while the module is
// suspended for its swap. The counter's names are the generated code's protocol (modules/call-counter.ts).
import { binding, type RewriteState } from './rewrite-state';
import type { Node } from './scope';

/** Wraps an async function's body so that it counts itself on the version until its promise settles. */
export function countCalls(state: RewriteState, node: Node): void {
  state.countsCalls = true;
  const { counter } = binding;
  const enter = `${gateOf(state, node)}${counter}.n++;try{`;
  const exit = `}finally{${counter}.x()}`;
  const body: Node = node.body;
  if (body.type !== 'BlockStatement') {
    state.s.prependRight(body.start, `{${enter}return `);
    state.s.appendLeft(body.end, `;${exit}}`);
    return;
  }
  const directives = body.body.filter((statement: Node) => statement.directive !== undefined);
  const at = directives.length > 0 ? directives.at(-1)!.end : body.start + 1;
  if (at === body.end - 1) {
    // Nothing between the opening and the closing: one insertion, in order.
    state.s.appendLeft(at, enter + exit);
    return;
  }
  // Inner functions are wrapped before outer ones: openings go in front of what is already at an index,
  // closings after it, so a body ending where another ends closes in the right order.
  state.s.prependRight(at, enter);
  state.s.appendLeft(body.end - 1, exit);
}

/** The gate of an exported async function of a stateful module: while shut, the call is deferred. */
function gateOf(state: RewriteState, node: Node): string {
  const key = state.gates.get(node);
  if (key === undefined) return '';
  let args = 'arguments';
  if (node.type === 'ArrowFunctionExpression') {
    const simple = node.params.every(
      (param: Node) => param.type === 'Identifier' || (param.type === 'RestElement' && param.argument.type === 'Identifier'),
    );
    if (!simple) return '';
    args = `[${node.params.map((param: Node) => (param.type === 'RestElement' ? `...${param.argument.name}` : param.name)).join(',')}]`;
  }
  const self = node.type === 'ArrowFunctionExpression' ? 'undefined' : 'this';
  return `if(${binding.counter}.g)return ${binding.counter}.d(${JSON.stringify(key)},${self},${args});`;
}
