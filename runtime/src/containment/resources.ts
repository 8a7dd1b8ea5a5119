// What a module version starts, it stops. Node's own timers, `process` listeners, servers, client sockets,
// UDP sockets, child processes, workers and file watchers are patched once, at start: each one made while a
// version's code runs (its loading, and what runs on from it) is recorded on that version, with the stack
// that made it, and stopped when the version retires or its reload rolls back, whether the app uses
// `import.meta.hot` or not. Code outside any version (a request a server answers, a package at start-up)
// pays one context lookup and keeps Node's behaviour exactly.
import type * as ChildProcessModule from 'node:child_process';
import * as dgram from 'node:dgram';
import type * as FsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as net from 'node:net';
import type * as WorkerThreadsModule from 'node:worker_threads';
import { runtimeRequire } from '../location';
import type { HandleKind } from '../../../src-shared/control-protocol';
import { appContext } from '../context';
import type { ModuleVersion } from '../modules/version';
import { ListenSlots, type ListenPolicy } from './listen';

export interface TrackedHandle {
  kind: HandleKind;
  target: object;
  /** Holds the creation stack; formatted only when a leak is reported. */
  origin: { stack?: string };
  describe(): string;
  alive(): boolean;
  /** Stops it; a promise when stopping takes a moment (a child process exiting). */
  stop(): void | Promise<void>;
}

const pruneAbove = 256;

/** The handles one module version started and that may still be alive. */
export class Resources {
  private readonly handles = new Set<TrackedHandle>();
  /** The version retired or was dropped: what its code still starts (a bootstrap that awaited) stops at once. */
  private stopped = false;

  add(
    kind: HandleKind,
    target: object,
    describe: () => string,
    alive: () => boolean,
    stop: () => void | Promise<void>,
    creator: Function,
  ): TrackedHandle {
    const origin: { stack?: string } = {};
    Error.captureStackTrace(origin, creator);
    const handle: TrackedHandle = { kind, target, origin, describe, alive, stop };
    if (this.stopped) {
      queueMicrotask(() => void safe(() => stop(), undefined));
      return handle;
    }
    if (this.handles.size >= pruneAbove) this.prune();
    this.handles.add(handle);
    return handle;
  }

  remove(handle: TrackedHandle | undefined): void {
    if (handle) this.handles.delete(handle);
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

  /** Stops every live handle `keep` does not claim, newest first; returns what failed to stop. */
  async stopAll(keep: (target: object) => boolean): Promise<string[]> {
    this.stopped = true;
    const failures: string[] = [];
    const stopping: Array<Promise<void>> = [];
    for (const handle of [...this.handles].reverse()) {
      if (keep(handle.target)) {
        this.handles.delete(handle);
        continue;
      }
      if (!safe(() => handle.alive(), false)) {
        this.handles.delete(handle);
        continue;
      }
      try {
        const stopped = handle.stop();
        if (stopped) stopping.push(stopped.catch((error: unknown) => void failures.push(`${handle.describe()}: ${(error as Error).message}`)));
      } catch (error) {
        failures.push(`${handle.describe()}: ${(error as Error).message}`);
      }
    }
    await Promise.all(stopping);
    return failures;
  }

  clear(): void {
    this.handles.clear();
  }

  private prune(): void {
    for (const handle of this.handles) if (!safe(() => handle.alive(), false)) this.handles.delete(handle);
  }
}

function safe<T>(call: () => T, fallback: T): T {
  try {
    return call();
  } catch {
    return fallback;
  }
}

// The built-ins' CommonJS exports objects: the ones to patch (ES importers see them after syncBuiltinESMExports).
const childProcess = runtimeRequire('node:child_process') as typeof ChildProcessModule;
const fs = runtimeRequire('node:fs') as typeof FsModule;
const timers = runtimeRequire('node:timers') as Record<string, unknown>;
const workerThreads = runtimeRequire('node:worker_threads') as typeof WorkerThreadsModule;

function owner(): ModuleVersion | undefined {
  return appContext.getStore()?.version;
}

type Timer = { _destroyed?: boolean };

/** Node's originals, for the runtime's own use (its own timers and listeners belong to no version). */
export const original = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
  processOn: process.on.bind(process),
  processOnce: process.once.bind(process),
};

let slots: ListenSlots | undefined;

/** Installs the tracking once per process; `policy` decides listen hand-overs. Returns the listen slots. */
export function installResourceTracking(policy: ListenPolicy): ListenSlots {
  if (slots) return slots;
  slots = new ListenSlots(policy);
  patchTimers();
  patchProcessListeners();
  patchServers(slots);
  patchSockets();
  patchChildren();
  patchWatchers();
  syncBuiltinESMExports();
  return slots;
}

