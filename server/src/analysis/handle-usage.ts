import { hasExportModifier, isOuterExpression } from './bindings';
import { ts } from './typescript';
import type { FileContext } from './file-context';

/** Methods of timers, servers, sockets and emitters that return the object they are called on. */
const returnsReceiver = new Set([
  'listen',
  'on',
  'once',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'removeListener',
  'off',
  'unref',
  'ref',
  'setMaxListeners',
  'setEncoding',
  'setKeepAlive',
  'setNoDelay',
  'setTimeout',
]);

/**
 * True when the value of `node` (a handle: a timer, server, child process…) can no longer be reached
 * once the statement ends, so nothing can ever close it: it is a statement of its own, `void`ed, the
 * start of a chain of receiver-returning calls (`createServer(h).listen(80)`), or stored in a variable
 * that is only ever used for such chains. A handle that is returned, passed, exported, stored in a
 * property, or released (`clearInterval(t)`, `server.close()`) is not discarded.
 */
export function isDiscarded(node: ts.Expression, context: FileContext): boolean {
  let current: ts.Node = node;
  for (;;) {
    const parent: ts.Node = current.parent;
    if (isOuterExpression(parent)) {
      current = parent;
      continue;
    }
    const chained = chainedCall(current);
    if (chained) {
      current = chained;
      continue;
    }
    if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return true;
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      return parent.left === current || isDiscarded(parent, context);
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer === current && ts.isIdentifier(parent.name)) {
      if (isExported(parent)) return false;
      return context.referencesTo(parent.name).every((reference) => isChainStart(reference, context));
    }
    return false;
  }
}

/** `x.listen(…)` for `x`: the call, when the method returns its receiver; otherwise undefined. */
function chainedCall(receiver: ts.Node): ts.CallExpression | undefined {
  const access = receiver.parent;
  if (!ts.isPropertyAccessExpression(access) || access.expression !== receiver) return undefined;
  const call = access.parent;
  if (!ts.isCallExpression(call) || call.expression !== access) return undefined;
  return returnsReceiver.has(access.name.text) ? call : undefined;
}

function isChainStart(reference: ts.Identifier, context: FileContext): boolean {
  const call = chainedCall(reference);
  return call !== undefined && isDiscarded(call, context);
}

function isExported(declaration: ts.VariableDeclaration): boolean {
  const statement = declaration.parent.parent;
  return ts.isVariableStatement(statement) && hasExportModifier(statement);
}
