// A reload's result as it is built: the empty answer every transaction starts from, the phases' clock, and
// the leaks of a version that retired. Times are milliseconds to two decimals, as results carry them.
import type { LeakReport, ReloadFailure, ReloadPhase, ReloadResult, RuntimeEvent } from '../../../src-shared/control-protocol';
import { messageOf, ReloadStepError } from '../errors';
import type { ModuleVersion } from '../modules/module';
import { frameIn } from '../stack-traces';

/** A result before anything ran: the start of every transaction, and the whole answer when none is needed. */
export function emptyResult(id: number, outcome: ReloadResult['outcome'], changed: string[], warnings: string[]): ReloadResult {
  return {
    id,
    outcome,
    changed,
    unloadOrder: [],
    loadOrder: [],
    startedAt: new Date().toISOString(),
    durationMs: 0,
    phases: {},
    drained: 0,
    queued: 0,
    forced: 0,
    versions: {},
    warnings,
    leaks: [],
  };
}

/** Milliseconds to two decimals, as results carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Times a result's phases (a phase run twice adds up) and announces each as it starts. */
export class PhaseClock {
  constructor(
    private readonly result: ReloadResult,
    private readonly emit: (event: RuntimeEvent) => void,
  ) {}

  announce(phase: ReloadPhase): void {
    this.emit({ type: 'phase', id: this.result.id, phase });
  }

  async timed<T>(phase: ReloadPhase, work: () => Promise<T>): Promise<T> {
    this.announce(phase);
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  timedSync<T>(phase: ReloadPhase, work: () => T): T {
    this.announce(phase);
    const started = performance.now();
    try {
      return work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  private add(phase: ReloadPhase, ms: number): void {
    this.result.phases[phase] = roundMs((this.result.phases[phase] ?? 0) + ms);
  }
}

/** What a result says of what stopped a reload: the module, the phase, the message, the app's stack and line. */
export function failureOf(error: unknown, fileOf: (id: string) => string): ReloadFailure {
  if (!(error instanceof ReloadStepError)) {
    return { module: null, phase: 'commit', message: messageOf(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
  }
  // The stack of what the app's code threw; a syntax error's position says more than a stack.
  const cause = error.cause;
  const stack = cause instanceof Error ? cause.stack : undefined;
  const location = error.location ?? (error.module && stack ? frameIn(stack, fileOf(error.module)) : undefined);
  return { module: error.module, phase: error.phase, message: error.message, ...(stack ? { stack } : {}), ...location };
}

/** A failure reported by another process, as an error of this one's reload (`message` in place of its own). */
export function errorOf(failure: ReloadFailure, message = failure.message): ReloadStepError {
  const location =
    failure.file !== undefined && failure.line !== undefined ? { file: failure.file, line: failure.line, column: failure.column ?? 1 } : undefined;
  return new ReloadStepError(failure.module, failure.phase, message, location);
}

/** Handles a retired version started that are still alive; the version's record of them is cleared. */
export function leaksOf(version: ModuleVersion): LeakReport[] {
  const leaks = version.resources.alive().map((handle): LeakReport => {
    const stack = handle.origin.stack?.split('\n').slice(1).join('\n') ?? '';
    const position = frameIn(stack, version.file);
    return { module: version.id, version: version.number, kind: handle.kind, description: handle.describe(), stack, ...position };
  });
  version.resources.clear();
  return leaks;
}
