import { ts } from '../typescript';
import { forEachNode } from '../traverse';
import { hasExportModifier, skipOuterExpressions, skipOuterParents } from '../bindings';
import type { FileContext, FindingSink, ResourceCandidate } from '../file-context';
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
  'chokidar.FSWatcher',
]);

/** App factories whose `.listen(…)` returns the server that must be closed. */
const appFactories = new Set(['express', 'koa', 'connect', 'polka']);

/** Made by the timer functions: the unowned-timer rule's. */
const timerOrigins = new Set(['setInterval', 'setTimeout', 'setImmediate'].flatMap((name) => [`global.${name}`, `timers.${name}`]));

export const unownedHandle: SyntaxRule = {
  code: 'unowned-handle',
  create(context) {
    const handles = new Map<ts.Node, string>();
    const kept: ResourceCandidate[] = [];
    return {
      visit(node) {
        if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
          const origin = context.bindings.originOf(node.expression);
          const factories = ts.isCallExpression(node) ? handleFactories : handleClasses;
          if (origin && factories.has(origin)) handles.set(node, describe(origin, node));
          else if (ts.isCallExpression(node) && isAppListen(node, context)) handles.set(node, 'the server returned by `listen(…)`');
        } else if (ts.isVariableDeclaration(node)) {
          const made = node.initializer && madeBy(node.initializer);
          if (made && isKeptAtModuleScope(node)) kept.push({ declaration: node, made });
        }
      },
      finish() {
        const dropped = new Set<ts.Node>();
        for (const [node, what] of handles) {
          if (!isDiscarded(node as ts.Expression, context)) continue;
          dropped.add(node);
          context.report('unowned-handle', node, say.unownedHandle(what));
        }
        // A handle a function of this module opens into a local that never leaves it, when the module's top
        // level calls that function: made once per version, and nothing can reach it to close it.
        for (const [node, what] of handles) {
          if (dropped.has(node)) continue;
          const local = heldLocally(node, context);
          if (!local) continue;
          dropped.add(node);
          context.report('unowned-handle', node, say.heldInHelper(local.name, local.helper, what));
        }
        for (const candidate of kept) {
          if (dropped.has(candidate.made) || isReleased(candidate.declaration, context)) continue;
          const what = handles.get(candidate.made);
          if (what) context.report('unowned-handle', candidate.made, say.unreleasedResource(candidate.declaration.name.text, `what ${what} opened`));
          else if (!isTimerOrHotCall(candidate.made, context)) context.resourceCandidates.push(candidate);
        }
      },
    };
  },
};

/** The call or `new` a variable's initializer makes, through parentheses, assertions and `await`. */
function madeBy(initializer: ts.Expression): ts.CallExpression | ts.NewExpression | undefined {
  let node = skipOuterExpressions(initializer);
  if (ts.isAwaitExpression(node)) node = skipOuterExpressions(node.expression);
  return ts.isCallExpression(node) || ts.isNewExpression(node) ? node : undefined;
}

/** A `const`/`let` of the module's own top level (made once per version), not exported (importers hold it then). */
function isKeptAtModuleScope(declaration: ts.VariableDeclaration): declaration is ts.VariableDeclaration & { name: ts.Identifier } {
  const statement = declaration.parent.parent;
  if (!ts.isIdentifier(declaration.name) || !ts.isVariableStatement(statement) || !ts.isSourceFile(statement.parent)) return false;
  return !hasExportModifier(statement);
}

/**
 * True when the version lets go of the value when it is retired, or passes it on: a use in a dispose
 * hook, `own(x)`, `hot.data.x = x`, an export (`export { x }`), or `x.listen(…)` (the runtime hands a
 * listening socket to the next version and closes the old server).
 */
function isReleased(declaration: ts.VariableDeclaration & { name: ts.Identifier }, context: FileContext): boolean {
  return context.referencesTo(declaration.name).some((reference) => {
    if (context.hot.inDisposeHook(reference)) return true;
    const parent = skipOuterParents(reference);
    if (ts.isExportSpecifier(parent) || ts.isExportAssignment(parent)) return true;
    if (ts.isCallExpression(parent) && parent.arguments.includes(reference as ts.Expression) && context.hot.method(parent) === 'own') return true;
    if (ts.isPropertyAccessExpression(parent) && parent.name.text === 'listen' && ts.isCallExpression(parent.parent)) return true;
    return ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && isHotData(parent.left, context);
  });
}

