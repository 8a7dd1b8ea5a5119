// Listeners a version's code adds to `process` (`on`, `once`, `prependListener`, …) are recorded on it and
// removed when it retires: a signal handler or an 'exit' hook of a retired version must not run again.
import { owner } from './replace';

const listenerMethods = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;

export function patchProcessListeners(): void {
  for (const method of listenerMethods) {
    const add = process[method] as Function;
    const replacement = function (this: NodeJS.Process, event: string | symbol, listener: Function) {
      const result = add.call(this, event, listener);
      const version = owner();
      if (version && this === process && typeof listener === 'function') {
        const isAdded = () => process.rawListeners(event).some((added: any) => added === listener || added?.listener === listener);
        version.resources.add(
          'listener',
          listener,
          () => `listener for process '${String(event)}'`,
          isAdded,
          () => void process.removeListener(event, listener as never),
          replacement,
        );
      }
      return result;
    };
    (process as any)[method] = replacement;
  }
}