/** Copies a function's own properties (`util.promisify.custom`, `__promisify__`) onto its replacement. */
function likeOriginal<T extends Function>(replacement: T, source: Function): T {
  for (const key of Reflect.ownKeys(source)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(source, key);
    if (descriptor) Reflect.defineProperty(replacement, key, descriptor);
  }
  return replacement;
}

function patchTimers(): void {
  const once = (schedule: typeof setTimeout | typeof setImmediate, clear: (timer: any) => void, kind: HandleKind, label: string) =>
    likeOriginal(function scheduled(this: unknown, callback: unknown, ...rest: unknown[]) {
      const version = owner();
      if (!version || typeof callback !== 'function') return (schedule as Function).call(this, callback, ...rest);
      let handle: TrackedHandle | undefined;
      const timer = (schedule as Function).call(
        this,
        function (this: unknown, ...args: unknown[]) {
          version.resources.remove(handle);
          return callback.apply(this, args);
        },
        ...rest,
      ) as Timer;
      const delay = kind === 'timer' ? ` after ${Number(rest[0] ?? 0)} ms` : '';
      handle = version.resources.add(
        kind,
        timer,
        () => `${label}${delay}`,
        () => timer._destroyed === false,
        () => clear(timer),
        scheduled,
      );
      return timer;
    }, schedule);
  const interval = likeOriginal(function interval(this: unknown, callback: unknown, ...rest: unknown[]) {
    const version = owner();
    if (!version || typeof callback !== 'function') return (original.setInterval as Function).call(this, callback, ...rest);
    // An interval is a running source, not part of loading: its ticks run in the version's run context.
    const run = version.contexts.run;
    const timer = (original.setInterval as Function).call(
      this,
      function (this: unknown, ...args: unknown[]) {
        return appContext.run(run, () => callback.apply(this, args));
      },
      ...rest,
    ) as Timer;
    version.resources.add(
      'timer',
      timer,
      () => `setInterval every ${Number(rest[0] ?? 0)} ms`,
      () => timer._destroyed === false,
      () => clearInterval(timer as never),
      interval,
    );
    return timer;
  }, original.setInterval);
  const replacements = {
    setTimeout: once(original.setTimeout, clearTimeout, 'timer', 'setTimeout'),
    setImmediate: once(original.setImmediate, clearImmediate, 'immediate', 'setImmediate'),
    setInterval: interval,
  };
  Object.assign(globalThis, replacements);
  Object.assign(timers, replacements);
}

const listenerMethods = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;

function patchProcessListeners(): void {
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

function patchServers(slots: ListenSlots): void {
  const listen = net.Server.prototype.listen;
  const close = net.Server.prototype.close;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const version = owner();
    if (!version) return listen.apply(this, args as never);
    if (!tracked.has(this)) {
      tracked.add(this);
      const server = this;
      version.resources.add(
        'server',
        server,
        () => describeServer(server),
        () => slots.listening(server),
        () => slots.retire(server),
        net.Server.prototype.listen,
      );
    }
    // The handle is made outside the version: connections and requests belong to no version's context.
    return appContext.exit(() => slots.listen(this, version, args, (...forwarded) => listen.apply(this, forwarded as never)));
  } as typeof listen;
  net.Server.prototype.close = function (this: net.Server, ...args: unknown[]) {
    return slots.close(this, args, (...forwarded) => close.apply(this, forwarded as never));
  } as typeof close;
}

const tracked = new WeakSet<object>();

function describeServer(server: net.Server): string {
  const address = safe(() => server.address(), null);
  const label = server.constructor?.name === 'Server' ? 'server' : `${server.constructor?.name ?? 'server'}`;
  if (address && typeof address === 'object') return `${label} on ${address.address}:${address.port}`;
  if (typeof address === 'string') return `${label} on ${address}`;
  return label;
}

function patchSockets(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const version = owner();
    if (version && !tracked.has(this)) {
      tracked.add(this);
      const socket = this;
      const describe = () => (socket.remoteAddress ? `socket to ${socket.remoteAddress}:${socket.remotePort}` : 'socket');
      version.resources.add(
        'socket',
        socket,
        describe,
        () => !socket.destroyed,
        () => void socket.destroy(),
        net.Socket.prototype.connect,
      );
    }
    return connect.apply(this, args as never);
  } as typeof connect;
  const bind = dgram.Socket.prototype.bind;
  dgram.Socket.prototype.bind = function (this: dgram.Socket, ...args: unknown[]) {
    const version = owner();
    if (version && !tracked.has(this)) {
      tracked.add(this);
      const socket = this;
      let open = true;
      socket.once('close', () => (open = false));
      version.resources.add(
        'socket',
        socket,
        () => 'udp socket',
        () => open,
        () => void socket.close(),
        dgram.Socket.prototype.bind,
      );
    }
    return bind.apply(this, args as never);
  } as typeof bind;
}

