import { builtinModules } from 'node:module';
import { ts } from '../typescript';
import { globalObjectNames, rootIdentifier, skipOuterExpressions } from '../bindings';
import type { FileContext } from '../file-context';
import { say } from '../errors';
import { forEachNode } from '../traverse';
import type { SyntaxRule } from './rule';

/** Built-in globals whose properties and prototypes every module shares. */
const builtIns = new Set([
  'Array',
  'ArrayBuffer',
  'BigInt',
  'Boolean',
  'Buffer',
  'console',
  'Date',
  'Error',
  'Function',
  'Intl',
  'JSON',
  'Map',
  'Math',
  'Number',
  'Object',
  'process',
  'Promise',
  'Proxy',
  'Reflect',
  'RegExp',
  'Set',
  'String',
  'Symbol',
  'URL',
  'URLSearchParams',
  'WeakMap',
  'WeakRef',
  'WeakSet',
  'EventTarget',
  'AbortController',
  'TextEncoder',
  'TextDecoder',
  'Uint8Array',
  'Int32Array',
  'Float64Array',
  'Headers',
  'Request',
  'Response',
  'fetch',
]);
/** Names each CommonJS module gets as its own. */
const commonJsLocals = new Set(['exports', 'module', 'require', '__filename', '__dirname']);

/** Calls that write to their first argument. */
const writers = new Set([
  'Object.defineProperty',
  'Object.defineProperties',
  'Object.assign',
  'Object.setPrototypeOf',
  'Reflect.set',
  'Reflect.defineProperty',
  'Reflect.deleteProperty',
  'Reflect.setPrototypeOf',
]);

export const globalMutation: SyntaxRule = {
  code: 'global-mutation',
  create(context) {
    const writes: Array<{ node: ts.Node; target: string; specifier?: string; restore: boolean }> = [];
    /** Functions whose closures put an original back, with what they restore: a patch they make comes with its undo. */
    const undoneIn = new Set<string>();
    const record = (node: ts.Node, target: ts.Expression, wholeObject = false): void => {
      // An entry of Node's module cache set or moved for a module being loaded: per-module bookkeeping that nothing accumulates in.
      if (isModuleCacheEntry(target, context)) return;
      // Data set (`process.exitCode = 1`, `globalThis.state = { ready: true }`), or a built-in or a package's export
      // (`process.nextTick = setImmediate`, `globalThis.WebSocket = WebSocket` from 'ws'): it holds no code of the
      // version, and the next load sets it again rather than adding to it.
      if (
        ts.isBinaryExpression(node) &&
        settingKinds.has(node.operatorToken.kind) &&
        (isDataSetting(target) || (isGlobalSlot(target) && (isData(node.right, context) || isOutsideCode(node.right, context))))
      )
        return;
      // A well-known value filled in where the runtime lacks it (`Symbol.dispose ??= Symbol()`): set at most once in the
      // process, holding no code, so no load adds to it (with `=`, each load would make a new symbol).
      if (ts.isBinaryExpression(node) && isFillIn(node.operatorToken.kind) && isBuiltinStatic(target, context) && isPrimitive(node.right, context))
        return;
      // Putting back the value captured before a patch (`Module._resolveFilename = original`) is the undo, not a write that lasts.
      const restore =
        ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && restoresOriginal(target, node.right, context);
      if (restore) for (const fn of enclosingFunctions(node).slice(1)) undoneIn.add(`${fn.pos}\n${sourceText(skipOuterExpressions(target))}`);
      const described = globalTarget(target, context, wholeObject);
      if (described) writes.push({ node, target: described, restore });
      else {
        const imported = importedPrototype(target, context, wholeObject);
        if (imported) writes.push({ node, ...imported, restore });
      }
    };
    return {
      visit(node) {
        if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) record(node, node.left);
        else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && isIncrement(node.operator)) {
          record(node, node.operand);
        } else if (ts.isDeleteExpression(node)) record(node, node.expression);
        else if (ts.isCallExpression(node) && node.arguments[0]) {
          const origin = context.bindings.originOf(node.expression);
          if (origin && writers.has(origin.replace(/^global\./, ''))) record(node, node.arguments[0], true);
        }
      },
      finish() {
        const restored = new Set(writes.filter((write) => context.hot.inDisposeHook(write.node)).map((write) => write.target));
        // A write the same function undoes in a `finally` (`Error.prepareStackTrace` swapped for one call) does not last.
        const restoredBy = (write: { node: ts.Node; target: string }) => `${enclosingFunction(write.node).pos}\n${write.target}`;
        const putBack = new Set(writes.filter((write) => inFinally(write.node)).map(restoredBy));
        const undone = new Set(
          writes
            .filter((write) => !inFinally(write.node))
            .map(restoredBy)
            .filter((key) => putBack.has(key)),
        );
        // Or a few statements later in the same block, with nothing between that can throw (the swap around one `new Error()`).
        const restoreStatements = new Map(writes.filter((write) => write.restore).map((write) => [statementOf(write.node), write.target]));
        const restoredAfter = (write: { node: ts.Node; target: string }) => {
          const statement = statementOf(write.node);
          const block = statement?.parent;
          if (!statement || !block || !ts.isBlock(block)) return false;
          for (const next of block.statements.slice(block.statements.indexOf(statement) + 1)) {
            if (restoreStatements.get(next) === write.target) return true;
            if (mayThrow(next)) return false;
          }
          return false;
        };
        // A patch made by a function that also holds its undo (`register()` returning an `unregister` that puts the original back).
        const withUndo = (write: { node: ts.Node }) => {
          const target = writtenExpression(write.node);
          return target !== undefined && undoneIn.has(`${enclosingFunction(write.node).pos}\n${sourceText(target)}`);
        };
        for (const write of writes) {
          if (
            write.restore ||
            context.hot.inDisposeHook(write.node) ||
            restored.has(write.target) ||
            undone.has(restoredBy(write)) ||
            restoredAfter(write) ||
            withUndo(write)
          )
            continue;
          if (write.specifier !== undefined) context.importedWrites.push({ node: write.node, specifier: write.specifier, target: write.target });
          else context.report('global-mutation', write.node, say.globalMutation(write.target));
        }
      },
    };
  },
};

