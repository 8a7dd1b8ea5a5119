// A call into a module counts itself on the version while it runs, until its promise settles: draining waits on
// that count (synchronous calls need none: none can be running when a reload commits). Calls come in through the
// module's boundary, the async functions it exports and the async methods of the classes and objects it exports
// (ES exports, or CommonJS's `exports.x =` and `module.exports =`): only those count, so the async functions a
// module keeps to itself (a handler written inline, a callback) cost nothing. An exported async function of a
// stateful module also waits at the version's gate while the module is suspended for its swap. The counter's
// names are the generated code's protocol (modules/call-counter.ts).
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

/** Marks the module's boundary: the async functions its top level exports, directly or as methods. */
export function markBoundaries(state: RewriteState, body: readonly Node[]): void {
  const exported = new Set<string>();
  for (const statement of body) {
    if (statement.type === 'ExportNamedDeclaration' && !statement.source)
      for (const specifier of statement.specifiers ?? []) if (specifier.local?.type === 'Identifier') exported.add(specifier.local.name);
    if (statement.type === 'ExportDefaultDeclaration' && statement.declaration.type === 'Identifier') exported.add(statement.declaration.name);
  }
  const mark = (node: Node | null | undefined) => markValue(state.boundaries, node);
  for (const statement of body) {
    if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration')
      markDeclaration(state.boundaries, statement.declaration, undefined);
    else markDeclaration(state.boundaries, statement, exported);
    if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'AssignmentExpression') continue;
    // CommonJS: `exports.x = …`, `module.exports.x = …`, `module.exports = …`.
    if (isExportsTarget(statement.expression.left)) mark(statement.expression.right);
  }
}

/** A declaration's exported async functions; with `names`, only the declarations of those names. */
function markDeclaration(boundaries: Set<Node>, node: Node | null | undefined, names: ReadonlySet<string> | undefined): void {
  if (!node) return;
  const named = (id: Node | null | undefined) => !names || (id?.type === 'Identifier' && names.has(id.name));
  if (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') {
    if (named(node.id)) markValue(boundaries, node);
  } else if (node.type === 'VariableDeclaration') {
    for (const declarator of node.declarations) if (named(declarator.id)) markValue(boundaries, declarator.init);
  } else if (!names) {
    markValue(boundaries, node);
  }
}

function markValue(boundaries: Set<Node>, node: Node | null | undefined): void {
  if (!node) return;
  while (node.type === 'ParenthesizedExpression') node = node.expression as Node;
  switch (node.type) {
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (node.async && !node.generator) boundaries.add(node);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression':
      for (const member of node.body.body) if (member.type === 'MethodDefinition' && member.kind === 'method') markValue(boundaries, member.value);
      return;
    case 'ObjectExpression':
      for (const property of node.properties) if (property.type === 'Property' && property.kind === 'init') markValue(boundaries, property.value);
      return;
  }
}

/** `exports.x`, `module.exports`, `module.exports.x`. */
function isExportsTarget(node: Node): boolean {
  if (node.type !== 'MemberExpression') return false;
  const object: Node = node.object;
  if (object.type === 'Identifier' && object.name === 'exports') return true;
  if (object.type === 'Identifier' && object.name === 'module') return !node.computed && node.property.name === 'exports';
  return isExportsTarget(object) && object.object.type === 'Identifier' && object.object.name === 'module';
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
