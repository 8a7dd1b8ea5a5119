import { ts } from './typescript';
import type { HazardCode, internalErrorCode } from '../../../src-shared/hazard-codes';
import { Bindings } from './bindings';
import { HotApi } from './hot-api';
import { Scopes } from './scope';
import { forEachNode } from './traverse';

/** Another place a finding points at: the other end of a layer violation, a step of a cycle. */
export interface RelatedLocation {
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

/** A finding before positions are computed and the config is applied. */
export interface RawFinding {
  code: HazardCode | typeof internalErrorCode;
  node: ts.Node;
  message: string;
  related?: RelatedLocation[];
}

/** A call whose promise-ness only the type checker can tell; checked later by the type-aware rule. */
export interface PromiseCandidate {
  statement: ts.ExpressionStatement;
}

/**
 * A value made when the module runs and kept in a module variable that nothing releases: a resource, and
 * so a leak per reload, when its type has a release method. Checked later by the type-aware pass.
 */
export interface ResourceCandidate {
  declaration: ts.VariableDeclaration & { name: ts.Identifier };
  /** The call or `new` that makes the value. */
  made: ts.CallExpression | ts.NewExpression;
}

/**
 * A write to the prototype (or a static) of something imported by a bare specifier: global state when the
 * specifier names a package, the app's own when it resolves to one of its modules. Decided with the imports.
 */
export interface ImportedWrite {
  node: ts.Node;
  specifier: string;
  target: string;
}

/** Collects findings. The graph and type-aware rules report into a fresh one, so a cached analysis stays as it was. */
export class FindingSink {
  readonly findings: RawFinding[] = [];

  report(code: HazardCode | typeof internalErrorCode, node: ts.Node, message: string, related?: RelatedLocation[]): void {
    this.findings.push(related ? { code, node, message, related } : { code, node, message });
  }
}

/**
 * Everything the rules of one file share: scopes, import bindings, the hot API, the identifiers in
 * value positions, and the findings. Filled by one walk over the file.
 */
export class FileContext extends FindingSink {
  readonly scopes = new Scopes();
  readonly bindings: Bindings;
  readonly hot = new HotApi();
  /** Identifiers in value-reference positions, by name. */
  readonly valueReferences = new Map<string, ts.Identifier[]>();
  /** Calls to `import(…)` and `require(…)` with a literal specifier. */
  readonly moduleCalls: ts.CallExpression[] = [];
  readonly promiseCandidates: PromiseCandidate[] = [];
  readonly resourceCandidates: ResourceCandidate[] = [];
  readonly importedWrites: ImportedWrite[] = [];

  constructor(
    readonly sourceFile: ts.SourceFile,
    /** The module id: the path relative to the project folder. */
    readonly id: string,
  ) {
    super();
    this.bindings = new Bindings(sourceFile, this.scopes);
  }

  /** The other value references to the variable declared by `name`, in the scope that declares it. */
  referencesTo(name: ts.Identifier): ts.Identifier[] {
    const scope = this.scopes.declaringScope(name.text, name);
    return (this.valueReferences.get(name.text) ?? []).filter(
      (reference) => reference !== name && this.scopes.declaringScope(name.text, reference) === scope,
    );
  }

