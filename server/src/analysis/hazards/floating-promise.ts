import { ts } from '../typescript';
import { skipOuterExpressions } from '../bindings';
import type { FindingSink, PromiseCandidate } from '../file-context';
import { say } from '../errors';
import type { SyntaxRule } from './rule';

/**
 * The syntactic half: collects the statements whose value is dropped and might be a promise. The checker
 * is asked about these only, which keeps the type-aware pass far cheaper than a full semantic pass.
 */
export const floatingPromiseCandidates: SyntaxRule = {
  code: 'floating-promise',
  create(context) {
    return {
      visit(node) {
        if (ts.isExpressionStatement(node) && unhandledParts(node.expression).length > 0) {
          context.promiseCandidates.push({ statement: node });
        }
      },
    };
  },
};

/** The type-aware half: reports the candidates whose dropped value is a promise or an array of promises. */
export function checkFloatingPromises(candidates: readonly PromiseCandidate[], checker: ts.TypeChecker, sink: FindingSink): void {
  for (const { statement } of candidates) {
    for (const part of unhandledParts(statement.expression)) {
      const kind = promiseKind(checker, checker.getTypeAtLocation(part));
      if (kind) {
        sink.report('floating-promise', statement, say.floatingPromise(kind === 'array'));
        break;
      }
    }
  }
}

/**
 * The sub-expressions whose value a statement drops without handling a rejection. `void p`, `await p`,
 * assignments, `.catch(h)` and `.then(f, h)` handle it; `.finally(f)` passes the promise on; the branches
 * of `a ? p : q`, `a && p` and `a, p` are looked at one by one.
 */
function unhandledParts(expression: ts.Expression): ts.Expression[] {
  const node = skipOuterExpressions(expression);
  if (ts.isVoidExpression(node) || ts.isAwaitExpression(node)) return [];
  if (ts.isConditionalExpression(node)) return [...unhandledParts(node.whenTrue), ...unhandledParts(node.whenFalse)];
  if (ts.isBinaryExpression(node)) {
    const operator = node.operatorToken.kind;
    if (operator === ts.SyntaxKind.CommaToken) return [...unhandledParts(node.left), ...unhandledParts(node.right)];
    if (
      operator === ts.SyntaxKind.AmpersandAmpersandToken ||
      operator === ts.SyntaxKind.BarBarToken ||
      operator === ts.SyntaxKind.QuestionQuestionToken
    ) {
      return unhandledParts(node.right);
    }
    return [];
  }
  if (ts.isCallExpression(node)) {
    const callee = skipOuterExpressions(node.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      if (method === 'catch' && node.arguments.length >= 1) return [];
      if (method === 'then' && node.arguments.length >= 2) return [];
      if (method === 'finally') return unhandledParts(callee.expression).length > 0 ? [node] : [];
    }
    return [node];
  }
  if (ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node)) return [node];
  if (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) return [node];
  return [];
}

/** `promise` for a thenable (or a union holding one), `array` for an array or tuple of thenables. */
function promiseKind(checker: ts.TypeChecker, type: ts.Type): 'promise' | 'array' | undefined {
  if (isThenable(checker, type)) return 'promise';
  for (const part of type.isUnion() ? type.types : [type]) {
    if (checker.isArrayType(part) || checker.isTupleType(part)) {
      if (checker.getTypeArguments(part as ts.TypeReference).some((element) => isThenable(checker, element))) return 'array';
    }
  }
  return undefined;
}

function isThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  for (const part of type.isUnion() ? type.types : [type]) {
    const then = part.getProperty('then');
    if (!then) continue;
    if (checker.getTypeOfSymbol(then).getCallSignatures().some((signature) => signature.parameters.length >= 1)) return true;
  }
  return false;
}
