// What a module version creates that can outlive it: timers, servers, sockets, workers, child processes,
// watchers and process listeners. The loader gives each module its own `setTimeout`, `process`, `require('node:http')`
// and so on, which record what they create here, so a handle still alive after its version retired is
// reported with the stack that created it. Nothing is recorded for code outside the app's modules.
import { createRequire } from 'node:module';
import type { HandleKind } from '../../src-shared/control-protocol';

export interface TrackedHandle {
  kind: HandleKind;
  target: object;
  /** Holds the creation stack; formatted only when a leak is reported. */
  origin: { stack?: string };
  describe(): string;
  alive(): boolean;
}

// Built-ins resolve the same from anywhere; the path only has to be absolute.
const nodeRequire = createRequire(`${process.cwd()}/`);
const pruneAbove = 256;

/** The handles one module version created and that may still be alive. */
export class HandleTracker {
  private readonly handles = new Set<TrackedHandle>();

  add(kind: HandleKind, target: object, describe: () => string, alive: () => boolean, creator: Function): TrackedHandle {
    const origin: { stack?: string } = {};
    Error.captureStackTrace(origin, creator);
    const handle: TrackedHandle = { kind, target, origin, describe, alive };
    if (this.handles.size >= pruneAbove) this.prune();
    this.handles.add(handle);
    return handle;
  }

  remove(handle: TrackedHandle): void {
    this.handles.delete(handle);
  }

  /** Stops watching a target (a newer version took it over through `hot.own`). */
  release(target: object): void {
    for (const handle of this.handles) if (handle.target === target) this.handles.delete(handle);
  }

  /** The handles still alive now. */
  alive(): TrackedHandle[] {
    this.prune();
    return [...this.handles];
  }

  clear(): void {
    this.handles.clear();
  }

  private prune(): void {
    for (const handle of this.handles) if (!safeAlive(handle)) this.handles.delete(handle);
  }
}

function safeAlive(handle: TrackedHandle): boolean {
  try {
    return handle.alive();
  } catch {
    return false;
  }
}

type Timer = { _destroyed?: boolean };

/** The globals a module sees in place of Node's: the same functions, recording what they create. */
export interface ModuleScope {
  setTimeout: typeof setTimeout;
  setInterval: typeof setInterval;
  setImmediate: typeof setImmediate;
  process: NodeJS.Process;
  /** A built-in module as this module sees it (`http`, `node:net`, …). */
  builtin(name: string): unknown;
}

export function moduleScope(tracker: HandleTracker): ModuleScope {
  const timers = trackedTimers(tracker);
  const wrapped = new Map<string, unknown>();
  let processView: NodeJS.Process | undefined;
  return {
    ...timers,
    get process() {
      return (processView ??= trackedProcess(tracker));
    },
    builtin(name) {
      if (!(name in builtinWrappers)) return nodeRequire(name);
      let view = wrapped.get(name);
      if (view === undefined) wrapped.set(name, (view = builtinWrappers[name]!(tracker, timers)));
      return view;
    },
  };
}

function trackedTimers(tracker: HandleTracker): Pick<ModuleScope, 'setTimeout' | 'setInterval' | 'setImmediate'> {
  const once = (schedule: typeof setTimeout | typeof setImmediate, kind: HandleKind, label: string) =>
    function scheduled(this: unknown, callback: unknown, ...rest: unknown[]) {
      if (typeof callback !== 'function') return (schedule as Function)(callback, ...rest);
      let handle: TrackedHandle | undefined;
      const timer = (schedule as Function)(function (this: unknown, ...args: unknown[]) {
        if (handle) tracker.remove(handle);
        return callback.apply(this, args);
      }, ...rest) as Timer;
      const ms = kind === 'timer' ? ` after ${Number(rest[0] ?? 0)} ms` : '';
      handle = tracker.add(kind, timer, () => `${label}${ms}`, () => timer._destroyed === false, scheduled);
      return timer;
    };
  function interval(this: unknown, callback: unknown, ...rest: unknown[]) {
    const timer = (setInterval as Function)(callback, ...rest) as Timer;
    if (typeof callback === 'function') {
      tracker.add('timer', timer, () => `setInterval every ${Number(rest[0] ?? 0)} ms`, () => timer._destroyed === false, interval);
    }
    return timer;
  }
  return {
    setTimeout: Object.assign(once(setTimeout, 'timer', 'setTimeout'), { __promisify__: (setTimeout as any).__promisify__ }) as any,
    setImmediate: Object.assign(once(setImmediate, 'immediate', 'setImmediate'), { __promisify__: (setImmediate as any).__promisify__ }) as any,
    setInterval: interval as any,
  };
}

const listenerMethods = new Set(['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']);