  /** Whether a top-level name is used as a value anywhere it is not shadowed. */
  isUsedAsValue(name: string): boolean {
    return (this.valueReferences.get(name) ?? []).some((reference) => {
      const scope = this.scopes.declaringScope(name, reference);
      return scope === undefined || ts.isSourceFile(scope);
    });
  }
}

/** True when an identifier reads or writes a variable, as opposed to naming a property or declaration. */
export function isValueReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  switch (parent.kind) {
    case ts.SyntaxKind.PropertyAccessExpression:
      return (parent as ts.PropertyAccessExpression).expression === identifier;
    case ts.SyntaxKind.QualifiedName:
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
    case ts.SyntaxKind.PropertySignature:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.MethodSignature:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
    case ts.SyntaxKind.EnumMember:
    case ts.SyntaxKind.LabeledStatement:
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
    case ts.SyntaxKind.JsxAttribute:
    case ts.SyntaxKind.ImportSpecifier:
    case ts.SyntaxKind.ImportClause:
    case ts.SyntaxKind.NamespaceImport:
    case ts.SyntaxKind.ImportEqualsDeclaration:
    case ts.SyntaxKind.MetaProperty:
      return (parent as { initializer?: ts.Node }).initializer === identifier;
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.BindingElement:
      return (parent as ts.VariableDeclaration).initializer === identifier;
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ClassDeclaration:
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.InterfaceDeclaration:
    case ts.SyntaxKind.TypeAliasDeclaration:
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.TypeParameter:
      return false;
    case ts.SyntaxKind.ExportSpecifier: {
      const specifier = parent as ts.ExportSpecifier;
      const declaration = specifier.parent.parent;
      if (declaration.moduleSpecifier || declaration.isTypeOnly || specifier.isTypeOnly) return false;
      return (specifier.propertyName ?? specifier.name) === identifier;
    }
    default:
      return true;
  }
}

/** The per-file part of a rule: `visit` sees every node in value context; `finish` runs after the walk. */
export interface RuleVisitor {
  visit?(node: ts.Node): void;
  finish?(): void;
}

/**
 * Walks a file once, feeding the shared facts and every rule's visitor. Type positions (annotations,
 * interfaces, `typeof x` in a type, `implements`) are skipped: nothing there runs. A visitor that throws
 * is dropped for the rest of the file and handed to `onError`; the others go on. The walk keeps its own stack,
 * so no depth of nesting overflows it.
 */
export function walkFile(context: FileContext, rules: ReadonlyArray<{ visitor: RuleVisitor; onError: (error: unknown) => void }>): void {
  const active = [...rules];
  /** Runs one step of every active visitor; a visitor that throws is dropped and reported. */
  const each = (step: (visitor: RuleVisitor) => void): void => {
    for (let i = 0; i < active.length; i++) {
      try {
        step(active[i]!.visitor);
      } catch (error) {
        active.splice(i--, 1)[0]!.onError(error);
      }
    }
  };
  forEachNode(context.sourceFile, (node) => {
    if (isTypeOnlyNode(node)) return 'skip';
    if (ts.isIdentifier(node)) {
      if (isValueReference(node)) {
        const list = context.valueReferences.get(node.text);
        if (list) list.push(node);
        else context.valueReferences.set(node.text, [node]);
      }
      return 'skip';
    }
    if (ts.isCallExpression(node) && isModuleCall(node)) context.moduleCalls.push(node);
    context.hot.observe(node);
    each((visitor) => visitor.visit?.(node));
    return undefined;
  });
  each((visitor) => visitor.finish?.());
}

function isTypeOnlyNode(node: ts.Node): boolean {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.isHeritageClause(node)) return node.token === ts.SyntaxKind.ImplementsKeyword || ts.isInterfaceDeclaration(node.parent);
  if (ts.isExpressionWithTypeArguments(node)) {
    return !(ts.isHeritageClause(node.parent) && node.parent.token === ts.SyntaxKind.ExtendsKeyword);
  }
  if (ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node)) return true;
  if (hasDeclareModifier(node)) return true;
  return ts.isTypeNode(node);
}

function hasDeclareModifier(node: ts.Node): boolean {
  if (!ts.canHaveModifiers(node)) return false;
  return ts.getModifiers(node)?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword) ?? false;
}

function isModuleCall(call: ts.CallExpression): boolean {
  const [argument] = call.arguments;
  if (!argument || !ts.isStringLiteralLike(argument)) return false;
  if (call.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  return ts.isIdentifier(call.expression) && call.expression.text === 'require' && call.arguments.length === 1;
}
