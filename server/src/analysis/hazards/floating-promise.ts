import { ts } from '../typescript';
import type { FindingSink, PromiseCandidate, RelatedLocation } from '../file-context';
import { say } from '../errors';
import { skipParentheses } from '../bindings';
import type { RuleOptions } from '../../../../src-shared/hazard-codes';
import type { SyntaxRule } from './rule';
import { identityTarget, RejectionReach, rejectionHandlerOf, type RejectionSource } from './rejection';

/**
 * The syntactic half: collects the statements whose value is dropped and might be a promise. The checker
 * is asked about these only, which keeps the type-aware pass far cheaper than a full semantic pass.
 */
export const floatingPromiseCandidates: SyntaxRule = {
  code: 'floating-promise',
  create(context) {
    return {
      visit(node) {
        if (ts.isExpressionStatement(node) && mayHoldPromise(node.expression)) context.promiseCandidates.push({ statement: node });
      },
    };
  },
};

/** Expressions whose value can be a promise nobody handles: not assignments, `void`, literals or functions. */
function mayHoldPromise(expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  if (ts.isBinaryExpression(node)) return !isAssignment(node.operatorToken.kind);
  return !(
    ts.isVoidExpression(node) ||
    ts.isDeleteExpression(node) ||
    ts.isTypeOfExpression(node) ||
    ts.isPrefixUnaryExpression(node) ||
    ts.isPostfixUnaryExpression(node) ||
    ts.isLiteralExpression(node) ||
    ts.isFunctionLike(node) ||
    ts.isClassExpression(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword
  );
}

function isAssignment(operator: ts.SyntaxKind): boolean {
  return operator >= ts.SyntaxKind.FirstAssignment && operator <= ts.SyntaxKind.LastAssignment;
}

/** What a dropped value is, when it is left unhandled, and the expression that makes the unhandled promise. */
type Unhandled = { array: boolean; uselessHandler: boolean; expression: ts.Expression } | undefined;

/**
 * The type-aware half. With `mode: "typescript-eslint"`, the semantics of typescript-eslint's `no-floating-promises`
 * (default options): a statement floats when its value is a Promise (or, with `checkThenables`, any thenable), or an
 * array or tuple of them, and it does not end in `.catch(handler)` or `.then(f, handler)` with a function as handler.
 *
 * In the default `reload` mode, such a statement is reported only when the rejection can really be lost: not when
 * the call hands its result to a Node-style callback (`asCallback(p, cb)`, `client.cluster('INFO', (err) => …)`),
 * not when the callee, followed into the project's code, cannot reject or returns no promise at all, and not when
 * a `Promise | void` comes from a package whose implementation may well be synchronous. The finding then names
 * where the rejection would come from.
 */
export function checkFloatingPromises(
  candidates: readonly PromiseCandidate[],
  program: ts.Program,
  options: RuleOptions['floating-promise'],
  sink: FindingSink,
): void {
  const types = new PromiseTypes(program, options.checkThenables === true);
  const reach =
    options.mode === 'typescript-eslint'
      ? undefined
      : new RejectionReach(
          program,
          (node, type) => types.isPromise(node, type),
          (node) => types.isMaybePromise(node),
        );
  for (const { statement } of candidates) {
    const expression = skipParentheses(statement.expression);
    if (ts.isCallExpression(expression) && types.givesNoPromise(expression)) continue;
    const unhandled = unhandledIn(expression, types);
    if (!unhandled) continue;
    const message = say.floatingPromise(unhandled.array, unhandled.uselessHandler);
    if (!reach) {
      sink.report('floating-promise', statement, message);
      continue;
    }
    const source = unhandled.uselessHandler
      ? { node: unhandled.expression, what: 'the handler given is not a function' }
      : lostRejection(unhandled, types, reach);
    if (source) sink.report('floating-promise', statement, `${message} ${say.rejectsAt(source.what)}`, [related(source)]);
  }
}

/** Where the dropped promise can reject, followed as far as the project's code goes; undefined when it cannot be lost. */
function lostRejection(unhandled: NonNullable<Unhandled>, types: PromiseTypes, reach: RejectionReach): RejectionSource | undefined {
  const expression = skipParentheses(unhandled.expression);
  if (unhandled.array) {
    // `items.map(async (item) => …)`: the promises are the callback's.
    const callback = ts.isCallExpression(expression)
      ? expression.arguments.find((argument) => ts.isFunctionLike(skipParentheses(argument)))
      : undefined;
    return callback
      ? reach.functionSource(skipParentheses(callback) as ts.SignatureDeclaration, 1, true)
      : { node: expression, what: 'an array of promises' };
  }
  if (ts.isCallExpression(expression) && expression.arguments.some((argument) => types.isErrorFirstCallback(argument))) return undefined;
  if (ts.isCallExpression(expression) && types.returnsHeldTarget(expression)) return undefined;
  // A `Promise | void` of code that cannot be read is judged where the walk meets any call of it (RejectionReach.callSource).
  return reach.sourceOf(expression, 0);
}

function related(source: RejectionSource): RelatedLocation {
  const file = source.node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(source.node.getStart(file));
  return { file: file.fileName, line: line + 1, column: character + 1, message: `can reject here: ${source.what}` };
}

function unhandledIn(node: ts.Expression, types: PromiseTypes): Unhandled {
  if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) return undefined;
  // Any part of `a, b` may be a dropped promise, whatever the type of the whole.
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.CommaToken) {
    return unhandledIn(skipParentheses(node.left), types) ?? unhandledIn(skipParentheses(node.right), types);
  }
  if (types.isPromiseArray(node)) return { array: true, uselessHandler: false, expression: node };
  if (ts.isAwaitExpression(node) || !types.isPromise(node)) return undefined;
  if (ts.isCallExpression(node)) return unhandledCall(node, types);
  if (ts.isConditionalExpression(node)) {
    return unhandledIn(skipParentheses(node.whenFalse), types) ?? unhandledIn(skipParentheses(node.whenTrue), types);
  }
  if (ts.isBinaryExpression(node) && isLogical(node.operatorToken.kind)) {
    return unhandledIn(skipParentheses(node.left), types) ?? unhandledIn(skipParentheses(node.right), types);
  }
  return { array: false, uselessHandler: false, expression: node };
}

