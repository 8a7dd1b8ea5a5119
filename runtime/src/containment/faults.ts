// No fault of the app takes the process down. What Node would make fatal (an exception thrown in a callback,
// an unhandled rejection, an 'error' event nobody listens to) is caught here, attributed to the module
// version whose context it happened in (or, failing that, the innermost version on its stack), and handed to
// the runtime, which rolls back a reload that version belongs to or reports it. `process.exit()` is caught
// too, and so is `process.abort()` (NestJS aborts when its bootstrap fails): during a reload either fails the
// reload; otherwise the runtime says who ended the process, and why, before it ends.
import { currentVersion, type ModuleVersion } from '../modules/module';
import { scriptFramesOf } from '../stack-traces';
import { original } from '../originals';

export type FaultKind = 'uncaught-exception' | 'unhandled-rejection' | 'exit' | 'listen';

export interface Fault {
  kind: FaultKind;
  error: unknown;
  version: ModuleVersion | undefined;
}

/**
 * Which side of a reload a version's code is on: the running reload's new versions (`new`), the versions that
 * serve (`serving`, the retiring ones too), or none (`gone`: rolled back or retired).
 */
export type Side = 'new' | 'serving' | 'gone';

export interface FaultHandler {
  sideOf(version: ModuleVersion): Side;
  /** Whose version a script of `file`, version `number`, is. */
  versionOf(file: string, number: number): ModuleVersion | undefined;
  fault(fault: Fault): void;
  /** A fault that ends the process (`--exit-on-error`): noted before Node exits. */
  fatal?(fault: Fault): void;
  /** Whether a script of `file`, version `number`, is of a module version that no longer runs (rolled back, retired). */
  isGone(file: string, number: number): boolean;
  /**
   * `process.exit(code)` (or, with `abort`, `process.abort()`) by `version` (`gone`: by code of a version that no
   * longer runs): true to stop it (a reload is running, or the caller is gone), false to let the process end.
   */
  exitRequested(code: number | undefined, version: ModuleVersion | undefined, stack: string, gone: boolean, abort?: boolean): boolean;
}

/** `process.exit(code)`, or `process.abort()`, as a message says it. */
export function exitCall(code: number | undefined, abort = false): string {
  return abort ? 'process.abort()' : `process.exit(${code ?? ''})`;
}

/** Thrown into the code that called `process.exit()` (or `abort()`) while a reload ran: the reload fails, the process stays. */
export class ExitDuringReload extends Error {
  constructor(
    readonly code: number | undefined,
    abort = false,
  ) {
    super(`${exitCall(code, abort)} was called while a reload ran: the reload rolls back and the app keeps running`);
    this.name = 'ExitDuringReload';
  }
}

let handler: FaultHandler | undefined;

export function attribute(error: unknown): ModuleVersion | undefined {
  const version = currentVersion();
  if (version) return version;
  for (const frame of scriptFramesOf(error)) {
    const found = handler?.versionOf(frame.file, frame.version);
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether code of a version that no longer runs (rolled back, retired) called `caller`: a rolled-back bootstrap
 * still on its way after the rollback (its awaits resumed with the async context off) is known by its stack.
 */
export function calledFromGoneCode(caller: Function): boolean {
  if (!handler) return false;
  const limit = Error.stackTraceLimit;
  const holder = new Error('caller');
  Error.stackTraceLimit = 50;
  try {
    Error.captureStackTrace(holder, caller);
  } finally {
    Error.stackTraceLimit = limit;
  }
  return hasGoneFrame(holder);
}

/** Whether a stack holds a frame of code of a version that no longer runs. */
function hasGoneFrame(holder: Error): boolean {
  return scriptFramesOf(holder).some((frame) => handler!.isGone(frame.file, frame.version));
}

/**
 * Whether the app's own fault listener, added by `listener`'s code, hears a fault with `error`. A fault of a
 * reload's new code reaches only the new code's listeners, and one of the serving code only the serving code's:
 * a new version's rejection must not make the live app's handler close the server that a rollback then leaves
 * serving. A fault of gone code reaches no one's; one nobody can be named for, everyone's.
 */
export function reaches(listener: ModuleVersion, error: unknown): boolean {
  const source = handler && attribute(error);
  if (!handler || !source) return true;
  const side = handler.sideOf(source);
  return side !== 'gone' && side === handler.sideOf(listener);
}

/**
 * Installs the handlers once. With `fatal`, faults keep Node's default (the process ends) and only the exit
 * is explained.
 */
export function installFaultHandling(faults: FaultHandler, fatal: boolean): void {
  if (handler) {
    handler = faults;
    return;
  }
  handler = faults;
  if (fatal) {
    // Node ends the process; the runtime only notes why, for `status` and `reload`.
    original.processOn('uncaughtExceptionMonitor', (error: unknown) =>
      handler!.fatal?.({ kind: 'uncaught-exception', error, version: attribute(error) }),
    );
  } else {
    original.processOn('uncaughtException', (error: unknown) => handler!.fault({ kind: 'uncaught-exception', error, version: attribute(error) }));
    original.processOn('unhandledRejection', (reason: unknown) =>
      handler!.fault({ kind: 'unhandled-rejection', error: reason, version: attribute(reason) }),
    );
  }
  const exit = original.exit;
  /** What becomes of an exit or an abort the app asks for: ignored (gone code), thrown back (a reload runs), or done. */
  const intercepted = (code: number | undefined, caller: Function, abort: boolean): 'ignore' | 'throw' | 'end' => {
    const holder = new Error(abort ? 'process.abort' : 'process.exit');
    Error.captureStackTrace(holder, caller);
    const version = currentVersion() ?? attribute(holder);
    // A rolled-back candidate's callback (a failed listen's, say) may run after its rollback: its exit is not the app's.
    const gone = (version !== undefined && !version.alive) || hasGoneFrame(holder);
    const stop = handler!.exitRequested(code, version, holder.stack ?? '', gone, abort);
    // The gone version's code goes on as if the exit returned: nothing of it serves any more.
    return gone ? 'ignore' : stop ? 'throw' : 'end';
  };
  process.exit = function (code?: number | string | null) {
    const number = code === undefined || code === null ? undefined : Number(code);
    const outcome = intercepted(number, process.exit, false);
    if (outcome === 'ignore') return undefined as never;
    if (outcome === 'throw') throw new ExitDuringReload(number);
    return exit(number);
  } as typeof process.exit;
  // Node ends the process at once on abort, with a core dump: a framework that aborts on a failed bootstrap
  // (NestJS's default) would take the app down with the reload that failed.
  const abort = original.abort;
  process.abort = function () {
    const outcome = intercepted(undefined, process.abort, true);
    if (outcome === 'ignore') return undefined as never;
    if (outcome === 'throw') throw new ExitDuringReload(undefined, true);
    return abort();
  } as typeof process.abort;
}