/**
 * Names what a write reaches when that is global state: a property of the global object, a built-in or
 * its prototype, or a global variable the file never declares. With `wholeObject` (the first argument of
 * `Object.assign` and the like), the global object or a built-in itself counts. Undefined otherwise.
 */
function globalTarget(target: ts.Expression, context: FileContext, wholeObject: boolean): string | undefined {
  const node = skipOuterExpressions(target);
  if (ts.isIdentifier(node)) {
    // `exports` and `module` are the CommonJS wrapper's parameters: `exports = module.exports = …` is local to the module.
    if (!context.scopes.isGlobal(node.text, node) || node.text === 'undefined' || commonJsLocals.has(node.text)) return undefined;
    const shared = globalObjectNames.has(node.text) || builtIns.has(node.text);
    if (wholeObject) return shared ? `\`${node.text}\`` : undefined;
    return globalObjectNames.has(node.text) ? undefined : `the global variable \`${node.text}\``;
  }
  const root = rootIdentifier(node);
  if (!root || !context.scopes.isGlobal(root.text, root)) return undefined;
  if (!globalObjectNames.has(root.text) && !builtIns.has(root.text)) return undefined;
  return `\`${sourceText(node)}\``;
}

/**
 * `Router.prototype.x` (or `Object.assign(Router.prototype, …)`) where `Router` is imported by a bare
 * specifier: the class is shared by every version to come when the specifier names a package. Any property
 * of a Node built-in module (`Module._extensions['.ts']`, `fs.readFileSync`, `Object.assign(fs, …)`): every
 * module of the process shares it.
 */
