// The module syntax of one module's rewrite: import declarations become reads through the registry (an ES
// module's are hoisted into the prelude, CommonJS's stay where they stand), and exports become getters on the
// version's exports object, defined before any of the module's code runs, as ES module bindings are.
import { binding, type RewriteState, type StaticImport } from './rewrite-state';
import type { Node } from './scope';

const identifier = /^[A-Za-z_$][\w$]*$/;

/** `.name`, or `["name"]` for a name that is not an identifier. */
export const member = (name: string) => (identifier.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`);

/** An anonymous default export's function or class keeps `default` as its `name`, as under Node. */
const defaultNamed = `Object.defineProperty(${binding.default}, "name", { value: "default", configurable: true });`;

export class ModuleSyntax {
  constructor(
    private readonly state: RewriteState,
    /** Rewrites a declaration's body (references to imports, call counting). */
    private readonly visit: (node: Node) => void,
  ) {}

  /** Notes an import declaration's bindings (before the walk, so every reference can be resolved). */
  declareImports(statement: Node): void {
    if (statement.type !== 'ImportDeclaration') return;
    this.state.esmSyntax = true;
    const names: string[] = [];
    const locals: Record<string, string> = {};
    const index = this.state.imports.length;
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
      locals[imported] = specifier.local.name;
      this.state.locals.set(specifier.local.name, { index, imported });
    }
    this.addImport(statement.source.value, 'import', names, statement, locals);
  }

  /** Rewrites a top-level import or export statement; false for any other statement. */
  statement(statement: Node): boolean {
    const { state } = this;
    switch (statement.type) {
      case 'ImportDeclaration': {
        const index = state.imports.findIndex((entry) => entry.offset === statement.start);
        state.s.overwrite(statement.start, statement.end, state.importInPlace(index));
        return true;
      }
      case 'ExportNamedDeclaration':
        state.esmSyntax = true;
        this.exportNamed(statement);
        return true;
      case 'ExportDefaultDeclaration':
        state.esmSyntax = true;
        this.exportDefault(statement);
        return true;
      case 'ExportAllDeclaration': {
        state.esmSyntax = true;
        const exported = statement.exported;
        const index = this.addImport(statement.source.value, exported ? 'reexport' : 'star', ['*'], statement);
        if (exported) state.getters.set(exportName(exported), this.importRead(index, '*'));
        state.s.overwrite(statement.start, statement.end, state.importInPlace(index));
        return true;
      }
      default:
        return false;
    }
  }

  private addImport(specifier: string, kind: StaticImport['kind'], names: string[], node: Node, locals: Record<string, string> = {}): number {
    const attributes: Record<string, string> = {};
    for (const attribute of node.attributes ?? []) {
      const key = attribute.key.type === 'Identifier' ? attribute.key.name : String(attribute.key.value);
      attributes[key] = String(attribute.value.value);
    }
    this.state.imports.push({ specifier, kind, names, attributes, locals, offset: node.start });
    return this.state.imports.length - 1;
  }

  /** What an export getter returns for an imported name: before the import ran (a cycle), it asks the registry. */
  private importRead(index: number, name: string): string {
    const namespace = `(${binding.import(index)} || ${binding.registry}.i(${index}))`;
    return name === '*' ? namespace : `${namespace}${member(name)}`;
  }

  private exportNamed(statement: Node): void {
    const { state } = this;
    const declaration: Node | null = statement.declaration;
    if (declaration) {
      state.s.remove(statement.start, declaration.start);
      for (const name of declaredNames(declaration)) state.getters.set(name, name);
      this.markGates(declaration);
      this.visit(declaration);
      return;
    }
    if (statement.source) {
      const names = statement.specifiers.map((specifier: Node) => exportName(specifier.local));
      const index = this.addImport(statement.source.value, 'reexport', names, statement);
      for (const specifier of statement.specifiers)
        state.getters.set(exportName(specifier.exported), this.importRead(index, exportName(specifier.local)));
      state.s.overwrite(statement.start, statement.end, state.importInPlace(index));
      return;
    }
    for (const specifier of statement.specifiers) {
      const local = exportName(specifier.local);
      const imported = state.locals.get(local);
      state.getters.set(exportName(specifier.exported), imported ? this.importRead(imported.index, imported.imported) : local);
    }
    state.s.remove(statement.start, statement.end);
  }

  private exportDefault(statement: Node): void {
    const { state } = this;
    const declaration: Node = statement.declaration;
    const isFunction = declaration.type === 'FunctionDeclaration';
    const isClass = declaration.type === 'ClassDeclaration';
    if ((isFunction || isClass) && declaration.id) {
      state.s.remove(statement.start, declaration.start);
      state.getters.set('default', declaration.id.name);
    } else if (isFunction || isClass) {
      // An anonymous default function or class gets a name to bind, and keeps `default` as its `name`.
      state.s.remove(statement.start, declaration.start);
      const at = isFunction ? state.code.indexOf('(', declaration.start) : declaration.start + 'class'.length;
      state.s.appendLeft(at, ` ${binding.default}`);
      if (isFunction) state.hoisted.push(defaultNamed);
      else state.s.appendLeft(declaration.end, `\n${defaultNamed}`);
      state.getters.set('default', binding.default);
    } else {
      state.s.overwrite(statement.start, declaration.start, `const ${binding.default} = `, { contentOnly: true });
      if (!state.code.slice(declaration.end, statement.end).includes(';')) state.s.appendLeft(declaration.end, ';');
      // `export default () => …`: an anonymous function's name is `default`, as Node names it.
      const anonymous =
        declaration.type === 'ArrowFunctionExpression' ||
        ((declaration.type === 'FunctionExpression' || declaration.type === 'ClassExpression') && !declaration.id);
      if (anonymous) state.s.appendLeft(statement.end, `\n${defaultNamed}`);
      state.getters.set('default', binding.default);
    }
    this.visit(declaration);
  }

  /** Exported async functions (and async methods of exported objects) of a stateful module wait during its swap. */
  private markGates(declaration: Node): void {
    const { state } = this;
    if (!state.stateful) return;
    if (declaration.type === 'FunctionDeclaration' && declaration.async && !declaration.generator) {
      state.gates.set(declaration, declaration.id.name);
    }
    if (declaration.type !== 'VariableDeclaration') return;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
      const name: string = declarator.id.name;
      const init = unwrap(declarator.init);
      if (isAsyncFunction(init)) state.gates.set(init, name);
      if (init.type !== 'ObjectExpression') continue;
      for (const property of init.properties) {
        if (property.type !== 'Property' || property.computed || property.key.type !== 'Identifier') continue;
        const value = unwrap(property.value);
        if (isAsyncFunction(value)) state.gates.set(value, `${name}.${property.key.name}`);
      }
    }
  }
}

function exportName(node: Node): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

export function unwrap(node: Node): Node {
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