/** `.catch(h)` and `.then(f, h)` handle the promise when `h` is a function; `.finally(f)` passes it on. */
function unhandledCall(call: ts.CallExpression, types: PromiseTypes): Unhandled {
  const method = methodName(call.expression);
  const handler = rejectionHandlerOf(call, method);
  if (handler) return types.isFunction(handler) ? undefined : { array: false, uselessHandler: true, expression: call };
  if (method === 'finally' && (ts.isPropertyAccessExpression(call.expression) || ts.isElementAccessExpression(call.expression))) {
    return unhandledIn(skipParentheses(call.expression.expression), types);
  }
  return { array: false, uselessHandler: false, expression: call };
}

/** `p.name` or `p['name']` (a literal key): the name of the method called. */
function methodName(callee: ts.Expression): string | undefined {
  const node = skipParentheses(callee);
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node)) {
    const key = skipParentheses(node.argumentExpression);
    if (ts.isStringLiteralLike(key)) return key.text;
  }
  return undefined;
}

function isLogical(operator: ts.SyntaxKind): boolean {
  return (
    operator === ts.SyntaxKind.AmpersandAmpersandToken || operator === ts.SyntaxKind.BarBarToken || operator === ts.SyntaxKind.QuestionQuestionToken
  );
}

/** Type questions about one program. */
class PromiseTypes {
  private readonly checker: ts.TypeChecker;

  constructor(
    private readonly program: ts.Program,
    private readonly checkThenables: boolean,
  ) {
    this.checker = program.getTypeChecker();
  }

  isPromise(node: ts.Node, type = this.checker.getTypeAtLocation(node)): boolean {
    const parts = unionParts(this.checker.getApparentType(type));
    if (parts.some((part) => this.isBuiltinPromise(part))) return true;
    return this.checkThenables && parts.some((part) => this.isThenable(part, node));
  }

  isPromiseArray(node: ts.Node): boolean {
    for (const part of unionParts(this.checker.getTypeAtLocation(node))) {
      const apparent = this.checker.getApparentType(part);
      if (this.checker.isArrayType(apparent) || this.checker.isTupleType(apparent)) {
        const elements = this.checker.getTypeArguments(apparent as ts.TypeReference);
        if (elements.some((element) => this.isPromise(node, element))) return true;
      }
    }
    return false;
  }

  /**
   * A Node-style callback: a function whose first parameter is the error (`(err, result) => …`, or a value typed
   * so). A call given one delivers its failure there, the way dual callback/promise APIs do.
   */
  isErrorFirstCallback(node: ts.Node): boolean {
    const inner = skipParentheses(node as ts.Expression);
    if (ts.isFunctionLike(inner)) return isErrorName(inner.parameters[0]?.name);
    const type = this.checker.getTypeAtLocation(node);
    return unionParts(this.checker.getNonNullableType(type)).some((part) =>
      part.getCallSignatures().some((signature) => {
        const first = signature.parameters[0];
        return first !== undefined && /^(err|error|e|er|cause)$/i.test(first.getName());
      }),
    );
  }

  /**
   * Whether a call cannot give a promise, or an array or tuple of them, judged by its callee's signatures alone:
   * every one returns a type that is neither whatever its type parameters become (`void`, `number`, `Foo<T>`; not
   * `T`, `T[]`, `Promise<T>`, a conditional or mapped type). Most calls a module
   * makes as statements return nothing of the kind (`void`, a number, an object); asking for the call's own type
   * instead would resolve it (overloads, the arguments' types) only to learn the same. Exact: anything it cannot
   * tell is left to the full question. Not with `checkThenables`, where any object may be a thenable.
   */
  givesNoPromise(call: ts.CallExpression): boolean {
    if (this.checkThenables) return false;
    // `super(…)` gives nothing; calling an `any` gives an `any`, which is no promise.
    if (call.expression.kind === ts.SyntaxKind.SuperKeyword) return true;
    const callee = this.checker.getNonNullableType(this.checker.getTypeAtLocation(call.expression));
    if (callee.flags & ts.TypeFlags.Any) return true;
    let signatures = 0;
    for (const part of unionParts(callee)) {
      for (const signature of part.getCallSignatures()) {
        if (!this.plainlyNoPromise(signature.getReturnType())) return false;
        signatures++;
      }
      if (part.getCallSignatures().length === 0) return false;
    }
    return signatures > 0;
  }

