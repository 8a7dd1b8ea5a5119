// Waiting for something with a time limit, the one way the runtime does it: a drain, a dispose callback, a
// resource's close, a module's top-level await. The limit's timer is Node's own: it belongs to no version.
import { original } from './originals';

export interface WithinOptions {
  /**
   * Whether the wait keeps the process alive: a wait the app's outcome depends on (a drain, a top-level await
   * that holds nothing else open) does; a courtesy wait (a close, a dispose callback) does not.
   * @default false
   */
  keepAlive?: boolean;
}

/** Settles as `work` does, or with `onTimeout()`'s value (or its throw) once `ms` passed first. */
export async function within<T, F>(work: PromiseLike<T>, ms: number, onTimeout: () => F, options: WithinOptions = {}): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<F>((resolve, reject) => {
    timer = original.setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error as Error);
      }
    }, ms);
    if (!options.keepAlive) timer.unref();
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `value` is a promise-like a caller should wait for. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
