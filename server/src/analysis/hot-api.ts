import { ts } from './typescript';
import { skipOuterExpressions } from './bindings';

/** Events whose listeners run when a version is retired, like `dispose` callbacks. */
const retireEvents = new Set(['before-unload', 'after-unload']);

/** What a module declares about taking updates, with dependencies as written (specifiers). */
export interface HotDeclarations {
  selfAccepts: boolean;
  acceptedSpecifiers: string[];
  declines: boolean;
}

/**
 * Recognises the module API on `import.meta.hot` (also through an alias such as
 * `const hot = import.meta.hot`) and remembers the dispose hooks, where a module releases what it holds.
 */
export class HotApi {
  readonly declarations: HotDeclarations = { selfAccepts: false, acceptedSpecifiers: [], declines: false };
  private readonly aliases = new Set<string>();
  private readonly hookArguments: ts.Expression[] = [];
  private readonly functions = new Map<string, ts.Node>();
  private hookRegions: ts.Node[] | undefined;

  /** Feeds the walk's variable declarations, function declarations and calls. */
  observe(node: ts.Node): void {
    if (ts.isVariableDeclaration(node)) {
      if (ts.isIdentifier(node.name) && node.initializer) {
        if (this.isHot(node.initializer)) this.aliases.add(node.name.text);
        else if (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer)) {
          this.functions.set(node.name.text, node.initializer);
        }
      }
    } else if (ts.isFunctionDeclaration(node) && node.name) {
      this.functions.set(node.name.text, node);
    } else if (ts.isCallExpression(node)) {
      this.observeCall(node);
    }
  }

  /** True for `import.meta.hot`, `import.meta.hot!`, `(import.meta.hot)` and aliases of it. */
  isHot(expression: ts.Expression): boolean {
    const node = skipOuterExpressions(expression);
    if (ts.isIdentifier(node)) return this.aliases.has(node.text);
    return (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === 'hot' &&
      ts.isMetaProperty(node.expression) &&
      node.expression.keywordToken === ts.SyntaxKind.ImportKeyword
    );
  }

  /** The method name of a call on the hot API (`own` for `import.meta.hot?.own(x)`), else undefined. */
  method(call: ts.CallExpression): string | undefined {
    const callee = skipOuterExpressions(call.expression);
    if (ts.isPropertyAccessExpression(callee) && this.isHot(callee.expression)) return callee.name.text;
    return undefined;
  }

  /** True when `node` sits inside a dispose hook (`dispose(cb)`, `on('before-unload' | 'after-unload', cb)`). */
  inDisposeHook(node: ts.Node): boolean {
    const regions = this.regions();
    if (regions.length === 0) return false;
    for (let current: ts.Node | undefined = node; current; current = current.parent) {
      if (regions.includes(current)) return true;
    }
    return false;
  }

  /** The bodies of the dispose hooks, named functions resolved. Complete once the walk is over. */
  regions(): ts.Node[] {
    this.hookRegions ??= this.hookArguments.flatMap((argument) => {
      const node = skipOuterExpressions(argument);
      if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return [node];
      const named = ts.isIdentifier(node) ? this.functions.get(node.text) : undefined;
      return named ? [named] : [];
    });
    return this.hookRegions;
  }

  private observeCall(call: ts.CallExpression): void {
    const method = this.method(call);
    const [first, second] = call.arguments;
    switch (method) {
      case 'dispose':
        if (first) this.hookArguments.push(first);
        break;
      case 'on':
        if (first && ts.isStringLiteralLike(first) && retireEvents.has(first.text) && second) this.hookArguments.push(second);
        break;
      case 'accept':
        if (!first || ts.isFunctionLike(skipOuterExpressions(first))) this.declarations.selfAccepts = true;
        else this.declarations.acceptedSpecifiers.push(...specifiersOf(first));
        break;
      case 'decline':
        this.declarations.declines = true;
        break;
    }
  }
}

function specifiersOf(argument: ts.Expression): string[] {
  const node = skipOuterExpressions(argument);
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isArrayLiteralExpression(node)) return node.elements.filter(ts.isStringLiteralLike).map((element) => element.text);
  return [];
}