function importedPrototype(target: ts.Expression, context: FileContext, wholeObject: boolean): { specifier: string; target: string } | undefined {
  const node = skipOuterExpressions(target);
  const root = rootIdentifier(node);
  if (!root) return undefined;
  const binding = context.bindings.importOf(root.text, root);
  if (!binding || /^[./]/.test(binding.module)) return undefined;
  if (isBuiltin(binding.module)) {
    if (root === node && !wholeObject) return undefined;
    return { specifier: binding.module, target: `\`${sourceText(node)}\` (of Node's built-in module \`${binding.module}\`)` };
  }
  if (root === node) return undefined;
  const path: string[] = [];
  for (let current = node; current !== root; current = skipOuterExpressions((current as ts.AccessExpression).expression)) {
    if (ts.isPropertyAccessExpression(current)) path.push(current.name.text);
    else if (ts.isElementAccessExpression(current) && ts.isStringLiteralLike(current.argumentExpression)) path.push(current.argumentExpression.text);
  }
  if (!path.includes('prototype')) return undefined;
  return { specifier: binding.module, target: `\`${sourceText(node)}\` (of the package \`${binding.module}\`)` };
}

/** A Node built-in module (`fs`, `module`, `http`, …), named without its `node:` prefix. */
function isBuiltin(module: string): boolean {
  return builtinModules.includes(module);
}

/** The function a node is written in (the file, at its top level). */
function enclosingFunction(node: ts.Node): ts.Node {
  return ts.findAncestor(node.parent, (ancestor) => ts.isFunctionLike(ancestor) || ts.isSourceFile(ancestor)) ?? node.getSourceFile();
}

/** The functions a node is written in, innermost first (not the file: a module's top level holds no undo of its own). */
function enclosingFunctions(node: ts.Node): ts.Node[] {
  const functions: ts.Node[] = [];
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent)
    if (ts.isFunctionLike(current)) functions.push(current);
  return functions;
}

/** What an assignment writes to (its left side); undefined for other writes. */
function writtenExpression(node: ts.Node): ts.Expression | undefined {
  return ts.isBinaryExpression(node) ? skipOuterExpressions(node.left) : undefined;
}

/**
 * Whether `value` is the original of `target`, captured before it was patched: a variable initialised with the
 * same expression (`const original = Module._resolveFilename`), or destructured from the same object under the
 * same name (`const { addAll } = Adapter.prototype` for `Adapter.prototype.addAll`).
 */
function restoresOriginal(target: ts.Expression, value: ts.Expression, context: FileContext): boolean {
  const written = skipOuterExpressions(target);
  const read = skipOuterExpressions(value);
  if (!ts.isIdentifier(read) || !(ts.isPropertyAccessExpression(written) || ts.isElementAccessExpression(written))) return false;
  const declaration = context.scopes.declarationOf(read.text, read);
  if (!declaration) return false;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer)
    return sourceText(skipOuterExpressions(declaration.initializer)) === sourceText(written);
  if (ts.isBindingElement(declaration) && ts.isObjectBindingPattern(declaration.parent)) {
    const holder = declaration.parent.parent;
    const name = declaration.propertyName ?? declaration.name;
    const property = ts.isPropertyAccessExpression(written)
      ? written.name.text
      : ts.isStringLiteralLike(written.argumentExpression)
        ? written.argumentExpression.text
        : undefined;
    return (
      ts.isVariableDeclaration(holder) &&
      holder.initializer !== undefined &&
      (ts.isIdentifier(name) || ts.isStringLiteralLike(name)) &&
      name.text === property &&
      sourceText(skipOuterExpressions(holder.initializer)) === sourceText(skipOuterExpressions(written.expression))
    );
  }
  return false;
}

/** `Module._cache[file]` (or `_pathCache`) of Node's `module`: one module's entry, not a patch of shared behaviour. */
function isModuleCacheEntry(target: ts.Expression, context: FileContext): boolean {
  const node = skipOuterExpressions(target);
  if (!ts.isElementAccessExpression(node)) return false;
  const cache = skipOuterExpressions(node.expression);
  if (!ts.isPropertyAccessExpression(cache) || !['_cache', '_pathCache'].includes(cache.name.text)) return false;
  const root = rootIdentifier(cache);
  const binding = root && context.bindings.importOf(root.text, root);
  return binding !== undefined && binding.module.replace(/^node:/, '') === 'module';
}

