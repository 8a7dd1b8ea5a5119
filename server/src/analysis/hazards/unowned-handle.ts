import { ts } from '../typescript';
import { forEachNode } from '../traverse';
import { skipOuterExpressions } from '../bindings';
import type { FileContext } from '../file-context';
import { isDiscarded } from '../handle-usage';
import { say } from '../errors';
import type { SyntaxRule } from './rule';

/** Calls that open something that lives until it is closed, by what they denote. */
const handleFactories = new Set([
  ...['spawn', 'fork', 'exec', 'execFile'].map((name) => `child_process.${name}`),
  ...['http', 'https', 'http2', 'net', 'tls'].map((module) => `${module}.createServer`),
  'http2.createSecureServer',
  'http2.connect',
  'net.connect',
  'net.createConnection',
  'tls.connect',
  'dgram.createSocket',
  'fs.watch',
  'fs.watchFile',
  'readline.createInterface',
  'cluster.fork',
  'chokidar.watch',
]);

/** Constructors of the same kind of handles. */
const handleClasses = new Set([
  'worker_threads.Worker',
  'global.Worker',
  'global.WebSocket',
  'global.EventSource',
  'http.Server',
  'https.Server',
  'net.Server',
  'net.Socket',
  'ws',
  'ws.WebSocket',
  'ws.WebSocketServer',
  'ws.Server',
]);

/** App factories whose `.listen(…)` returns the server that must be closed. */
const appFactories = new Set(['express', 'koa', 'connect', 'polka']);

export const unownedHandle: SyntaxRule = {
  code: 'unowned-handle',
  create(context) {
    const handles: Array<{ node: ts.CallExpression | ts.NewExpression; what: string }> = [];
    return {
      visit(node) {
        if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
          const origin = context.bindings.originOf(node.expression);
          const factories = ts.isCallExpression(node) ? handleFactories : handleClasses;
          if (origin && factories.has(origin)) handles.push({ node, what: describe(origin, node) });
          else if (ts.isCallExpression(node) && isAppListen(node, context)) handles.push({ node, what: 'the server returned by `listen(…)`' });
        }
      },
      finish() {
        for (const { node, what } of handles) {
          if (isDiscarded(node, context)) context.report('unowned-handle', node, say.unownedHandle(what));
        }
      },
    };
  },
};

function describe(origin: string, node: ts.CallExpression | ts.NewExpression): string {
  const name = origin.replace(/^global\./, '');
  return ts.isNewExpression(node) ? `\`new ${name}(…)\`` : `\`${name}(…)\``;
}

/** `app.listen(…)` where `app` is `express()` (or koa, connect, polka), directly or through a variable. */
function isAppListen(call: ts.CallExpression, context: FileContext): boolean {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'listen') return false;
  let app = skipOuterExpressions(callee.expression);
  if (ts.isIdentifier(app)) {
    const initializer = variableInitializer(app, context);
    if (!initializer) return false;
    app = skipOuterExpressions(initializer);
  }
  if (!ts.isCallExpression(app) && !ts.isNewExpression(app)) return false;
  const origin = context.bindings.originOf(app.expression);
  return origin !== undefined && appFactories.has(origin.split('.')[0]!);
}

function variableInitializer(identifier: ts.Identifier, context: FileContext): ts.Expression | undefined {
  const scope = context.scopes.declaringScope(identifier.text, identifier);
  if (!scope) return undefined;
  let found: ts.Expression | undefined;
  forEachNode(scope, (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === identifier.text) {
      found = node.initializer;
      return 'stop';
    }
    return ts.isFunctionLike(node) ? 'skip' : undefined;
  });
  return found;
}
