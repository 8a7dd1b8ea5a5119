import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';

/**
 * Resolves once `ready()` holds, checked now and on each of the given events; rejects when `child` exits
 * first or after `timeoutMs`, with `context()` (the child's output, say) in the message.
 */
export function waitUntil(
  ready: () => boolean,
  what: string,
  options: { events: Array<[EventEmitter, string]>; child: ChildProcess; context: () => string; timeoutMs?: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready()) return;
      cleanup();
      resolve();
    };
    const exited = (code: number | null) => {
      cleanup();
      reject(new Error(`the process exited (${code}) before ${what}:\n${options.context()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}:\n${options.context()}`));
    }, options.timeoutMs ?? 20_000);
    const cleanup = () => {
      clearTimeout(timer);
      for (const [emitter, event] of options.events) emitter.off(event, check);
      options.child.off('exit', exited);
    };
    for (const [emitter, event] of options.events) emitter.on(event, check);
    options.child.once('exit', exited);
    check();
  });
}

/**
 * Resolves once `ready()` holds, asked again after each turn of the event loop (and at most every 10 ms);
 * rejects after `timeoutMs`. For conditions no event announces: an HTTP answer, a count in another module.
 */
export async function eventually(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