/** The expression statement a write is, when it is one. */
function statementOf(node: ts.Node): ts.Statement | undefined {
  return ts.isExpressionStatement(node.parent) ? node.parent : undefined;
}

/** Whether a statement can throw between a patch and its undo: it calls anything but an error's constructor, or throws. */
function mayThrow(statement: ts.Statement): boolean {
  let found = false;
  forEachNode(statement, (node) => {
    if (ts.isFunctionLike(node)) return 'skip';
    const throwing =
      ts.isThrowStatement(node) ||
      ts.isAwaitExpression(node) ||
      ts.isYieldExpression(node) ||
      ts.isCallExpression(node) ||
      ts.isTaggedTemplateExpression(node) ||
      (ts.isNewExpression(node) && !(ts.isIdentifier(node.expression) && /Error$/.test(node.expression.text)));
    if (!throwing) return undefined;
    found = true;
    return 'stop';
  });
  return found;
}

/** Assignments that set a value rather than compute from the old one (`+=`, `++` count up across loads). */
const settingKinds = new Set([ts.SyntaxKind.EqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken]);

/** Built-in settings whose value is data whatever is written (Node coerces it to a number or a string). */
const dataSettings = new Set(['process.exitCode', 'process.title', 'Error.stackTraceLimit']);

/** `process.env.X`, `process.env[name]`: a string or nothing, as written or as read. */
const processEnvEntry = /^process\.env(\.|\[)/;

function isDataSetting(target: ts.Expression): boolean {
  const written = sourceText(skipOuterExpressions(target)).replace(/^(globalThis|global)\./, '');
  return dataSettings.has(written) || processEnvEntry.test(written);
}

/**
 * A property of the global object or of `process` itself (`globalThis.state`, `window['title']`,
 * `process.__state__`): a slot of the app's, not a built-in's behaviour, a prototype or a module's cache.
 */
function isGlobalSlot(target: ts.Expression): boolean {
  const node = skipOuterExpressions(target);
  if (!ts.isPropertyAccessExpression(node) && !ts.isElementAccessExpression(node)) return false;
  const holder = skipOuterExpressions(node.expression);
  return ts.isIdentifier(holder) && (globalObjectNames.has(holder.text) || holder.text === 'process');
}

/**
 * A value that is data, as written: a literal, a template or an operator whose result is a primitive, a
 * conversion (`Number(x)`), `process.env.X`, what a worker was started with (`workerData`, structured-cloned:
 * no function survives the copy), or an object or array literal made only of those.
 */
function isData(value: ts.Expression, context: FileContext): boolean {
  const node = skipOuterExpressions(value);
  if (ts.isLiteralExpression(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) return true;
  switch (node.kind) {
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
      return true;
  }
  if (ts.isIdentifier(node)) return node.text === 'undefined' || isWorkerData(node, context);
  if (ts.isPrefixUnaryExpression(node) || ts.isTypeOfExpression(node) || ts.isVoidExpression(node)) return true;
  if (ts.isConditionalExpression(node)) return isData(node.whenTrue, context) && isData(node.whenFalse, context);
  if (ts.isBinaryExpression(node)) {
    const kind = node.operatorToken.kind;
    if (kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.QuestionQuestionToken || kind === ts.SyntaxKind.AmpersandAmpersandToken)
      return isData(node.left, context) && isData(node.right, context);
    // Arithmetic and comparisons give a number, a string or a boolean.
    return (
      kind >= ts.SyntaxKind.FirstBinaryOperator &&
      kind <= ts.SyntaxKind.LastBinaryOperator &&
      !isAssignment(kind) &&
      kind !== ts.SyntaxKind.CommaToken
    );
  }
  if (ts.isCallExpression(node))
    return ts.isIdentifier(node.expression) && ['Number', 'String', 'Boolean', 'parseInt', 'parseFloat'].includes(node.expression.text);
  if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node))
    return processEnvEntry.test(sourceText(node)) || isWorkerData(node, context);
  if (ts.isArrayLiteralExpression(node)) return node.elements.every((element) => !ts.isSpreadElement(element) && isData(element, context));
  if (ts.isObjectLiteralExpression(node))
    return node.properties.every(
      (property) =>
        (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name) && isData(property.initializer, context)) ||
        (ts.isShorthandPropertyAssignment(property) && isData(property.name, context)),
    );
  return false;
}

