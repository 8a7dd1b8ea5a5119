import { ts } from '../typescript';
import { globalObjectNames, requiredModule, rootIdentifier, skipOuterExpressions } from '../bindings';
import type { FileContext } from '../file-context';
import { isDiscarded } from '../handle-usage';
import { say } from '../errors';
import type { SyntaxRule } from './rule';

const addMethods = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'addEventListener']);
const removeMethods = new Set(['off', 'removeListener', 'removeEventListener', 'removeAllListeners', 'unsubscribe']);
/**
 * Registrations that return their own undo (an unsubscribe function or a disposable), or, given a name and a
 * handler (`diagnostics_channel.subscribe(name, fn)`), are undone by `unsubscribe(name, fn)`.
 */
const subscribeMethods = new Set(['subscribe']);
/** Global objects whose events outlive any module. */
const globalTargets = new Set([...globalObjectNames, 'process', 'document', 'navigator']);

interface Registration {
  call: ts.CallExpression;
  target: string;
  event: string;
  owner: string;
  subscribe: boolean;
}

export const strayListener: SyntaxRule = {
  code: 'stray-listener',
  create(context) {
    const registrations: Registration[] = [];
    const removals: Array<{ call: ts.CallExpression; target: string; event: string }> = [];
    return {
      visit(node) {
        if (!ts.isCallExpression(node)) return;
        const callee = skipOuterExpressions(node.expression);
        if (!ts.isPropertyAccessExpression(callee) || context.hot.isHot(callee.expression)) return;
        const method = callee.name.text;
        const target = text(callee.expression);
        const event = eventOf(node);
        if (removeMethods.has(method)) removals.push({ call: node, target, event });
        if (!addMethods.has(method) && !subscribeMethods.has(method)) return;
        const owner = foreignOwner(callee.expression, context);
        if (!owner || passesSignal(node) || isEventsHelper(callee.expression, context) || onlyEndsProcess(node, context)) return;
        registrations.push({ call: node, target, event, owner, subscribe: subscribeMethods.has(method) });
      },
      finish() {
        const released = removals.filter((removal) => context.hot.inDisposeHook(removal.call));
        for (const registration of registrations) {
          if (context.hot.inDisposeHook(registration.call)) continue;
          if (registration.subscribe && !isDiscarded(registration.call, context)) continue;
          const paired = !registration.subscribe || registration.call.arguments.length >= 2;
          if (paired && (isReleased(registration, released) || removedInSameCall(registration, removals, context))) continue;
          const literal = isLiteralEvent(registration.call);
          context.report(
            'stray-listener',
            registration.call,
            say.strayListener(registration.owner, registration.event, literal, registration.subscribe),
          );
        }
      },
    };
  },
};

/**
 * A listener a function adds and removes again before it returns (`process.on('SIGPIPE', h); try { spawnSync(…) }
 * finally { process.off('SIGPIPE', h) }`): it lasts for the call, not for the version. Or one whose handler is a
 * local of a function that also holds its removal (`const onTerm = …; process.on('SIGTERM', onTerm); release = () =>
 * process.off('SIGTERM', onTerm)`): added per call, not at load, with its undo made beside it.
 */
function removedInSameCall(
  registration: Registration,
  removals: ReadonlyArray<{ call: ts.CallExpression; target: string; event: string }>,
  context: FileContext,
): boolean {
  const scope = enclosingFunction(registration.call);
  const handler = registration.call.arguments[1] && skipOuterExpressions(registration.call.arguments[1]);
  if (!scope || !handler || !ts.isIdentifier(handler)) return false;
  const declaredIn = context.scopes.declaringScope(handler.text, handler);
  const owner = declaredIn && !ts.isSourceFile(declaredIn) ? (ts.isFunctionLike(declaredIn) ? declaredIn : enclosingFunction(declaredIn)) : undefined;
  return removals.some(
    (removal) =>
      removal.target === registration.target &&
      removal.event === registration.event &&
      removal.call.arguments[1] !== undefined &&
      text(removal.call.arguments[1]) === text(handler) &&
      context.scopes.declaringScope(handler.text, removal.call.arguments[1]) === declaredIn &&
      (enclosingFunction(removal.call) === scope || (owner !== undefined && ts.findAncestor(removal.call, (node) => node === owner) !== undefined)),
  );
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  return ts.findAncestor(node.parent, ts.isFunctionLike) as ts.SignatureDeclaration | undefined;
}

function isReleased(registration: Registration, removals: Array<{ target: string; event: string }>): boolean {
  return removals.some((removal) => removal.target === registration.target && (removal.event === registration.event || removal.event === '*'));
}

/**
 * Who owns the object a listener is added to, when it is not this module: `process`, a global, or an
 * import. Undefined for objects this module made (a local `new EventEmitter()`) or cannot know (a parameter).
 */
