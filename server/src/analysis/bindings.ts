import { ts } from './typescript';
import type { Scopes } from './scope';

/** Where a top-level name comes from: `import`, `import x = require()` or `const x = require()`. */
export interface ImportBinding {
  /** The module specifier, `node:` prefix removed. */
  module: string;
  /** `*` for a namespace, default import or whole `require()`; otherwise the imported name. */
  imported: string;
}

/** The names the global object goes by. */
export const globalObjectNames = new Set(['globalThis', 'global', 'window', 'self']);

/**
 * Resolves expressions to what they denote by name, e.g. `http.createServer`, `global.setInterval`,
 * `child_process.spawn`, so the rules can recognise an API however it was imported or aliased.
 */
export class Bindings {
  private readonly byName = new Map<string, ImportBinding>();

  constructor(
    sourceFile: ts.SourceFile,
    private readonly scopes: Scopes,
  ) {
    for (const statement of sourceFile.statements) this.collect(statement);
  }

  /** The import binding a name at `node` refers to, unless a local declaration shadows it. */
  importOf(name: string, node: ts.Node): ImportBinding | undefined {
    const binding = this.byName.get(name);
    if (!binding) return undefined;
    const scope = this.scopes.declaringScope(name, node);
    return scope && ts.isSourceFile(scope) ? binding : undefined;
  }

  /**
   * The qualified name an expression denotes: `global.setInterval` for `setInterval`,
   * `globalThis.setInterval` and `window.setInterval`; `http.createServer` for `http.createServer` and an
   * imported `createServer`; `global` for the global object itself. Undefined for anything local.
   */
  originOf(expression: ts.Expression): string | undefined {
    const node = skipOuterExpressions(expression);
    if (ts.isIdentifier(node)) {
      const binding = this.importOf(node.text, node);
      if (binding) return binding.imported === '*' ? binding.module : `${binding.module}.${binding.imported}`;
      if (!this.scopes.isGlobal(node.text, node)) return undefined;
      return globalObjectNames.has(node.text) ? 'global' : `global.${node.text}`;
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
      const base = this.originOf(node.expression);
      return base && `${base}.${node.name.text}`;
    }
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const base = this.originOf(node.expression);
      return base && `${base}.${node.argumentExpression.text}`;
    }
    const required = requiredModule(node);
    if (required && this.scopes.isGlobal('require', node)) return required;
    return undefined;
  }

  private collect(statement: ts.Statement): void {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const module = normalizeModule(statement.moduleSpecifier.text);
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly) return;
      if (clause.name) this.byName.set(clause.name.text, { module, imported: '*' });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) this.byName.set(bindings.name.text, { module, imported: '*' });
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          const imported = (element.propertyName ?? element.name).text;
          this.byName.set(element.name.text, { module, imported: imported === 'default' ? '*' : imported });
        }
      }
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)) {
      const specifier = statement.moduleReference.expression;
      if (ts.isStringLiteral(specifier)) this.byName.set(statement.name.text, { module: normalizeModule(specifier.text), imported: '*' });
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) this.collectRequire(declaration);
    }
  }

  private collectRequire(declaration: ts.VariableDeclaration): void {
    const module = declaration.initializer && requiredModule(skipOuterExpressions(declaration.initializer));
    if (!module) return;
    if (ts.isIdentifier(declaration.name)) {
      this.byName.set(declaration.name.text, { module, imported: '*' });
    } else if (ts.isObjectBindingPattern(declaration.name)) {
      for (const element of declaration.name.elements) {
        const property = element.propertyName ?? element.name;
        if (ts.isIdentifier(element.name) && ts.isIdentifier(property)) {
          this.byName.set(element.name.text, { module, imported: property.text });
        }
      }
    }
  }
}

/** `require('m')` → `m` (normalised); anything else → undefined. */
export function requiredModule(node: ts.Node): string | undefined {
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'require') return undefined;
  const [argument] = node.arguments;
  return node.arguments.length === 1 && argument && ts.isStringLiteralLike(argument) ? normalizeModule(argument.text) : undefined;
}

export function normalizeModule(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

/** `export` written on a declaration. */
export function hasExportModifier(node: ts.HasModifiers): boolean {
  return ts.getModifiers(node)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
}

/** The nearest ancestor that is not a wrapper changing nothing at run time (see `isOuterExpression`). */
export function skipOuterParents(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (isOuterExpression(parent)) parent = parent.parent;
  return parent;
}

/** Strips parentheses only: `(p as T)` stays an assertion. */
export function skipParentheses(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

/** Strips parentheses, `!`, `as`, `satisfies` and type assertions, which change nothing at run time. */
export function skipOuterExpressions(node: ts.Expression): ts.Expression {
  let current = node;
  while (isOuterExpression(current)) current = current.expression;
  return current;
}

/** Parentheses, `!`, `as`, `satisfies` or a type assertion: a wrapper that changes nothing at run time. */
export function isOuterExpression(
  node: ts.Node,
): node is ts.ParenthesizedExpression | ts.NonNullExpression | ts.AsExpression | ts.SatisfiesExpression | ts.TypeAssertion {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node)
  );
}

/** The identifier at the root of `a.b.c` or `a['b'].c`, or undefined when the root is not a name. */
export function rootIdentifier(expression: ts.Expression): ts.Identifier | undefined {
  let current = skipOuterExpressions(expression);
  while (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) {
    current = skipOuterExpressions(current.expression);
  }
  return ts.isIdentifier(current) ? current : undefined;
}