/** `hot.data.x` or `hot.data['x']`. */
function isHotData(target: ts.Expression, context: FileContext): boolean {
  const node = skipOuterExpressions(target);
  if (!ts.isPropertyAccessExpression(node) && !ts.isElementAccessExpression(node)) return false;
  const data = skipOuterExpressions(node.expression);
  return ts.isPropertyAccessExpression(data) && data.name.text === 'data' && context.hot.isHot(data.expression);
}

/** Methods that close what they are called on: a helper that calls one handles its handle itself. */
const closeMethods = new Set(['close', 'end', 'destroy', 'dispose', 'disconnect', 'terminate', 'kill', 'unref']);

/**
 * `const socket = net.createConnection(…)` in a function of this module that its top level calls, where
 * `socket` never leaves the function (not returned, stored, passed on, captured by a dispose hook or closed
 * there): the local and the function's name.
 */
function heldLocally(made: ts.Node, context: FileContext): { name: string; helper: string } | undefined {
  const declaration = skipOuterParents(made);
  if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name) || skipOuterExpressions(declaration.initializer!) !== made)
    return undefined;
  const helper = ts.findAncestor(declaration, ts.isFunctionLike);
  if (!helper || ts.findAncestor(helper.parent, ts.isFunctionLike)) return undefined;
  const name = helperName(helper);
  if (!name || !calledAtLoad(name, made.getSourceFile())) return undefined;
  for (const reference of context.referencesTo(declaration.name)) {
    if (context.hot.inDisposeHook(reference)) return undefined;
    const parent = skipOuterParents(reference);
    // `socket.on(…)`, `socket.write(…)`: used in place. `socket.end()`: closed here.
    if (ts.isPropertyAccessExpression(parent) && parent.expression === skipOuterExpressions(reference as ts.Expression)) {
      if (closeMethods.has(parent.name.text)) return undefined;
      continue;
    }
    // Anything else hands it on: returned, stored, passed, captured in a literal.
    return undefined;
  }
  return { name: declaration.name.text, helper: name };
}

function helperName(fn: ts.SignatureDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn) && fn.name) return fn.name.text;
  const parent = fn.parent;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name))
    return parent.name.text;
  return undefined;
}

/** Whether the module's top level (outside any function) calls `name`. */
function calledAtLoad(name: string, file: ts.SourceFile): boolean {
  let called = false;
  forEachNode(file, (node) => {
    if (called) return 'stop';
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return 'skip';
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(skipOuterExpressions(node.expression)) &&
      (skipOuterExpressions(node.expression) as ts.Identifier).text === name
    ) {
      called = true;
      return 'stop';
    }
    return undefined;
  });
  return called;
}

function isTimerOrHotCall(made: ts.CallExpression | ts.NewExpression, context: FileContext): boolean {
  const origin = context.bindings.originOf(made.expression);
  if (origin && timerOrigins.has(origin)) return true;
  return ts.isCallExpression(made) && context.hot.method(made) !== undefined;
}

/** Release methods: a value whose type has one that really releases something is a resource someone must release. */
const releaseMethods = ['close', 'end', 'destroy', 'dispose', 'disconnect', 'terminate'];

/**
 * Node's classes that hold a handle of the system (a socket, a server, a child, a thread, a watcher, a file, a
 * timer), by their name in Node's typings: what they or a subclass of theirs keep open lives until released.
 */
const nodeHandleClasses = new Set([
  'Socket',
  'TLSSocket',
  'Server',
  'ChildProcess',
  'Worker',
  'FSWatcher',
  'StatWatcher',
  'Interface',
  'ReadStream',
  'WriteStream',
  'FileHandle',
  'Dir',
  'Agent',
  'MessagePort',
  'BroadcastChannel',
  'Http2Session',
  'ClientHttp2Session',
  'ServerHttp2Session',
  'Http2SecureServer',
  'REPLServer',
  'Session',
  'Timeout',
  'Immediate',
]);

/**
 * The type-aware half: a value kept at module scope and never released is reported when it is a resource by
 * what it does: an instance of one of Node's handle classes (or of a subclass), or a value whose release method
 * (`close`, `end`, `destroy`, `dispose`, `disconnect`, `terminate`, `[Symbol.dispose]`, `[Symbol.asyncDispose]`)
 * does something: one whose code is in the project and calls, awaits or makes something, or one only declared
 * (a package's pool or client, which cannot be read). A release method Node's generic classes declare (a plain
 * stream's `destroy()`, an emitter's), a no-op one, a deprecated one, or one of a function (a logger) releases nothing.
 */