/** The `--import` a worker or a forked child needs to run the app's TypeScript, when it runs a file that is TypeScript. */
let typescriptExecArgv: (file: unknown) => string[] | undefined = () => undefined;

/** Tells the child and worker patches how to start TypeScript (set by the runtime, which knows where its register file is). */
export function setTypescriptExecArgv(decide: (file: unknown) => string[] | undefined): void {
  typescriptExecArgv = decide;
}

function patchChildren(): void {
  const prototype = childProcess.ChildProcess.prototype as ChildProcessModule.ChildProcess & { spawn: (...args: unknown[]) => unknown };
  const spawn = prototype.spawn;
  prototype.spawn = function spawnTracked(this: ChildProcessModule.ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args as never);
    const version = owner();
    if (version) {
      const child = this;
      const running = () => child.exitCode === null && child.signalCode === null;
      version.resources.add(
        'child-process',
        child,
        () => `child process (pid ${child.pid})`,
        running,
        () => untilExit(child, () => child.kill()),
        spawnTracked,
      );
    }
    return result;
  };
  const fork = childProcess.fork;
  (childProcess as { fork: typeof fork }).fork = likeOriginal(function (this: unknown, modulePath: unknown, ...rest: unknown[]) {
    const extra = typescriptExecArgv(modulePath);
    if (!extra) return (fork as Function).call(this, modulePath, ...rest);
    const args = Array.isArray(rest[0]) ? rest[0] : [];
    const options = (Array.isArray(rest[0]) ? rest[1] : rest[0]) as ChildProcessModule.ForkOptions | undefined;
    return fork(modulePath as string, args, { ...options, execArgv: [...(options?.execArgv ?? process.execArgv), ...extra] });
  }, fork) as typeof fork;

  const Worker = workerThreads.Worker;
  class TrackedWorker extends Worker {
    constructor(filename: string | URL, options: WorkerThreadsModule.WorkerOptions = {}) {
      const extra = typescriptExecArgv(filename);
      super(filename, extra ? { ...options, execArgv: [...(options.execArgv ?? process.execArgv), ...extra] } : options);
      const version = owner();
      if (version) {
        const worker = this;
        let running = true;
        worker.once('exit', () => (running = false));
        version.resources.add(
          'worker',
          worker,
          () => `worker thread ${worker.threadId}`,
          () => running,
          () => untilExit(worker, () => void worker.terminate()),
          TrackedWorker,
        );
      }
    }
  }
  (workerThreads as { Worker: typeof Worker }).Worker = TrackedWorker;
}

/** How long a child process or worker may take to exit once asked to. */
const exitWaitMs = 1000;

/** Asks something to end and waits (a moment at most) until it has: a leak is what is still alive then. */
function untilExit(
  target: { once(event: 'exit', listener: () => void): unknown; removeListener(event: 'exit', listener: () => void): unknown },
  stop: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      target.removeListener('exit', done);
      resolve();
    };
    const timer = original.setTimeout(done, exitWaitMs);
    timer.unref();
    target.once('exit', done);
    stop();
  });
}

function patchWatchers(): void {
  const watch = fs.watch;
  (fs as { watch: typeof watch }).watch = likeOriginal(function trackedWatch(this: unknown, ...args: unknown[]) {
    const watcher = (watch as Function).apply(this, args) as FsModule.FSWatcher;
    const version = owner();
    if (version) {
      let open = true;
      watcher.once('close', () => (open = false));
      version.resources.add(
        'watcher',
        watcher,
        () => `fs watcher of ${String(args[0])}`,
        () => open,
        () => watcher.close(),
        trackedWatch,
      );
    }
    return watcher;
  }, watch) as typeof watch;
  const watchFile = fs.watchFile;
  (fs as { watchFile: typeof watchFile }).watchFile = likeOriginal(function trackedWatchFile(this: unknown, ...args: unknown[]) {
    const result = (watchFile as Function).apply(this, args);
    const version = owner();
    const listener = args.find((arg) => typeof arg === 'function') as ((current: FsModule.Stats, previous: FsModule.Stats) => void) | undefined;
    if (version && listener) {
      let watching = true;
      const stop = () => {
        watching = false;
        fs.unwatchFile(args[0] as string, listener);
      };
      version.resources.add(
        'watcher',
        listener,
        () => `fs.watchFile of ${String(args[0])}`,
        () => watching,
        stop,
        trackedWatchFile,
      );
    }
    return result;
  }, watchFile) as typeof watchFile;
}
