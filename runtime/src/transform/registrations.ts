// Which imports a module hands its own code to as it loads: a call on an imported binding, at the top level or
// as a registration in one of its functions, that is given one of the module's functions, classes or objects
// holding functions (`router.get('/users', list)`, `app.use(middleware)`, `handlers.push(onJob)`,
// `register({ handler() {} })`). The object behind the import
// (a router, an app, a registry another module made) keeps this version's code after the module runs again, and
// a fresh start would hold only the new code: a reload of this module runs the module that made it too.
import type { ImportBinding } from './rewrite-state';
import type { Node } from './scope';

const functionLike = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression']);

/**
 * Inside a function (one the top level of this module or of another may call: `registerUsers()`), only calls
 * that read as registrations count: a service's `db.transaction(async (tx) => …)` hands over a callback too, but
 * nothing keeps it.
 */
const registering =
  /^(?:use|get|post|put|patch|delete|del|all|options|head|route|push|unshift|set|on|once|subscribe|handle|define|decorate|mount|register|add)$|^(?:register|add|on|prepend)[A-Z]/;

/** The import indices a module hands its own code to as it loads, sorted. */
export function registrationsOf(body: readonly Node[], imports: ReadonlyMap<string, ImportBinding>): number[] {
  const own = topLevelNames(body);
  const found = new Set<number>();
  const visitStatement = (statement: Node | null | undefined, inFunction: boolean): void => {
    if (!statement) return;
    if (statement.type === 'ExpressionStatement') visitExpression(statement.expression, inFunction);
    else if (statement.type === 'BlockStatement') statement.body.forEach((each: Node) => visitStatement(each, inFunction));
    else if (statement.type === 'IfStatement') {
      visitStatement(statement.consequent, inFunction);
      visitStatement(statement.alternate, inFunction);
    } else if (statement.type === 'TryStatement') {
      visitStatement(statement.block, inFunction);
      visitStatement(statement.handler?.body, inFunction);
      visitStatement(statement.finalizer, inFunction);
    } else if (statement.type === 'LabeledStatement') visitStatement(statement.body, inFunction);
  };
  const visitExpression = (expression: Node | null | undefined, inFunction: boolean): void => {
    const node = beneath(expression);
    if (!node) return;
    if (node.type === 'SequenceExpression') return node.expressions.forEach((each: Node) => visitExpression(each, inFunction));
    if (node.type !== 'CallExpression') return;
    const root = rootOf(node.callee);
    const binding = root && imports.get(root);
    const named = !inFunction || registering.test(calledName(node.callee) ?? '');
    if (binding && named && node.arguments.some((argument: Node) => isOwnCode(argument, own))) found.add(binding.index);
    // A chain (`router.get(…).post(…)`) calls on the same object.
    visitExpression(calleeObject(node.callee), inFunction);
  };
  for (const each of body) {
    const statement = each.type === 'ExportNamedDeclaration' || each.type === 'ExportDefaultDeclaration' ? each.declaration : each;
    if (!statement) continue;
    visitStatement(statement, false);
    for (const inner of functionBodies(statement)) visitStatement(inner, true);
  }
  return [...found].sort((a, b) => a - b);
}

/** The bodies of the functions a top-level statement declares (`function f() {…}`, `const f = () => …`). */
function functionBodies(statement: Node): Node[] {
  if (statement.type === 'FunctionDeclaration' && statement.body) return [statement.body];
  if (statement.type !== 'VariableDeclaration') return [];
  return statement.declarations.flatMap((declarator: Node) => {
    const init = beneath(declarator.init);
    if (!init || (init.type !== 'FunctionExpression' && init.type !== 'ArrowFunctionExpression')) return [];
    return [init.body.type === 'BlockStatement' ? init.body : { type: 'ExpressionStatement', expression: init.body }];
  });
}

/** The name a call calls: `get` of `router.get(…)`, `register` of `register(…)`. */
function calledName(callee: Node): string | undefined {
  const node = beneath(callee);
  if (node?.type === 'Identifier') return node.name;
  if (node?.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') return node.property.name;
  return undefined;
}

/** The expression beneath parentheses, an optional chain and `await` (`await app.register(…)` registers on `app`). */
function beneath(node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  while (current && (current.type === 'ParenthesizedExpression' || current.type === 'ChainExpression' || current.type === 'AwaitExpression'))
    current = current.type === 'AwaitExpression' ? current.argument : current.expression;
  return current;
}

/** The identifier a callee's member chain starts from (`router` of `router.route('/').get`). */
function rootOf(callee: Node): string | undefined {
  let node = beneath(callee);
  while (node && (node.type === 'MemberExpression' || node.type === 'CallExpression'))
    node = beneath(node.type === 'MemberExpression' ? node.object : node.callee);
  return node?.type === 'Identifier' ? node.name : undefined;
}

function calleeObject(callee: Node): Node | undefined {
  const node = beneath(callee);
  return node?.type === 'MemberExpression' ? node.object : undefined;
}

/**
 * Code written in this module: a function, class or object with methods, a top-level function or class it
 * declares (or an instance of one), a method of one (`controller.list`), or a wrapper's call around any of them
 * (`asyncHandler(async (req, res) => …)`).
 */
function isOwnCode(argument: Node, own: ReadonlySet<string>): boolean {
  const node = beneath(argument);
  if (!node) return false;
  if (functionLike.has(node.type)) return true;
  if (node.type === 'Identifier') return own.has(node.name);
  if (node.type === 'MemberExpression') {
    const root = rootOf(node);
    return root !== undefined && own.has(root);
  }
  if (node.type === 'CallExpression') return node.arguments.some((inner: Node) => isOwnCode(inner, own));
  if (node.type === 'ObjectExpression')
    return node.properties.some((property: Node) => property.type === 'Property' && (property.method || isOwnCode(property.value, own)));
  return false;
}

/** Functions and classes the module declares at its top level, and variables holding one or an instance of one. */
function topLevelNames(body: readonly Node[]): Set<string> {
  const names = new Set<string>();
  const statements = body.map((each) =>
    each.type === 'ExportNamedDeclaration' || each.type === 'ExportDefaultDeclaration' ? each.declaration : each,
  );
  for (const statement of statements) {
    if ((statement?.type === 'FunctionDeclaration' || statement?.type === 'ClassDeclaration') && statement.id) names.add(statement.id.name);
  }
  for (const statement of statements) {
    if (statement?.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      const init = beneath(declarator.init);
      if (declarator.id.type !== 'Identifier' || !init) continue;
      const instance = init.type === 'NewExpression' && init.callee.type === 'Identifier' && names.has(init.callee.name);
      if (functionLike.has(init.type) || instance) names.add(declarator.id.name);
    }
  }
  return names;
}