export function checkResources(candidates: readonly ResourceCandidate[], checker: ts.TypeChecker, sink: FindingSink): void {
  for (const { declaration, made } of candidates) {
    const type = checker.getTypeAtLocation(declaration.name);
    const release = releaseMethodOf(checker, type, declaration.name);
    if (!release) continue;
    const what = `a \`${checker.typeToString(type, undefined, ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope)}\` (released with \`${release}\`)`;
    sink.report('unowned-handle', made, say.unreleasedResource(declaration.name.text, what));
  }
}

function releaseMethodOf(checker: ts.TypeChecker, type: ts.Type, location: ts.Node): string | undefined {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return undefined;
  // A function with extras (a logger such as debug's `Debugger`, whose `destroy()` only unregisters it) holds no handle.
  if (type.getCallSignatures().length > 0) return undefined;
  const handle = holdsNodeHandle(type);
  for (const name of releaseMethods) {
    const method = type.getProperty(name);
    if (!method || checker.getTypeOfSymbolAtLocation(method, location).getCallSignatures().length === 0) continue;
    if (handle || releases(method)) return `${name}()`;
  }
  // Well-known symbols are named `__@dispose@123` by the checker.
  for (const property of type.getProperties()) {
    const symbol = /^__@(asyncDispose|dispose)@\d+$/.exec(property.escapedName as string)?.[1];
    if (symbol && (handle || releases(property))) return `[Symbol.${symbol}]()`;
  }
  return undefined;
}

/** Whether `type` is, or derives from, one of Node's handle classes. */
function holdsNodeHandle(type: ts.Type, seen = new Set<ts.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const symbol = type.getSymbol();
  if (symbol && nodeHandleClasses.has(symbol.name) && (symbol.declarations ?? []).some((declaration) => isNodeTyping(declaration.getSourceFile())))
    return true;
  if (type.isUnionOrIntersection()) return type.types.some((part) => holdsNodeHandle(part, seen));
  const target = (type as ts.TypeReference).target ?? type;
  if (!(target.flags & ts.TypeFlags.Object) || !((target as ts.ObjectType).objectFlags & ts.ObjectFlags.ClassOrInterface)) return false;
  return (target as ts.InterfaceType).getBaseTypes?.()?.some((base) => holdsNodeHandle(base, seen)) ?? false;
}

/**
 * Whether a release method releases something, by its declarations: not when Node's typings or the standard
 * library declare it (a generic class's: a plain stream, an emitter), when it is deprecated (kept for
 * compatibility), or when its code, in the project, calls, awaits and makes nothing (a no-op disposer).
 * Declared only (a package's typings): it may, and is taken to.
 */
function releases(method: ts.Symbol): boolean {
  if (isDeprecated(method)) return false;
  const declarations = method.declarations ?? [];
  if (declarations.length === 0) return true;
  return declarations.some((declaration) => {
    const file = declaration.getSourceFile();
    if (isNodeTyping(file)) return false;
    const body = bodyOf(declaration);
    return body === undefined ? true : doesSomething(body);
  });
}

function bodyOf(declaration: ts.Declaration): ts.Node | undefined {
  if ((ts.isMethodDeclaration(declaration) || ts.isFunctionLike(declaration)) && 'body' in declaration && declaration.body)
    return declaration.body as ts.Node;
  if ((ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const value = skipOuterExpressions(declaration.initializer);
    if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value.body;
  }
  return undefined;
}

/** Whether code calls, awaits, makes or deletes anything. */
function doesSomething(body: ts.Node): boolean {
  let acts = false;
  forEachNode(body, (node) => {
    if (
      ts.isCallExpression(node) ||
      ts.isNewExpression(node) ||
      ts.isAwaitExpression(node) ||
      ts.isDeleteExpression(node) ||
      ts.isYieldExpression(node)
    ) {
      acts = true;
      return 'stop';
    }
    return undefined;
  });
  return acts;
}

/** A file of Node's typings or of TypeScript's standard library. */
function isNodeTyping(file: ts.SourceFile): boolean {
  return file.isDeclarationFile && (/[\\/]@types[\\/]node[\\/]/.test(file.fileName) || /[\\/]lib(\.[\w.]+)?\.d\.ts$/.test(file.fileName));
}

function isDeprecated(symbol: ts.Symbol): boolean {
  return symbol.getJsDocTags().some((tag) => tag.name === 'deprecated');
}

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
  const declaration = context.scopes.declarationOf(identifier.text, identifier);
  return declaration && ts.isVariableDeclaration(declaration) ? declaration.initializer : undefined;
}
