import { ts } from '../typescript';
import type { FileContext } from '../file-context';
import { isDiscarded } from '../handle-usage';
import { say } from '../errors';
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
