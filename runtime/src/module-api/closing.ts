// Closing what a module version owns (`import.meta.hot.own`, owned timers and listeners): through the first
// of the usual release methods it has.
import { isThenable, within } from '../wait';

const closers = ['close', 'dispose', 'destroy', 'terminate', 'kill', 'abort', 'end', 'disconnect'] as const;

/** The way a resource is closed, or undefined when it cannot be. `close` comes first: a server's async dispose waits for every connection. */
function closerOf(resource: object): (() => unknown) | undefined {
  const value = resource as Record<PropertyKey, unknown>;
  for (const name of closers) if (typeof value[name] === 'function') return () => (value[name] as Function).call(resource);
  for (const symbol of [Symbol.dispose, Symbol.asyncDispose]) {
    if (symbol && typeof value[symbol] === 'function') return () => (value[symbol] as Function).call(resource);
  }
  return undefined;
}

export function isOwnable(resource: unknown): resource is object {
  return (typeof resource === 'object' || typeof resource === 'function') && resource !== null && closerOf(resource) !== undefined;
}

/** Closes a resource; a closer that returns a promise is awaited for at most `waitMs`. */
export async function closeResource(resource: object, waitMs: number): Promise<void> {
  const result = closerOf(resource)?.();
  if (isThenable(result)) await within(result, waitMs, () => undefined);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'}) without a close method`;
  return `a ${typeof value}`;
}
