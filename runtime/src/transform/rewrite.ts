// The JavaScript of one module to the body of the function the registry runs for each of its versions.
//
// - Imports become reads through the registry (`__rl.i(n)`): every use of an imported binding reads it at
//   the moment of use (`foo()` → `(0, __rl_i0.foo)()`), so a module that did not run again still reaches the
//   newest version of what it imports, and every value keeps its identity (no stand-ins).
// - Exports become getters on the version's exports object, defined before any of the module's code runs,
//   as ES module bindings are.
// - An ES module's body is a generator: the registry runs it up to its first `yield` to instantiate it (its
//   exports exist, its function declarations are hoisted), then on once its imports have been evaluated, so
//   import cycles and evaluation order behave as Node's do. With top-level `await` it is an async generator.
// - `import.meta` and `import()` go through the registry too.
// - Every async function counts itself on the version while it runs (until its promise settles): draining
//   waits on that count. Synchronous calls need no count: none can be running when a reload commits.
import MagicString from 'magic-string';
import { parseSync } from 'oxc-parser';
import { collectScopes, forEachChild, Scope, type Node } from './scope';
import type { ModuleFormat } from './formats';

/** The names the rewritten code uses; unlikely to meet a name of the app's. */
export const binding = {
  registry: '__rl',
  counter: '__rl_c',
  default: '__rl_default',
  import: (index: number) => `__rl_i${index}`,
} as const;

export interface StaticImport {
  specifier: string;
  /** `import` declarations, `export … from` re-exports, `export * from`. */
  kind: 'import' | 'reexport' | 'star';
  /** The names it reads (`default` for a default import, `*` for a namespace). */
  names: string[];
  /** Import attributes (`with { type: 'json' }`). */
  attributes: Record<string, string>;
  /** Offset of the declaration in the compiled code, for error positions. */
  offset: number;
}

export interface Rewritten {
  /** The body of the module function (its one parameter is `__rl`, plus CommonJS's five). */
  code: string;
  map: ReturnType<MagicString['generateDecodedMap']>;
  imports: StaticImport[];
  /** The names the module exports itself (re-exports included, `export *` not). */
  exports: string[];
  hasTopLevelAwait: boolean;
  /** Written with `import`/`export`. */
  esmSyntax: boolean;
  /** Runs as a generator (an ES module). */
  generator: boolean;
}

export class RewriteError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface ImportBinding {
  index: number;
  /** The imported name, `default`, or `*`. */
  imported: string;
}

