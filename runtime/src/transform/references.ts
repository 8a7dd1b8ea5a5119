// The walk over a module's code: every use of an imported binding becomes a read at the moment of use
// (`foo()` → `(0, __rl_i0.foo)()`), so a module that did not run again still reaches the newest version of what
// it imports, and every value keeps its identity (no stand-ins); `import.meta` and `import()` go through the
// registry; async functions count their calls. A binding shadowed in an inner scope is left alone. Nesting is
// bounded: a file nested deeper than that is refused (as a syntax error), never a stack overflow.
import { countCalls } from './call-counting';
import { member, unwrap } from './module-syntax';
import { binding, RewriteError, type RewriteState } from './rewrite-state';
import { forEachChild, type Node, type Scope } from './scope';

const maxDepth = 4000;

export class ReferenceWalk {
  constructor(private readonly state: RewriteState) {}

  visit(node: Node | null, scope: Scope, functionDepth: number, depth: number): void {
    if (!node) return;
    if (depth > maxDepth) throw new RewriteError(`nested more than ${maxDepth} levels deep`, node.start);
    const next = depth + 1;
    switch (node.type) {
      case 'Identifier':
        return this.reference(node, scope, false);
      case 'MemberExpression':
        this.visit(node.object, scope, functionDepth, next);
        if (node.computed) this.visit(node.property, scope, functionDepth, next);
        return;
      case 'CallExpression':
      case 'TaggedTemplateExpression':
        return this.call(node, scope, functionDepth, next);
      case 'Property':
        return this.property(node, scope, functionDepth, next);
      case 'MethodDefinition':
      case 'PropertyDefinition':
      case 'AccessorProperty':
        for (const decorator of node.decorators ?? []) this.visit(decorator, scope, functionDepth, next);
        if (node.computed) this.visit(node.key, scope, functionDepth, next);
        // A field's initialiser runs when an instance is made, not at the top level.
        return this.visit(node.value, scope, node.type === 'MethodDefinition' ? functionDepth : functionDepth + 1, next);
      case 'LabeledStatement':
        return this.visit(node.body, scope, functionDepth, next);
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'MetaProperty':
        if (node.meta.name === 'import') this.state.s.overwrite(node.start, node.end, `${binding.registry}.m`);
        return;
      case 'ImportExpression':
        this.state.s.overwrite(node.start, node.source.start, `${binding.registry}.d(`);
        this.visit(node.source, scope, functionDepth, next);
        return this.visit(node.options, scope, functionDepth, next);
      case 'AwaitExpression':
        if (functionDepth === 0) this.state.hasTopLevelAwait = true;
        return this.visit(node.argument, scope, functionDepth, next);
      case 'ForOfStatement':
        if (node.await && functionDepth === 0) this.state.hasTopLevelAwait = true;
        return this.loop(node, scope, functionDepth, next);
      case 'ForInStatement':
        return this.loop(node, scope, functionDepth, next);
      case 'VariableDeclaration':
        for (const declarator of node.declarations) {
          this.pattern(declarator.id, this.state.scopes.get(node) ?? scope, 'bind', functionDepth, next);
          this.visit(declarator.init, scope, functionDepth, next);
        }
        return;
      case 'AssignmentExpression':
        if (node.left.type === 'ObjectPattern' || node.left.type === 'ArrayPattern') this.pattern(node.left, scope, 'assign', functionDepth, next);
        else this.visit(node.left, scope, functionDepth, next);
        return this.visit(node.right, scope, functionDepth, next);
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return this.func(node, scope, next);
      default:
        return this.scoped(node, scope, functionDepth, next);
    }
  }

  /** Nodes that may open a scope of their own (classes, catch clauses, static blocks, blocks and loops). */
  private scoped(node: Node, scope: Scope, functionDepth: number, depth: number): void {
    const inner = this.state.scopes.get(node) ?? scope;
    switch (node.type) {
      case 'ClassDeclaration':
      case 'ClassExpression':
        for (const decorator of node.decorators ?? []) this.visit(decorator, scope, functionDepth, depth);
        this.visit(node.superClass, inner, functionDepth, depth);
        return this.visit(node.body, inner, functionDepth, depth);
      case 'CatchClause':
        this.pattern(node.param, inner, 'bind', functionDepth, depth);
        return this.visit(node.body, inner, functionDepth, depth);
      case 'StaticBlock':
        for (const statement of node.body) this.visit(statement, inner, functionDepth + 1, depth);
        return;
      default:
        forEachChild(node, (child) => this.visit(child, inner, functionDepth, depth));
    }
  }

