// Child processes and worker threads a version's code starts are recorded on it and stopped (and waited for,
// a moment) when it retires. A `fork()` or `new Worker()` of one of the app's TypeScript files starts with
// the runtime's compiler registered (`--import`), so it runs as the main thread's modules do. A worker thread
// on an app file, or started by a version's code, is also followed (./threads.ts): what it loads, whether it
// came up.
import type * as ChildProcessModule from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as WorkerThreadsModule from 'node:worker_threads';
import { messageOf } from '../errors';
import { runtimeRequire } from '../location';
import { original } from '../originals';
import { likeOriginal, owner } from './replace';
import { appThreads } from './threads';

// The built-ins' CommonJS exports objects: the ones to patch (ES importers see them after syncBuiltinESMExports).
const childProcess = runtimeRequire('node:child_process') as typeof ChildProcessModule;
const workerThreads = runtimeRequire('node:worker_threads') as typeof WorkerThreadsModule;

/** The `--import` a worker or a forked child needs to run the app's TypeScript, when the file it runs is TypeScript. */
let typescriptExecArgv: (file: unknown) => string[] | undefined = () => undefined;

/** The `--import` a followed worker thread needs: the register, told the thread's token and entry (a file URL, if any). */
let threadExecArgv: (thread: { token: string; entry: string | undefined }) => string[] = () => [];

/** Whether a file is one of the app's own (a thread on it is followed). */
let isAppFile: (file: string) => boolean = () => false;

/** Tells the child and worker patches how to start TypeScript (set by the runtime, which knows where its register file is). */
export function setTypescriptExecArgv(
  decide: (file: unknown) => string[] | undefined,
  forThread: typeof threadExecArgv,
  appFile: typeof isAppFile,
): void {
  typescriptExecArgv = decide;
  threadExecArgv = forThread;
  isAppFile = appFile;
}

export function patchChildren(): void {
  patchSpawn();
  patchFork();
  patchWorker();
}

/** Every child process (`spawn`, `exec`, `execFile`, `fork`) is spawned through ChildProcess#spawn. */
function patchSpawn(): void {
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
}

function patchFork(): void {
  const fork = childProcess.fork;
  (childProcess as { fork: typeof fork }).fork = likeOriginal(function (this: unknown, modulePath: unknown, ...rest: unknown[]) {
    const extra = typescriptExecArgv(modulePath);
    if (!extra) return (fork as Function).call(this, modulePath, ...rest);
    const args = Array.isArray(rest[0]) ? rest[0] : [];
    const options = (Array.isArray(rest[0]) ? rest[1] : rest[0]) as ChildProcessModule.ForkOptions | undefined;
    return fork(modulePath as string, args, { ...options, execArgv: [...(options?.execArgv ?? process.execArgv), ...extra] });
  }, fork) as typeof fork;
}

function patchWorker(): void {
  const Worker = workerThreads.Worker;
  class TrackedWorker extends Worker {
    constructor(filename: string | URL, options: WorkerThreadsModule.WorkerOptions = {}) {
      const version = owner();
      const entry = entryFileOf(filename, options);
      // Followed: a thread on one of the app's files, or any a version's code starts (a pool's own entry
      // that loads the app's file).
      const thread = (entry !== undefined && isAppFile(entry)) || version ? appThreads.starting(entry, version) : undefined;
      const extra = thread ? threadExecArgv({ token: thread.token, entry: entry && pathToFileURL(entry).href }) : typescriptExecArgv(filename);
      if (!extra) {
        super(filename, options);
      } else {
        // A worker given its flags (to add the runtime's) refuses the parent's per-process and V8 ones, which it
        // would otherwise not inherit: Node names them, and they are left out from then on.
        try {
          super(filename, { ...options, execArgv: workerExecArgv(options.execArgv ?? process.execArgv, extra) });
        } catch (error) {
          if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
          for (const flag of (error as Error).message.split(': ').slice(1).join(': ').split(', ')) refusedInWorkers.add(flag.trim());
          super(filename, { ...options, execArgv: workerExecArgv(options.execArgv ?? process.execArgv, extra) });
        }
      }
      const worker = this;
      const followed = thread?.add(worker.threadId);
      if (followed) {
        // Code given as a string has no entry to say when it is up: running is up.
        if (entry === undefined) worker.once('online', () => followed.change('up'));
        worker.once('exit', (code) => appThreads.exited(followed, code));
        // Seen as the worker emits it, without a listener: one added would change what an unhandled error does.
        // A thread of a reload's new version that fails to load fails that reload, which reports the error;
        // unless the app listens for it, it goes no further (the version is being dropped anyway).
        const emit = worker.emit;
        worker.emit = function (this: WorkerThreadsModule.Worker, event: string | symbol, ...args: unknown[]) {
          if (event === 'error' && appThreads.threw(followed, args[0]) && this.listenerCount('error') === 0) return true;
          return emit.call(this, event, ...args);
        } as typeof emit;
      }
      if (version) {
        let running = true;
        worker.once('exit', () => (running = false));
        // A thread the runtime stops with its version exits because of that: what the app's listeners make of the
        // exit (a logger's transport reporting its thread gone) is said with the retirement, not taken for a fault
        // of the app, and every listener still hears the exit.
        let stopping = false;
        let threwOnExit: unknown;
        const emitting = worker.emit;
        worker.emit = function (this: WorkerThreadsModule.Worker, event: string | symbol, ...args: unknown[]) {
          if (event !== 'exit' || !stopping) return emitting.call(this, event, ...args);
          for (const listener of this.rawListeners('exit')) {
            try {
              (listener as (...args: unknown[]) => unknown).apply(this, args);
            } catch (error) {
              threwOnExit ??= error;
            }
          }
          return true;
        } as typeof emitting;
        const threadId = worker.threadId;
        version.resources.add(
          'worker',
          worker,
          // Its threadId is -1 once it exited: the one it had.
          () => `worker thread ${threadId}`,
          () => running,
          async () => {
            stopping = true;
            await untilExit(worker, () => void worker.terminate());
            if (threwOnExit !== undefined) throw new Error(`stopped with its version; a listener of its exit then threw: ${messageOf(threwOnExit)}`);
          },
          TrackedWorker,
        );
      }
    }
  }
  (workerThreads as { Worker: typeof Worker }).Worker = TrackedWorker;
}

/** The file a worker runs, absolute; undefined for code given as a string (`eval`) or a data: URL. */
function entryFileOf(filename: string | URL, options: WorkerThreadsModule.WorkerOptions): string | undefined {
  if (options.eval) return undefined;
  try {
    let file: string | undefined;
    if (filename instanceof URL) file = filename.protocol === 'file:' ? fileURLToPath(filename) : undefined;
    else if (typeof filename !== 'string') file = undefined;
    else if (filename.startsWith('file:')) file = fileURLToPath(filename);
    else if (path.isAbsolute(filename) || filename.startsWith('.')) file = path.resolve(filename);
    // As Node's loader names the entry: its real path.
    return file && fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

/** Flags of this process that Node refused in a worker's `execArgv`. */
const refusedInWorkers = new Set<string>();

function workerExecArgv(base: readonly string[], extra: string[]): string[] {
  return [...base.filter((flag) => !refusedInWorkers.has(flag)), ...extra];
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
