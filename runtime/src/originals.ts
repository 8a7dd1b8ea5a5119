// Node's own timers, `process` listener methods, `process.exit` and `process.abort`, taken before the runtime patches them
// (containment/). The runtime's own timers, listeners and exits use these: they belong to no module version,
// so they are never attributed to one, stopped with one, or intercepted as the app's.
export const original = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
  processOn: process.on.bind(process),
  processOnce: process.once.bind(process),
  /** Node's `process.exit`, for the runtime's own exits (Ctrl-C): never intercepted. */
  exit: process.exit.bind(process) as (code?: number) => never,
  /** Node's `process.abort`: the runtime intercepts the app's, like its exits. */
  abort: process.abort.bind(process) as () => never,
};

/**
 * Ctrl-C and `kill`: `stop` runs once for the first of SIGINT and SIGTERM, with the exit code a shell expects
 * of a process that signal ended (130, 143).
 */
export function onStopSignals(stop: (exitCode: number) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) original.processOnce(signal, () => stop(signal === 'SIGINT' ? 130 : 143));
}