  private call(node: Node, scope: Scope, functionDepth: number, depth: number): void {
    const callee = node.type === 'CallExpression' ? node.callee : node.tag;
    const bare = unwrap(callee);
    if (bare.type === 'Identifier') this.reference(bare, scope, true);
    else this.visit(callee, scope, functionDepth, depth);
    if (node.type === 'CallExpression') for (const argument of node.arguments) this.visit(argument, scope, functionDepth, depth);
    else this.visit(node.quasi, scope, functionDepth, depth);
  }

  private property(node: Node, scope: Scope, functionDepth: number, depth: number): void {
    if (node.computed) this.visit(node.key, scope, functionDepth, depth);
    if (node.shorthand && node.value.type === 'Identifier') {
      const replacement = this.replacementOf(node.value, scope);
      if (replacement) this.state.s.appendLeft(node.value.end, `: ${replacement.text}`);
      return;
    }
    this.visit(node.value, scope, functionDepth, depth);
  }

  private loop(node: Node, scope: Scope, functionDepth: number, depth: number): void {
    const inner = this.state.scopes.get(node) ?? scope;
    if (node.left.type === 'VariableDeclaration') this.visit(node.left, inner, functionDepth, depth);
    else if (node.left.type === 'ObjectPattern' || node.left.type === 'ArrayPattern') this.pattern(node.left, inner, 'assign', functionDepth, depth);
    else this.visit(node.left, inner, functionDepth, depth);
    this.visit(node.right, inner, functionDepth, depth);
    this.visit(node.body, inner, functionDepth, depth);
  }

  /** A binding or assignment target: identifiers in it are not reads, but defaults and computed keys are. */
  private pattern(node: Node | null, scope: Scope, mode: 'bind' | 'assign', functionDepth: number, depth: number): void {
    if (!node) return;
    switch (node.type) {
      case 'Identifier':
        if (mode === 'assign') this.reference(node, scope, false);
        return;
      case 'ObjectPattern':
        for (const property of node.properties) this.objectPatternProperty(property, scope, mode, functionDepth, depth + 1);
        return;
      case 'ArrayPattern':
        for (const element of node.elements) this.pattern(element, scope, mode, functionDepth, depth + 1);
        return;
      case 'AssignmentPattern':
        this.pattern(node.left, scope, mode, functionDepth, depth + 1);
        return this.visit(node.right, scope, functionDepth, depth + 1);
      case 'RestElement':
        return this.pattern(node.argument, scope, mode, functionDepth, depth + 1);
      default:
        // A member expression as an assignment target: its object is read.
        return this.visit(node, scope, functionDepth, depth + 1);
    }
  }

  private objectPatternProperty(property: Node, scope: Scope, mode: 'bind' | 'assign', functionDepth: number, depth: number): void {
    if (property.type === 'RestElement') return this.pattern(property.argument, scope, mode, functionDepth, depth);
    if (property.computed) this.visit(property.key, scope, functionDepth, depth);
    if (property.shorthand && mode === 'assign' && property.value.type === 'Identifier') {
      const replacement = this.replacementOf(property.value, scope);
      if (replacement) this.state.s.appendLeft(property.value.end, `: ${replacement.text}`);
      return;
    }
    this.pattern(property.value, scope, mode, functionDepth, depth);
  }

  private func(node: Node, scope: Scope, depth: number): void {
    const inner = this.state.scopes.get(node) ?? scope;
    for (const param of node.params) this.pattern(param, inner, 'bind', 1, depth);
    const body: Node = node.body;
    if (body.type === 'BlockStatement') {
      for (const statement of body.body) this.visit(statement, this.state.scopes.get(body) ?? inner, 1, depth);
    } else {
      this.visit(body, inner, 1, depth);
    }
    if (node.async && !node.generator && this.state.boundaries.has(node)) countCalls(this.state, node);
  }

  /** What a reference to an import binding reads: its import object, or a name of it. */
  private replacementOf(node: Node, scope: Scope): { text: string; isMember: boolean } | undefined {
    const imported = this.state.locals.get(node.name);
    if (!imported || scope.shadows(node.name)) return undefined;
    const namespace = binding.import(imported.index);
    return imported.imported === '*' ? { text: namespace, isMember: false } : { text: `${namespace}${member(imported.imported)}`, isMember: true };
  }

  private reference(node: Node, scope: Scope, called: boolean): void {
    const replacement = this.replacementOf(node, scope);
    if (!replacement) return;
    // A call keeps `this` undefined, as a call of an imported binding does.
    const text = called && replacement.isMember ? `(0, ${replacement.text})` : replacement.text;
    this.state.s.overwrite(node.start, node.end, text, { contentOnly: true });
  }
}