/** `process` with its listener methods recording what they add; everything else is the real process. */
function trackedProcess(tracker: HandleTracker): NodeJS.Process {
  const methods = new Map<PropertyKey, Function>();
  return new Proxy(process, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let method = methods.get(key);
      if (!method) {
        method = listenerMethods.has(key as string)
          ? function addListener(this: unknown, event: string | symbol, listener: Function) {
              (value as Function).call(target, event, listener);
              const isAdded = () => target.rawListeners(event).some((added: any) => added === listener || added?.listener === listener);
              tracker.add('listener', listener, () => `listener for process '${String(event)}'`, isAdded, addListener);
              return target;
            }
          : (value as Function).bind(target);
        methods.set(key, method!);
      }
      return method;
    },
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
}

/** Returns a view of a built-in whose own properties read through to it, with some replaced. */
function viewOf(name: string, replace: Record<string, unknown>): unknown {
  const real = nodeRequire(name) as Record<string, unknown>;
  const view: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(real)) {
    if (key in replace) continue;
    const enumerable = Object.getOwnPropertyDescriptor(real, key)?.enumerable ?? true;
    Object.defineProperty(view, key, { get: () => real[key], set: (value) => (real[key] = value), enumerable, configurable: true });
  }
  return Object.assign(view, replace);
}

type Factory = (...args: any[]) => any;

/** Wraps factory functions so that what they return is recorded as a handle of `kind`. */
function recording(tracker: HandleTracker, kind: HandleKind, factory: Factory, label: string, alive: (made: any) => boolean): Factory {
  return function create(this: unknown, ...args: any[]) {
    const made = factory.apply(this, args);
    if (made && typeof made === 'object') tracker.add(kind, made, () => describe(label, made), () => alive(made), create);
    return made;
  };
}

function describe(label: string, made: any): string {
  try {
    const address = typeof made.address === 'function' ? made.address() : null;
    if (address && typeof address === 'object') return `${label} on ${address.address}:${address.port}`;
    if (typeof address === 'string') return `${label} on ${address}`;
    if (typeof made.pid === 'number') return `${label} (pid ${made.pid})`;
  } catch {
    // A handle that cannot describe itself is still reported, by its kind.
  }
  return label;
}

/** For handles with no open/closed property: alive until they emit 'close'. */
function recordingUntilClosed(tracker: HandleTracker, kind: HandleKind, factory: Factory, label: string): Factory {
  const open = new WeakSet<object>();
  const create = (...args: unknown[]) => {
    const made = factory(...args);
    open.add(made);
    made.once('close', () => open.delete(made));
    return made;
  };
  return recording(tracker, kind, create, label, (made) => open.has(made));
}

const isListening = (server: any) => server.listening === true;
const isOpenSocket = (socket: any) => socket.destroyed === false;
const isRunning = (child: any) => child.exitCode === null && child.signalCode === null;

/** Factories whose results are recorded, per built-in: `[kind, label, alive]`. */
const recordedFactories: Record<string, Record<string, [HandleKind, string, (made: any) => boolean]>> = {
  http: { createServer: ['server', 'http server', isListening] },
  https: { createServer: ['server', 'https server', isListening] },
  http2: { createServer: ['server', 'http2 server', isListening], createSecureServer: ['server', 'http2 server', isListening] },
  net: {
    createServer: ['server', 'net server', isListening],
    connect: ['socket', 'socket', isOpenSocket],
    createConnection: ['socket', 'socket', isOpenSocket],
  },
  tls: { createServer: ['server', 'tls server', isListening], connect: ['socket', 'tls socket', isOpenSocket] },
  child_process: Object.fromEntries(
    ['spawn', 'fork', 'exec', 'execFile'].map((name) => [name, ['child-process', `child process (${name})`, isRunning]]),
  ),
};

function recordingView(name: string, tracker: HandleTracker): unknown {
  const real = nodeRequire(name);
  const replace = Object.fromEntries(
    Object.entries(recordedFactories[name]!).map(([key, [kind, label, alive]]) => [key, recording(tracker, kind, real[key], label, alive)]),
  );
  return viewOf(name, replace);
}

const builtinWrappers: Record<string, (tracker: HandleTracker, timers: ReturnType<typeof trackedTimers>) => unknown> = {
  ...Object.fromEntries(Object.keys(recordedFactories).map((name) => [name, (tracker: HandleTracker) => recordingView(name, tracker)])),
  dgram: (t) => viewOf('dgram', { createSocket: recordingUntilClosed(t, 'socket', nodeRequire('dgram').createSocket, 'udp socket') }),
  worker_threads: (t) => {
    const { Worker } = nodeRequire('worker_threads');
    class TrackedWorker extends Worker {
      constructor(...args: any[]) {
        super(...args);
        const worker = this as any;
        t.add('worker', worker, () => `worker thread ${worker.threadId}`, () => worker.threadId !== -1, TrackedWorker);
      }
    }
    return viewOf('worker_threads', { Worker: TrackedWorker });
  },
  fs: (t) => viewOf('fs', { watch: recordingUntilClosed(t, 'watcher', nodeRequire('fs').watch, 'fs watcher') }),
  timers: (_, timers) => viewOf('timers', { ...timers }),
};
