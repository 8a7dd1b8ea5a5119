import { ts } from '../typescript';
import type { FileContext } from '../file-context';
import { isDiscarded } from '../handle-usage';
import { forEachNode } from '../traverse';
import { say } from '../errors';
import { skipParentheses } from '../bindings';
import type { SyntaxRule } from './rule';

/** The timer functions, by what they denote however they were reached (global, `globalThis`, `node:timers`). */
const timerFunctions = new Map<string, string>(
  ['setInterval', 'setTimeout', 'setImmediate'].flatMap((name) => [
    [`global.${name}`, name],
    [`timers.${name}`, name],
  ]),
);

export const unownedTimer: SyntaxRule = {
  code: 'unowned-timer',
  create(context) {
    const calls: Array<{ call: ts.CallExpression; name: string }> = [];
    return {
      visit(node) {
        if (!ts.isCallExpression(node)) return;
        const origin = context.bindings.originOf(node.expression);
        const name = origin && timerFunctions.get(origin);
        if (name) calls.push({ call: node, name });
      },
      finish() {
        for (const { call, name } of calls) {
          if (name !== 'setInterval' && settlesAPromise(call, context)) continue;
          if (isOneTickDeferral(call, name) && !reschedules(call)) continue;
          if (isDiscarded(call, context)) context.report('unowned-timer', call, say.unownedTimer(name));
        }
      },
    };
  },
};

/**
 * A one-shot timer inside a `new Promise` executor (`new Promise((resolve) => setTimeout(resolve, ms))`)
 * belongs to the promise that someone awaits; its lifetime is the awaiting call's, not the module's.
 */
function settlesAPromise(call: ts.CallExpression, context: FileContext): boolean {
  let fn: ts.Node | undefined = call.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  const construct = fn?.parent;
  return (
    construct !== undefined &&
    ts.isNewExpression(construct) &&
    construct.arguments?.[0] === fn &&
    context.bindings.originOf(construct.expression) === 'global.Promise'
  );
}

/**
 * `setImmediate(f)`, `setTimeout(f)` and `setTimeout(f, 0)` run `f` once, right away: they do not outlive
 * the version that made them (unless `f` schedules itself again, see `reschedules`).
 */
function isOneTickDeferral(call: ts.CallExpression, name: string): boolean {
  if (name === 'setImmediate') return true;
  if (name !== 'setTimeout') return false;
  const delay = call.arguments[1] && skipParentheses(call.arguments[1]);
  return delay === undefined || (ts.isNumericLiteral(delay) && Number(delay.text) === 0) || (ts.isIdentifier(delay) && delay.text === 'undefined');
}

/**
 * True when the callback names a function the call sits in (`function poll() { setImmediate(poll) }`,
 * `setTimeout(() => this.tick())` inside `tick`): each run schedules the next, a loop that outlives the version.
 */
function reschedules(call: ts.CallExpression): boolean {
  const callback = call.arguments[0];
  if (!callback) return false;
  const names = new Set<string>();
  for (let node: ts.Node | undefined = call.parent; node; node = node.parent) {
    if (!ts.isFunctionLike(node)) continue;
    const name = functionName(node);
    if (name) names.add(name);
  }
  if (names.size === 0) return false;
  const isEnclosingName = (node: ts.Node) => ts.isIdentifier(node) && names.has(node.text);
  if (isEnclosingName(callback)) return true;
  let found = false;
  forEachNode(callback, (node) => {
    found = isEnclosingName(node);
    return found ? 'stop' : undefined;
  });
  return found;
}

/** The name a function can be called by from inside itself: its own, its variable's, its method's or property's. */
function functionName(fn: ts.SignatureDeclaration): string | undefined {
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const parent = fn.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return undefined;
}
