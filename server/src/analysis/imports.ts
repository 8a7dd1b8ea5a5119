import { ts } from './typescript';
import type { EdgeKind } from '../../../src-shared/module-graph';
import type { FileContext } from './file-context';
import { hasExportModifier } from './bindings';

/** One import of a file, as written. */
export interface ImportRecord {
  specifier: string;
  kind: EdgeKind;
  /** True when compilation erases the import: nothing of it is used as a value. */
  typeOnly: boolean;
  /** The declaration or call, for positions. */
  node: ts.Node;
  /** How Node resolves it: `require` for `require()` and `import x = require()`. */
  mode: 'import' | 'require';
}

/**
 * The imports of a walked file. An import survives compilation when it is written for its side effects
 * or one of its bindings is used as a value — the rule TypeScript applies when it elides imports, and
 * esbuild too. Under `verbatimModuleSyntax` only `import type` is erased.
 */
export function collectImports(context: FileContext, verbatimModuleSyntax: boolean): ImportRecord[] {
  const records: ImportRecord[] = [];
  for (const statement of context.sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const typeOnly = isErasedImport(statement, context, verbatimModuleSyntax);
      records.push({ specifier: statement.moduleSpecifier.text, kind: 'static', typeOnly, node: statement, mode: 'import' });
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.exportClause;
      const typeOnly =
        statement.isTypeOnly ||
        (!verbatimModuleSyntax &&
          clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly));
      records.push({ specifier: statement.moduleSpecifier.text, kind: 'reexport', typeOnly, node: statement, mode: 'import' });
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)) {
      const expression = statement.moduleReference.expression;
      if (!ts.isStringLiteral(expression)) continue;
      const typeOnly =
        statement.isTypeOnly || (!verbatimModuleSyntax && !hasExportModifier(statement) && !context.isUsedAsValue(statement.name.text));
      records.push({ specifier: expression.text, kind: 'require', typeOnly, node: statement, mode: 'require' });
    }
  }
  for (const call of context.moduleCalls) {
    const specifier = (call.arguments[0] as ts.StringLiteralLike).text;
    const dynamic = call.expression.kind === ts.SyntaxKind.ImportKeyword;
    if (!dynamic && !context.scopes.isGlobal('require', call)) continue;
    records.push({ specifier, kind: dynamic ? 'dynamic' : 'require', typeOnly: false, node: call, mode: dynamic ? 'import' : 'require' });
  }
  return records;
}

function isErasedImport(declaration: ts.ImportDeclaration, context: FileContext, verbatim: boolean): boolean {
  const clause = declaration.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (verbatim) return false;
  const names: string[] = [];
  if (clause.name) names.push(clause.name.text);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
  if (bindings && ts.isNamedImports(bindings)) {
    for (const element of bindings.elements) if (!element.isTypeOnly) names.push(element.name.text);
  }
  return !names.some((name) => context.isUsedAsValue(name));
}