  /** A type that is no promise and no array or tuple of promises, whatever its type parameters are instantiated with. */
  private plainlyNoPromise(type: ts.Type, depth = 0): boolean {
    if (depth > 3) return false;
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never | ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Null))
      return true;
    if (
      type.flags &
      (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike)
    )
      return true;
    if (type.isUnionOrIntersection()) return type.types.every((part) => this.plainlyNoPromise(part, depth + 1));
    if (!(type.flags & ts.TypeFlags.Object)) return false;
    // A mapped type over a type parameter may be a tuple of promises once instantiated.
    if ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Mapped) return false;
    if (this.isBuiltinPromise(type)) return false;
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type))
      return this.checker.getTypeArguments(type as ts.TypeReference).every((element) => this.plainlyNoPromise(element, depth + 1));
    // Any other class or interface is no promise, instantiated with whatever (one deriving from Promise is, above).
    return true;
  }

  /**
   * A union of a promise with `void`, `undefined` or a value of another type (`boolean | Promise<boolean>`): an API
   * that allows its implementations to be synchronous.
   */
  isMaybePromise(node: ts.Node): boolean {
    const type = this.checker.getTypeAtLocation(node);
    if (!type.isUnion()) return false;
    const plain = (part: ts.Type) => !(part.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) && !this.isPromise(node, part);
    return type.types.some(plain) && this.isPromise(node, type);
  }

  /**
   * `Object.defineProperties(p, …)`, `Object.assign(p, …)` and their kind return the object they are given: when
   * that is a value the code holds (a variable, a property, `this`), the statement drops nothing the code does not
   * still have.
   */
  returnsHeldTarget(call: ts.CallExpression): boolean {
    const target = identityTarget(call, this.program);
    const held = target && skipParentheses(target);
    return held !== undefined && (ts.isIdentifier(held) || ts.isPropertyAccessExpression(held) || held.kind === ts.SyntaxKind.ThisKeyword);
  }

  isFunction(node: ts.Node): boolean {
    return this.checker.getTypeAtLocation(node).getCallSignatures().length > 0;
  }

  /**
   * The lib's `Promise`, a class or interface extending it, an intersection holding one, or a type
   * parameter constrained to one. A `Promise` declared elsewhere (a user's own class) is not the lib's.
   */
  private isBuiltinPromise(type: ts.Type): boolean {
    if (type.isIntersection()) return type.types.some((part) => this.isBuiltinPromise(part));
    if (type.isUnion()) return type.types.every((part) => this.isBuiltinPromise(part));
    if (type.flags & ts.TypeFlags.TypeParameter) {
      const constraint = (type as ts.TypeParameter).getConstraint();
      return constraint !== undefined && this.isBuiltinPromise(constraint);
    }
    const symbol = type.getSymbol();
    if (!symbol) return false;
    if (symbol.getName() === 'Promise' && this.isFromDefaultLibrary(symbol)) return true;
    if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return false;
    return (this.checker.getBaseTypes(type as ts.InterfaceType) ?? []).some((base) => this.isBuiltinPromise(base));
  }

  private isFromDefaultLibrary(symbol: ts.Symbol): boolean {
    return (symbol.getDeclarations() ?? []).some((declaration) => this.program.isSourceFileDefaultLibrary(declaration.getSourceFile()));
  }

  /** Any object whose `then` takes two callbacks, a fulfilment and a rejection handler. */
  private isThenable(type: ts.Type, node: ts.Node): boolean {
    const then = type.getProperty('then');
    if (!then) return false;
    const thenType = this.checker.getTypeOfSymbolAtLocation(then, node);
    return unionParts(thenType).some((part) =>
      part.getCallSignatures().some((signature) => {
        const [onFulfilled, onRejected] = signature.parameters;
        return onFulfilled !== undefined && onRejected !== undefined && this.isCallable(onFulfilled, node) && this.isCallable(onRejected, node);
      }),
    );
  }

  private isCallable(parameter: ts.Symbol, node: ts.Node): boolean {
    const type = this.checker.getApparentType(this.checker.getTypeOfSymbolAtLocation(parameter, node));
    return unionParts(type).some((part) => part.getCallSignatures().length > 0);
  }
}

function isErrorName(name: ts.BindingName | undefined): boolean {
  return name !== undefined && ts.isIdentifier(name) && /^_?(err|error|e|er|cause)$/i.test(name.text);
}

function unionParts(type: ts.Type): readonly ts.Type[] {
  return type.isUnion() ? type.types : [type];
}