const identifier = /^[A-Za-z_$][\w$]*$/;
const member = (name: string) => (identifier.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`);
const maxDepth = 4000;
const moduleSyntaxInScript = /outside a module|Unexpected import\.meta/;

export function rewrite(code: string, format: Exclude<ModuleFormat, 'json'>, stateful: boolean): Rewritten {
  // CommonJS may return at the top level; written with import/export (TypeScript compiled to CommonJS), it
  // also holds what a script may not, which is no error here.
  const parsed = parseSync('module.js', code, { sourceType: format === 'esm' ? 'module' : 'commonjs', preserveParens: true });
  const fatal = parsed.errors.find((error) => error.severity === 'Error' && !moduleSyntaxInScript.test(error.message));
  if (fatal) throw new RewriteError(fatal.message, fatal.labels[0]?.start ?? 0);
  return new Rewriter(code, parsed.program as unknown as Node, format, stateful).run();
}

class Rewriter {
  private readonly s: MagicString;
  private readonly imports: StaticImport[] = [];
  private readonly locals = new Map<string, ImportBinding>();
  /** Export name → the expression its getter returns. */
  private readonly getters = new Map<string, string>();
  private readonly hoisted: string[] = [];
  private scopes = new Map<Node, Scope>();
  private readonly moduleScope = new Scope(undefined, true);
  private hasTopLevelAwait = false;
  private esmSyntax = false;
  private countsCalls = false;
  /** Exported async functions and async methods of exported object literals, by node: their key. */
  private readonly gates = new Map<Node, string>();

  constructor(
    private readonly code: string,
    private readonly program: Node,
    private readonly format: Exclude<ModuleFormat, 'json'>,
    private readonly stateful: boolean,
  ) {
    this.s = new MagicString(code);
  }

  run(): Rewritten {
    const body: Node[] = this.program.body;
    for (const statement of body) this.declareImports(statement);
    if (this.locals.size > 0) this.scopes = collectScopes(this.program, this.moduleScope, new Set(this.locals.keys()));
    for (const statement of body) this.topLevel(statement);
    const generator = this.format === 'esm';
    this.prelude(generator);
    return {
      code: this.s.toString(),
      map: this.s.generateDecodedMap({ hires: 'boundary', includeContent: false }),
      imports: this.imports,
      exports: [...this.getters.keys()],
      hasTopLevelAwait: this.hasTopLevelAwait,
      esmSyntax: this.esmSyntax,
      generator,
    };
  }

  // Imports and exports -------------------------------------------------------------------------------

  private addImport(specifier: string, kind: StaticImport['kind'], names: string[], node: Node): number {
    const attributes: Record<string, string> = {};
    for (const attribute of node.attributes ?? []) {
      const key = attribute.key.type === 'Identifier' ? attribute.key.name : String(attribute.key.value);
      attributes[key] = String(attribute.value.value);
    }
    this.imports.push({ specifier, kind, names, attributes, offset: node.start });
    return this.imports.length - 1;
  }

  private declareImports(statement: Node): void {
    if (statement.type !== 'ImportDeclaration') return;
    this.esmSyntax = true;
    const names: string[] = [];
    const index = this.imports.length;
    for (const specifier of statement.specifiers) {
      const imported =
        specifier.type === 'ImportDefaultSpecifier'
          ? 'default'
          : specifier.type === 'ImportNamespaceSpecifier'
            ? '*'
            : specifier.imported.type === 'Identifier'
              ? specifier.imported.name
              : String(specifier.imported.value);
      names.push(imported);
      this.locals.set(specifier.local.name, { index, imported });
    }
    this.addImport(statement.source.value, 'import', names, statement);
  }

  private topLevel(statement: Node): void {
    switch (statement.type) {
      case 'ImportDeclaration': {
        const index = this.imports.findIndex((entry) => entry.offset === statement.start);
        // An ES module's imports are hoisted into the prelude; CommonJS runs them where they stand.
        this.s.overwrite(statement.start, statement.end, this.format === 'esm' ? '' : `${binding.import(index)} = ${binding.registry}.i(${index});`);
        return;
      }
      case 'ExportNamedDeclaration':
        this.esmSyntax = true;
        return this.exportNamed(statement);
      case 'ExportDefaultDeclaration':
        this.esmSyntax = true;
        return this.exportDefault(statement);
      case 'ExportAllDeclaration': {
        this.esmSyntax = true;
        const exported = statement.exported;
        const index = this.addImport(statement.source.value, exported ? 'reexport' : 'star', ['*'], statement);
        if (exported) this.getters.set(exported.type === 'Identifier' ? exported.name : String(exported.value), this.importRead(index, '*'));
        this.s.overwrite(statement.start, statement.end, this.format === 'esm' ? '' : `${binding.import(index)} = ${binding.registry}.i(${index});`);
        return;
      }
      default:
        this.visit(statement, this.moduleScope, 0, 0);
    }
  }

  /** What an export getter returns for an imported name: before the import ran (a cycle), it asks the registry. */
  private importRead(index: number, name: string): string {
    const namespace = `(${binding.import(index)} || ${binding.registry}.i(${index}))`;
    return name === '*' ? namespace : `${namespace}${member(name)}`;
  }

  private exportNamed(statement: Node): void {
    const declaration: Node | null = statement.declaration;
    if (declaration) {
      this.s.remove(statement.start, declaration.start);
      for (const name of declaredNames(declaration)) this.getters.set(name, name);
      this.markGates(declaration);
      this.visit(declaration, this.moduleScope, 0, 0);
      return;
    }
    const exportName = (node: Node) => (node.type === 'Identifier' ? node.name : String(node.value));
    if (statement.source) {
      const names = statement.specifiers.map((specifier: Node) => exportName(specifier.local));
      const index = this.addImport(statement.source.value, 'reexport', names, statement);
      for (const specifier of statement.specifiers)
        this.getters.set(exportName(specifier.exported), this.importRead(index, exportName(specifier.local)));
      this.s.overwrite(statement.start, statement.end, this.format === 'esm' ? '' : `${binding.import(index)} = ${binding.registry}.i(${index});`);
      return;
    }
    for (const specifier of statement.specifiers) {
      const local = exportName(specifier.local);
      const imported = this.locals.get(local);
      this.getters.set(exportName(specifier.exported), imported ? this.importRead(imported.index, imported.imported) : local);
    }
    this.s.remove(statement.start, statement.end);
  }

  private exportDefault(statement: Node): void {
    const declaration: Node = statement.declaration;
    const isFunction = declaration.type === 'FunctionDeclaration';
    const isClass = declaration.type === 'ClassDeclaration';
    if ((isFunction || isClass) && declaration.id) {
      this.s.remove(statement.start, declaration.start);
      this.getters.set('default', declaration.id.name);
    } else if (isFunction || isClass) {
      // An anonymous default function or class gets a name to bind, and keeps `default` as its `name`.
      this.s.remove(statement.start, declaration.start);
      const at = isFunction ? this.code.indexOf('(', declaration.start) : declaration.start + 'class'.length;
      this.s.appendLeft(at, ` ${binding.default}`);
      const rename = `Object.defineProperty(${binding.default}, "name", { value: "default", configurable: true });`;
      if (isFunction) this.hoisted.push(rename);
      else this.s.appendLeft(declaration.end, `\n${rename}`);
      this.getters.set('default', binding.default);
    } else {
      this.s.overwrite(statement.start, declaration.start, `const ${binding.default} = `, { contentOnly: true });
      if (!this.code.slice(declaration.end, statement.end).includes(';')) this.s.appendLeft(declaration.end, ';');
      this.getters.set('default', binding.default);
    }
    this.visit(declaration, this.moduleScope, 0, 0);
  }

  /** Exported async functions (and async methods of exported objects) of a stateful module wait during its swap. */
  private markGates(declaration: Node): void {
    if (!this.stateful) return;
    if (declaration.type === 'FunctionDeclaration' && declaration.async && !declaration.generator) {
      this.gates.set(declaration, declaration.id.name);
    }
    if (declaration.type !== 'VariableDeclaration') return;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
      const name: string = declarator.id.name;
      const init = unwrap(declarator.init);
      if (isAsyncFunction(init)) this.gates.set(init, name);
      if (init.type !== 'ObjectExpression') continue;
      for (const property of init.properties) {
        if (property.type !== 'Property' || property.computed || property.key.type !== 'Identifier') continue;
        const value = unwrap(property.value);
        if (isAsyncFunction(value)) this.gates.set(value, `${name}.${property.key.name}`);
      }
    }
  }

  // The walk ---------------------------------------------------------------------------------------------

  private visit(node: Node | null, scope: Scope, functionDepth: number, depth: number): void {
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
      case 'TaggedTemplateExpression': {
        const callee = node.type === 'CallExpression' ? node.callee : node.tag;
        const bare = unwrap(callee);
        if (bare.type === 'Identifier') this.reference(bare, scope, true);
        else this.visit(callee, scope, functionDepth, next);
        if (node.type === 'CallExpression') for (const argument of node.arguments) this.visit(argument, scope, functionDepth, next);
        else this.visit(node.quasi, scope, functionDepth, next);
        return;
      }
      case 'Property':
        if (node.computed) this.visit(node.key, scope, functionDepth, next);
        if (node.shorthand && node.value.type === 'Identifier') {
          const replacement = this.replacementOf(node.value, scope);
          if (replacement) this.s.appendLeft(node.value.end, `: ${replacement}`);
          return;
        }
        return this.visit(node.value, scope, functionDepth, next);
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
        if (node.meta.name === 'import') this.s.overwrite(node.start, node.end, `${binding.registry}.m`);
        return;
      case 'ImportExpression':
        this.s.overwrite(node.start, node.source.start, `${binding.registry}.d(`);
        this.visit(node.source, scope, functionDepth, next);
        return this.visit(node.options, scope, functionDepth, next);
      case 'AwaitExpression':
        if (functionDepth === 0) this.hasTopLevelAwait = true;
        return this.visit(node.argument, scope, functionDepth, next);
      case 'ForOfStatement':
        if (node.await && functionDepth === 0) this.hasTopLevelAwait = true;
        return this.loop(node, scope, functionDepth, next);
      case 'ForInStatement':
        return this.loop(node, scope, functionDepth, next);
      case 'VariableDeclaration':
        for (const declarator of node.declarations) {
          this.pattern(declarator.id, this.scopes.get(node) ?? scope, 'bind', functionDepth, next);
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
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const inner = this.scopes.get(node) ?? scope;
        for (const decorator of node.decorators ?? []) this.visit(decorator, scope, functionDepth, next);
        this.visit(node.superClass, inner, functionDepth, next);
        return this.visit(node.body, inner, functionDepth, next);
      }
      case 'CatchClause': {
        const inner = this.scopes.get(node) ?? scope;
        this.pattern(node.param, inner, 'bind', functionDepth, next);
        return this.visit(node.body, inner, functionDepth, next);
      }
      case 'StaticBlock': {
        const inner = this.scopes.get(node) ?? scope;
        for (const statement of node.body) this.visit(statement, inner, functionDepth + 1, next);
        return;
      }
      default: {
        const inner = this.scopes.get(node) ?? scope;
        forEachChild(node, (child) => this.visit(child, inner, functionDepth, next));
      }
    }
  }

  private loop(node: Node, scope: Scope, functionDepth: number, depth: number): void {
    const inner = this.scopes.get(node) ?? scope;
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
        for (const property of node.properties) {
          if (property.type === 'RestElement') {
            this.pattern(property.argument, scope, mode, functionDepth, depth + 1);
            continue;
          }
          if (property.computed) this.visit(property.key, scope, functionDepth, depth + 1);
          if (property.shorthand && mode === 'assign' && property.value.type === 'Identifier') {
            const replacement = this.replacementOf(property.value, scope);
            if (replacement) this.s.appendLeft(property.value.end, `: ${replacement}`);
            continue;
          }
          this.pattern(property.value, scope, mode, functionDepth, depth + 1);
        }
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

  private func(node: Node, scope: Scope, depth: number): void {
    const inner = this.scopes.get(node) ?? scope;
    for (const param of node.params) this.pattern(param, inner, 'bind', 1, depth);
    const body: Node = node.body;
    if (body.type === 'BlockStatement') {
      for (const statement of body.body) this.visit(statement, this.scopes.get(body) ?? inner, 1, depth);
    } else {
      this.visit(body, inner, 1, depth);
    }
    if (node.async && !node.generator) this.countCalls(node);
  }

  /** Wraps an async function's body so that it counts itself on the version until its promise settles. */
  private countCalls(node: Node): void {
    this.countsCalls = true;
    const { counter } = binding;
    const gate = this.gateOf(node);
    const enter = `${gate}${counter}.n++;try{`;
    const exit = `}finally{${counter}.x()}`;
    const body: Node = node.body;
    if (body.type === 'BlockStatement') {
      const directives = body.body.filter((statement: Node) => statement.directive !== undefined);
      const at = directives.length > 0 ? directives.at(-1)!.end : body.start + 1;
      // Inner functions are wrapped before outer ones: openings go in front of what is already at an
      // index, closings after it, so a body ending where another ends closes in the right order.
      this.s.prependRight(at, enter);
      this.s.appendLeft(body.end - 1, exit);
    } else {
      this.s.prependRight(body.start, `{${enter}return `);
      this.s.appendLeft(body.end, `;${exit}}`);
    }
  }

  private gateOf(node: Node): string {
    const key = this.gates.get(node);
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

  // References -------------------------------------------------------------------------------------------

  private replacementOf(node: Node, scope: Scope): string | undefined {
    const imported = this.locals.get(node.name);
    if (!imported || scope.shadows(node.name)) return undefined;
    const namespace = binding.import(imported.index);
    return imported.imported === '*' ? namespace : `${namespace}${member(imported.imported)}`;
  }

  private reference(node: Node, scope: Scope, called: boolean): void {
    const replacement = this.replacementOf(node, scope);
    if (!replacement) return;
    // A call keeps `this` undefined, as a call of an imported binding does.
    const text = called && replacement.includes('.') ? `(0, ${replacement})` : replacement;
    this.s.overwrite(node.start, node.end, text, { contentOnly: true });
  }

  // The prelude ------------------------------------------------------------------------------------------

  private prelude(generator: boolean): void {
    const { registry, counter } = binding;
    const lines: string[] = [];
    const strict = this.esmSyntax || generator;
    if (strict) lines.push('"use strict";');
    const importCount = this.imports.length;
    if (importCount > 0) lines.push(`var ${this.imports.map((_, index) => binding.import(index)).join(', ')};`);
    if (this.countsCalls) lines.push(`const ${counter} = ${registry}.c;`);
    if (this.getters.size > 0 || this.esmSyntax) {
      const entries = [...this.getters].map(([name, expression]) => `${JSON.stringify(name)}: () => ${expression}`);
      lines.push(`${registry}.e({ ${entries.join(', ')} });`);
    }
    lines.push(...this.hoisted);
    if (generator) {
      lines.push('yield;');
      for (let index = 0; index < importCount; index++) lines.push(`${binding.import(index)} = ${registry}.i(${index});`);
    }
    const prelude = lines.join(' ');
    const directives = strict ? [] : (this.program.body as Node[]).filter((statement) => statement.directive !== undefined);
    if (directives.length > 0) {
      this.s.appendRight(directives.at(-1)!.end, ` ${prelude}`);
    } else {
      this.s.prepend(`${prelude}\n`);
    }
    if (generator) {
      this.s.prepend(`return ${this.hasTopLevelAwait ? 'async ' : ''}function* () {`);
      this.s.append('\n}');
    }
  }
}

function unwrap(node: Node): Node {
  let current = node;
  while (current.type === 'ParenthesizedExpression') current = current.expression;
  return current;
}

function isAsyncFunction(node: Node): boolean {
  return (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') && node.async && !node.generator;
}

/** The names a declaration binds at the top level. */
function declaredNames(declaration: Node): string[] {
  if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') return declaration.id ? [declaration.id.name] : [];
  if (declaration.type !== 'VariableDeclaration') return [];
  const names: string[] = [];
  const patterns: Node[] = declaration.declarations.map((declarator: Node) => declarator.id);
  while (patterns.length > 0) {
    const node = patterns.shift()!;
    if (!node) continue;
    if (node.type === 'Identifier') names.push(node.name);
    else if (node.type === 'ObjectPattern')
      patterns.push(...node.properties.map((property: Node) => (property.type === 'RestElement' ? property.argument : property.value)));
    else if (node.type === 'ArrayPattern') patterns.push(...node.elements);
    else if (node.type === 'AssignmentPattern') patterns.push(node.left);
    else if (node.type === 'RestElement') patterns.push(node.argument);
  }
  return names;
}
