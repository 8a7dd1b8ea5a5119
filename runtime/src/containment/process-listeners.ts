// Listeners a version's code adds to `process` (`on`, `once`, `prependListener`, …) are recorded on it and
// removed when it retires: a signal handler or an 'exit' hook of a retired version must not run again. A
// listener for a fault ('uncaughtException', 'unhandledRejection') hears only the faults of its own side of a
// reload (see `reaches`): an app that closes its server on any fault (close-with-grace and the like) closes the
// new server when the new code faults, not the one a rollback keeps serving.
import type { ModuleVersion } from '../modules/module';
import { reaches } from './faults';
import { owner } from './replace';

const listenerMethods = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;
const faultEvents = new Set<string | symbol>(['uncaughtException', 'unhandledRejection', 'uncaughtExceptionMonitor']);

export function patchProcessListeners(): void {
  const originals = Object.fromEntries(listenerMethods.map((method) => [method, process[method] as Function])) as Record<
    (typeof listenerMethods)[number],
    Function
  >;
  for (const method of listenerMethods) {
    const replacement = function (this: NodeJS.Process, event: string | symbol, listener: Function) {
      const version = owner();
      if (!version || this !== process || typeof listener !== 'function') return originals[method].call(this, event, listener);
      let result;
      if (faultEvents.has(event)) {
        // Node's own once-wrapper would be spent by a fault this listener does not hear: the wrapper is its own.
        const once = method === 'once' || method === 'prependOnceListener';
        const add = method === 'prependListener' || method === 'prependOnceListener' ? originals.prependListener : originals.on;
        result = add.call(this, event, ownSide(event, listener, version, once));
      } else {
        result = originals[method].call(this, event, listener);
      }
      const isAdded = () => process.rawListeners(event).some((added: any) => added === listener || added?.listener === listener);
      version.resources.add(
        'listener',
        listener,
        () => `listener for process '${String(event)}'`,
        isAdded,
        () => void process.removeListener(event, listener as never),
        replacement,
      );
      return result;
    };
    (process as any)[method] = replacement;
  }
}

/** `listener`, called only for faults on `version`'s side; `.listener` lets `removeListener` and `listeners()` see the app's function. */
function ownSide(event: string | symbol, listener: Function, version: ModuleVersion, once: boolean): Function {
  const heard = function (this: unknown, error: unknown, ...rest: unknown[]) {
    if (!reaches(version, error)) return undefined;
    if (once) process.removeListener(event, heard as never);
    return listener.call(this, error, ...rest);
  };
  heard.listener = listener;
  return heard;
}