function foreignOwner(target: ts.Expression, context: FileContext, depth = 0): string | undefined {
  const root = rootIdentifier(target);
  if (!root) {
    const base = skipOuterExpressions(target);
    const module = ts.isCallExpression(base) ? requiredModule(base) : undefined;
    return module && `the module "${module}"`;
  }
  if (globalTargets.has(root.text) && context.scopes.isGlobal(root.text, root)) return `\`${text(target)}\``;
  const binding = context.bindings.importOf(root.text, root);
  if (binding) return `\`${text(target)}\` (imported from "${binding.module}")`;
  if (root === skipOuterExpressions(target)) return passedOwner(root, context, depth);
  return undefined;
}

/**
 * A parameter of one of this module's functions that a call in the module passes a foreign object to
 * (`attach(process)` for `function attach(receiver) { receiver.on(…) }`): the listener goes on that object.
 */
function passedOwner(parameter: ts.Identifier, context: FileContext, depth: number): string | undefined {
  if (depth >= 2) return undefined;
  const scope = context.scopes.declaringScope(parameter.text, parameter);
  if (!scope || !ts.isFunctionLike(scope)) return undefined;
  const index = scope.parameters.findIndex((declared) => ts.isIdentifier(declared.name) && declared.name.text === parameter.text);
  if (index < 0) return undefined;
  const name = functionName(scope);
  if (!name) return undefined;
  let owner: string | undefined;
  const visit = (node: ts.Node): void => {
    if (owner) return;
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      const argument = node.arguments[index];
      if (
        ts.isIdentifier(callee) &&
        callee.text === name &&
        argument &&
        context.scopes.declaringScope(name, callee) === context.scopes.declaringScope(name, scope)
      ) {
        const passed = foreignOwner(argument, context, depth + 1);
        if (passed) owner = `${passed}, passed to \`${name}\` as \`${parameter.text}\``;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(parameter.getSourceFile());
  return owner;
}

/** The name a function is called by in its module: its declaration's, or the variable's it is assigned to. */
function functionName(fn: ts.SignatureDeclaration): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) return fn.name.text;
  const parent = fn.parent;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name))
    return parent.name.text;
  return undefined;
}

/** `events.on(emitter, name)` and `events.once(…)` are helpers, not registrations on the module. */
function isEventsHelper(target: ts.Expression, context: FileContext): boolean {
  return context.bindings.originOf(target) === 'events';
}

/**
 * A listener that does nothing but end the process (`process.on('disconnect', () => process.exit(0))`): a stale
 * copy does what the current one does, once, and the process is gone after it.
 */
function onlyEndsProcess(call: ts.CallExpression, context: FileContext): boolean {
  const handler = call.arguments[1] && skipOuterExpressions(call.arguments[1]);
  if (!handler || !(ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) return false;
  const ends = (expression: ts.Expression): boolean => {
    const node = skipOuterExpressions(expression);
    if (!ts.isCallExpression(node)) return false;
    const callee = skipOuterExpressions(node.expression);
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'process') return false;
    if (!context.scopes.isGlobal('process', callee.expression)) return false;
    const [first] = node.arguments;
    // `process.kill(process.pid, …)` ends this process; a kill of another pid does not.
    const ownPid = first !== undefined && skipOuterExpressions(first).getText().replace(/\s+/g, '') === 'process.pid';
    return callee.name.text === 'exit' || callee.name.text === 'abort' || (callee.name.text === 'kill' && ownPid);
  };
  if (!ts.isBlock(handler.body)) return ends(handler.body);
  const statements = handler.body.statements;
  return statements.length > 0 && statements.every((statement) => ts.isExpressionStatement(statement) && ends(statement.expression));
}

/** An options object with `signal` ties the listener to an AbortSignal the module can abort. */
function passesSignal(call: ts.CallExpression): boolean {
  const last = call.arguments[call.arguments.length - 1];
  return (
    last !== undefined &&
    ts.isObjectLiteralExpression(skipOuterExpressions(last)) &&
    (skipOuterExpressions(last) as ts.ObjectLiteralExpression).properties.some(
      (property) => property.name !== undefined && ts.isIdentifier(property.name) && property.name.text === 'signal',
    )
  );
}

function eventOf(call: ts.CallExpression): string {
  const [first] = call.arguments;
  if (!first) return '*';
  const node = skipOuterExpressions(first);
  return ts.isStringLiteralLike(node) ? node.text : text(node);
}

/** True when the event is written as a string: otherwise `eventOf` is the code of the expression naming it. */
function isLiteralEvent(call: ts.CallExpression): boolean {
  const [first] = call.arguments;
  return first !== undefined && ts.isStringLiteralLike(skipOuterExpressions(first));
}

function text(node: ts.Node): string {
  return node.getText().replace(/\s+/g, '').replace(/\?\./g, '.');
}