/**
 * `workerData` of `worker_threads`, a part of it, or a `const` taken from it (`const [state, data] = workerData`):
 * a structured clone, so data whatever it holds.
 */
function isWorkerData(value: ts.Expression, context: FileContext, depth = 0): boolean {
  const root = rootIdentifier(value);
  if (!root || depth > 4) return false;
  if (context.bindings.originOf(root) === 'worker_threads.workerData') return true;
  const declaration = context.scopes.declarationOf(root.text, root);
  let variable: ts.Node | undefined = declaration;
  // A default (`const { log = console.log } = workerData`) is not from the copy.
  while (variable && (ts.isBindingElement(variable) || ts.isObjectBindingPattern(variable) || ts.isArrayBindingPattern(variable))) {
    if (ts.isBindingElement(variable) && variable.initializer) return false;
    variable = variable.parent;
  }
  if (!variable || !ts.isVariableDeclaration(variable) || !variable.initializer) return false;
  if (!(ts.getCombinedNodeFlags(variable) & ts.NodeFlags.Const)) return false;
  return isWorkerData(variable.initializer, context, depth + 1);
}

/**
 * A value that is not the module's own code: a global (`setImmediate`), a Node built-in module's export, a
 * package's export, or a property of one of those, named as written. The module's functions, what it imports
 * from the app's own files (reloaded with them) and anything computed are its code.
 */
function isOutsideCode(value: ts.Expression, context: FileContext): boolean {
  const node = skipOuterExpressions(value);
  if (!ts.isIdentifier(node) && !ts.isPropertyAccessExpression(node) && !ts.isElementAccessExpression(node)) return false;
  const origin = context.bindings.originOf(node);
  if (!origin || origin === 'global') return false;
  // A global Node itself defines, not one the app set (which may hold a version's code).
  if (origin.startsWith('global.')) return nodeDefines(origin.split('.')[1]!);
  return !/^[./]/.test(origin);
}

/** A global Node itself defines (`setImmediate`, `Symbol`), as the analyser's own process has it. */
function nodeDefines(name: string): boolean {
  return Object.hasOwn(globalThis, name);
}

function isFillIn(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.QuestionQuestionEqualsToken || kind === ts.SyntaxKind.BarBarEqualsToken;
}

/** A property of a global object Node defines, not of its prototype (`Symbol.dispose`, `Promise.withResolvers`). */
function isBuiltinStatic(target: ts.Expression, context: FileContext): boolean {
  const parts = context.bindings.originOf(skipOuterExpressions(target))?.split('.');
  return parts?.length === 3 && parts[0] === 'global' && parts[2] !== 'prototype' && nodeDefines(parts[1]!);
}

/** Data as written, or a new symbol (`Symbol('dispose')`, `Symbol.for(…)`). */
function isPrimitive(value: ts.Expression, context: FileContext): boolean {
  const node = skipOuterExpressions(value);
  if (ts.isCallExpression(node)) {
    const origin = context.bindings.originOf(node.expression);
    if (origin === 'global.Symbol' || origin === 'global.Symbol.for') return node.arguments.every((argument) => isData(argument, context));
  }
  return isData(node, context);
}

/** Whether a node is inside a `finally` block of its own function. */
function inFinally(node: ts.Node): boolean {
  for (let child = node, parent = node.parent; parent && !ts.isFunctionLike(parent); child = parent, parent = parent.parent)
    if (ts.isTryStatement(parent) && parent.finallyBlock === child) return true;
  return false;
}

/** The code as written, on one line. */
function sourceText(node: ts.Node): string {
  return node.getText().replace(/\s+/g, ' ');
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

function isIncrement(operator: ts.SyntaxKind): boolean {
  return operator === ts.SyntaxKind.PlusPlusToken || operator === ts.SyntaxKind.MinusMinusToken;
}
