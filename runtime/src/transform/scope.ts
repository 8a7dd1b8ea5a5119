// Which identifiers of a module refer to its imports. An import binding can be shadowed by any declaration
// in an inner scope (a parameter, a `let`, a function's own name, a catch clause), and `var` and function
// declarations are hoisted, so the declarations of every scope are collected before references are resolved.
// Only names that some import declares are tracked: nothing else can be shadowing one.

export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: any;
}

/** The child keys of each ESTree node type, in source order. */
export const childKeys: Record<string, readonly string[]> = {
  Program: ['body'],
  ExpressionStatement: ['expression'],
  BlockStatement: ['body'],
  StaticBlock: ['body'],
  WithStatement: ['object', 'body'],
  ReturnStatement: ['argument'],
  LabeledStatement: ['body'],
  IfStatement: ['test', 'consequent', 'alternate'],
  SwitchStatement: ['discriminant', 'cases'],
  SwitchCase: ['test', 'consequent'],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  CatchClause: ['param', 'body'],
  WhileStatement: ['test', 'body'],
  DoWhileStatement: ['body', 'test'],
  ForStatement: ['init', 'test', 'update', 'body'],
  ForInStatement: ['left', 'right', 'body'],
  ForOfStatement: ['left', 'right', 'body'],
  FunctionDeclaration: ['id', 'params', 'body'],
  FunctionExpression: ['id', 'params', 'body'],
  ArrowFunctionExpression: ['params', 'body'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  ArrayExpression: ['elements'],
  ObjectExpression: ['properties'],
  Property: ['key', 'value'],
  YieldExpression: ['argument'],
  AwaitExpression: ['argument'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  AssignmentExpression: ['left', 'right'],
  LogicalExpression: ['left', 'right'],
  MemberExpression: ['object', 'property'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  CallExpression: ['callee', 'arguments'],
  NewExpression: ['callee', 'arguments'],
  SequenceExpression: ['expressions'],
  TemplateLiteral: ['quasis', 'expressions'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  ClassDeclaration: ['decorators', 'id', 'superClass', 'body'],
  ClassExpression: ['decorators', 'id', 'superClass', 'body'],
  ClassBody: ['body'],
  MethodDefinition: ['decorators', 'key', 'value'],
  PropertyDefinition: ['decorators', 'key', 'value'],
  AccessorProperty: ['decorators', 'key', 'value'],
  Decorator: ['expression'],
  ImportExpression: ['source', 'options'],
  ChainExpression: ['expression'],
  ParenthesizedExpression: ['expression'],
  SpreadElement: ['argument'],
  RestElement: ['argument'],
  AssignmentPattern: ['left', 'right'],
  ObjectPattern: ['properties'],
  ArrayPattern: ['elements'],
  ExportNamedDeclaration: ['declaration', 'specifiers', 'source'],
  ExportDefaultDeclaration: ['declaration'],
  ExportAllDeclaration: ['source'],
  ImportDeclaration: ['specifiers', 'source'],
};

/** Calls `visit` on each child node of `node`, in source order. */
export function forEachChild(node: Node, visit: (child: Node) => void): void {
  const keys = childKeys[node.type];
  if (!keys) return;
  for (const key of keys) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') visit(child);
    } else if (value && typeof value.type === 'string') {
      visit(value);
    }
  }
}

export class Scope {
  private names: Set<string> | undefined;

  constructor(
    readonly parent: Scope | undefined,
    /** Function scopes receive `var` declarations from the blocks inside them. */
    readonly isFunction: boolean,
  ) {}

  declare(name: string): void {
    (this.names ??= new Set()).add(name);
  }

  /** Whether `name` is declared in this scope or one between it and the module scope. */
  shadows(name: string): boolean {
    for (let scope: Scope | undefined = this; scope?.parent; scope = scope.parent) {
      if (scope.names?.has(name)) return true;
    }
    return false;
  }

  functionScope(): Scope {
    let scope: Scope = this;
    while (!scope.isFunction && scope.parent) scope = scope.parent;
    return scope;
  }
}

/**
 * Collects the declarations of every scope below the module scope that declare one of `tracked`; returns
 * the scope each scope-making node opens. Iterative, so a deeply nested file cannot overflow the stack.
 */
export function collectScopes(program: Node, moduleScope: Scope, tracked: ReadonlySet<string>): Map<Node, Scope> {
  const scopes = new Map<Node, Scope>();
  const stack: Array<[Node, Scope]> = [[program, moduleScope]];
  const declare = (pattern: Node | null, scope: Scope) => declarePattern(pattern, scope, tracked);
  const open = (node: Node, parent: Scope, isFunction: boolean) => {
    const scope = new Scope(parent, isFunction);
    scopes.set(node, scope);
    return scope;
  };
  while (stack.length > 0) {
    const [node, scope] = stack.pop()!;
    const inner = declareIn(node, scope, open, declare);
    const children: Node[] = [];
    forEachChild(node, (child) => children.push(child));
    for (let index = children.length - 1; index >= 0; index--) stack.push([children[index]!, inner]);
  }
  return scopes;
}

/** Declares what `node` binds; returns the scope its children are in (one it opens, or `scope`). */
function declareIn(
  node: Node,
  scope: Scope,
  open: (node: Node, parent: Scope, isFunction: boolean) => Scope,
  declare: (pattern: Node | null, scope: Scope) => void,
): Scope {
  switch (node.type) {
    case 'VariableDeclaration':
      for (const declarator of node.declarations) declare(declarator.id, node.kind === 'var' ? scope.functionScope() : scope);
      return scope;
    case 'FunctionDeclaration': {
      if (node.id) declare(node.id, scope);
      const inner = open(node, scope, true);
      for (const param of node.params) declare(param, inner);
      return inner;
    }
    case 'FunctionExpression':
    case 'ArrowFunctionExpression': {
      const inner = open(node, scope, true);
      if (node.id) declare(node.id, inner);
      for (const param of node.params) declare(param, inner);
      return inner;
    }
    case 'ClassDeclaration':
      if (node.id) declare(node.id, scope);
      return scope;
    case 'ClassExpression': {
      const inner = open(node, scope, false);
      if (node.id) declare(node.id, inner);
      return inner;
    }
    case 'StaticBlock':
      return open(node, scope, true);
    case 'CatchClause': {
      const inner = open(node, scope, false);
      if (node.param) declare(node.param, inner);
      return inner;
    }
    case 'BlockStatement':
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement':
    case 'SwitchStatement':
      return open(node, scope, false);
    default:
      return scope;
  }
}

/** Declares in `scope` the names of a binding pattern that are `tracked`. */
function declarePattern(pattern: Node | null, scope: Scope, tracked: ReadonlySet<string>): void {
  const patterns = [pattern];
  while (patterns.length > 0) {
    const node = patterns.pop();
    if (!node) continue;
    switch (node.type) {
      case 'Identifier':
        if (tracked.has(node.name)) scope.declare(node.name);
        break;
      case 'ObjectPattern':
        for (const property of node.properties) patterns.push(property.type === 'RestElement' ? property.argument : property.value);
        break;
      case 'ArrayPattern':
        patterns.push(...node.elements);
        break;
      case 'AssignmentPattern':
        patterns.push(node.left);
        break;
      case 'RestElement':
        patterns.push(node.argument);
        break;
    }
  }
}
