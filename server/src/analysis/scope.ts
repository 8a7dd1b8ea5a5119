import { ts } from './typescript';
import { forEachNode } from './traverse';

/**
 * Answers "is this name declared between here and the top of the file?" without a type checker, so the
 * syntactic rules stay fast. A name declared nowhere in the file refers to a global or an import.
 */
export class Scopes {
  private readonly declared = new WeakMap<ts.Node, Set<string>>();

  /** The nearest declaration scope of `name` at `node`, or undefined when the file never declares it. */
  declaringScope(name: string, node: ts.Node): ts.Node | undefined {
    for (let current: ts.Node | undefined = node; current; current = current.parent) {
      if (isScope(current) && this.namesOf(current).has(name)) return current;
    }
    return undefined;
  }

  /** The variable (or destructured binding) `name` at `node` refers to, when the file declares it as one. */
  declarationOf(name: string, node: ts.Node): ts.VariableDeclaration | ts.BindingElement | undefined {
    const scope = this.declaringScope(name, node);
    if (!scope) return undefined;
    let found: ts.VariableDeclaration | ts.BindingElement | undefined;
    forEachNode(scope, (current) => {
      if ((ts.isVariableDeclaration(current) || ts.isBindingElement(current)) && ts.isIdentifier(current.name) && current.name.text === name) {
        found = current;
        return 'stop';
      }
      return ts.isFunctionLike(current) || ts.isClassLike(current) ? 'skip' : undefined;
    });
    return found;
  }

  /** True when `name` at `node` resolves to something declared in the file below the top level. */
  isLocal(name: string, node: ts.Node): boolean {
    const scope = this.declaringScope(name, node);
    return scope !== undefined && !ts.isSourceFile(scope);
  }

  /** True when `name` at `node` resolves to nothing the file declares: a global. */
  isGlobal(name: string, node: ts.Node): boolean {
    return this.declaringScope(name, node) === undefined;
  }

  private namesOf(scope: ts.Node): Set<string> {
    let names = this.declared.get(scope);
    if (!names) {
      names = new Set();
      collectDeclarations(scope, names);
      this.declared.set(scope, names);
    }
    return names;
  }
}

function isScope(node: ts.Node): boolean {
  return (
    ts.isSourceFile(node) ||
    ts.isBlock(node) ||
    ts.isModuleBlock(node) ||
    ts.isCaseBlock(node) ||
    ts.isFunctionLike(node) ||
    ts.isForStatement(node) ||
    ts.isForInStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isCatchClause(node) ||
    ts.isClassLike(node)
  );
}

function collectDeclarations(scope: ts.Node, names: Set<string>): void {
  if (ts.isFunctionLike(scope)) {
    for (const parameter of scope.parameters) addBindingNames(parameter.name, names);
    if (ts.isFunctionExpression(scope) && scope.name) names.add(scope.name.text);
    if ('body' in scope && scope.body && ts.isBlock(scope.body)) collectHoistedVars(scope.body, names);
    return;
  }
  if (ts.isClassLike(scope)) {
    if (ts.isClassExpression(scope) && scope.name) names.add(scope.name.text);
    return;
  }
  if (ts.isCatchClause(scope)) {
    if (scope.variableDeclaration) addBindingNames(scope.variableDeclaration.name, names);
    return;
  }
  if (ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) {
    const initializer = scope.initializer;
    if (initializer && ts.isVariableDeclarationList(initializer)) {
      for (const declaration of initializer.declarations) addBindingNames(declaration.name, names);
    }
    return;
  }
  const statements = ts.isCaseBlock(scope)
    ? scope.clauses.flatMap((clause) => [...clause.statements])
    : (scope as ts.SourceFile | ts.Block | ts.ModuleBlock).statements;
  for (const statement of statements) addStatementDeclarations(statement, names);
  if (ts.isSourceFile(scope)) collectHoistedVars(scope, names);
}

function addStatementDeclarations(statement: ts.Statement, names: Set<string>): void {
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) addBindingNames(declaration.name, names);
  } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
    names.add(statement.name.text);
  } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
    names.add(statement.name.text);
  } else if (ts.isImportDeclaration(statement) && statement.importClause) {
    const clause = statement.importClause;
    if (clause.name) names.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
  } else if (ts.isImportEqualsDeclaration(statement)) {
    names.add(statement.name.text);
  }
}

/** `var` declarations anywhere in a function body (not in nested functions) belong to the function. */
function collectHoistedVars(body: ts.Node, names: Set<string>): void {
  forEachNode(body, (node) => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return 'skip';
    if (ts.isVariableDeclarationList(node) && !(node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
      for (const declaration of node.declarations) addBindingNames(declaration.name, names);
    }
    return undefined;
  });
}

export function addBindingNames(name: ts.BindingName, names: Set<string>): void {
  if (ts.isIdentifier(name)) {
    names.add(name.text);
    return;
  }
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) addBindingNames(element.name, names);
  }
}
