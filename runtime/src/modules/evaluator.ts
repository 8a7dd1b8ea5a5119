// Running a version's code, as Node runs a module: an ES module is instantiated (run up to its first `yield`:
// its exports exist, its hoisted functions too), then evaluated once its imports were; CommonJS runs whole
// where it is required. Synchronous module code runs under the init timeout (an endless loop is stopped), a
// top-level await is waited for under it too, and a failure becomes the version's init error.
import * as path from 'node:path';
import { messageOf, ReloadStepError, say } from '../errors';
import { appMessageOf } from '../stack-traces';
import { within } from '../wait';
import { watchEnvWrites } from '../containment/environment';
import { compileVersion, runTimed } from './evaluate';
import { interopObject } from './interop';
import { runIn, type ModuleRecord, type ModuleVersion } from './module';

export class Evaluator {
  private nextEvaluation = 0;
  /** Runs first in a CommonJS module's body (its `export * from` targets, which tsc's output requires there). */
  beforeCommonJs: ((version: ModuleVersion) => void) | undefined;

  constructor(
    /** How long a version's code may run as it loads; undefined: no limit (the first start). */
    private readonly timeoutOf: (version: ModuleVersion) => number | undefined,
  ) {}

  /** Runs an ES module up to its first `yield`: its exports exist, its hoisted functions too. */
  instantiate(version: ModuleVersion): void {
    const evaluation = version.evaluation;
    if (evaluation.state !== 'new' || !version.transformed.generator) return;
    const factory = this.compile(version);
    const generatorFunction = factory.call(undefined, version.bindings.api) as () => Iterator<unknown> | AsyncIterator<unknown>;
    const iterator = generatorFunction.call(undefined);
    evaluation.iterator = iterator;
    // Up to its first `yield` only the prelude runs (exports, hoisted functions): no timeout needed, and a
    // timeout costs a watchdog thread per call.
    const step = this.timed(version, () => iterator.next(), false);
    // An async generator's first step is a promise that settles at once: nothing it runs can await before `yield`.
    // Until it settled the generator is not suspended at its `yield`, and resuming it would wait a turn.
    if (step && typeof (step as Promise<unknown>).then === 'function') evaluation.instantiated = (step as Promise<unknown>).catch(() => undefined);
    evaluation.state = 'instantiated';
  }

  private compile(version: ModuleVersion): Function {
    try {
      return compileVersion(version);
    } catch (error) {
      throw new ReloadStepError(version.id, 'evaluate', messageOf(error), undefined, error);
    }
  }

  /**
   * Evaluates a version: an ES module's body after its first `yield`, a CommonJS module's function. Returns a
   * promise only when it awaits at its top level.
   */
  evaluate(version: ModuleVersion): Promise<void> | undefined {
    const evaluation = version.evaluation;
    if (evaluation.state === 'evaluated' || evaluation.state === 'evaluating') return evaluation.done;
    if (evaluation.state === 'failed') throw evaluation.failure!;
    if (version.transformed.format === 'json') {
      version.module.exports = version.transformed.json;
      this.finish(version);
      return undefined;
    }
    if (version.transformed.generator) {
      this.instantiate(version);
      evaluation.state = 'evaluating';
      const step = this.timed(version, () => watchEnvWrites(version.transformed.code, version.envWrites, () => evaluation.iterator!.next()));
      if (!version.transformed.async) {
        this.finish(version);
        return undefined;
      }
      evaluation.done = this.awaitEvaluation(version, step as Promise<unknown>);
      return evaluation.done;
    }
    evaluation.state = 'evaluating';
    const run = this.compile(version);
    const { module } = version;
    const { api, require } = version.bindings;
    this.timed(version, () =>
      watchEnvWrites(version.transformed.code, version.envWrites, () => {
        this.beforeCommonJs?.(version);
        run.call(module.exports, api, module.exports, require, module, version.file, path.dirname(version.file));
      }),
    );
    this.finish(version);
    return undefined;
  }

  private async awaitEvaluation(version: ModuleVersion, step: Promise<unknown>): Promise<void> {
    const timeoutMs = this.timeoutOf(version);
    try {
      if (timeoutMs === undefined) await step;
      else
        await within(
          step,
          timeoutMs,
          () => {
            throw new ReloadStepError(version.id, 'init', say.initTimeout(version.id, timeoutMs));
          },
          { keepAlive: true },
        );
    } catch (error) {
      throw this.failed(version, error);
    }
    this.finish(version);
  }

  private failed(version: ModuleVersion, error: unknown): Error {
    const failure = asInitError(version, error, this.timeoutOf(version) ?? 0);
    version.evaluation.settle(failure);
    return failure;
  }

  private finish(version: ModuleVersion): void {
    version.evaluation.settle();
    version.module.loaded = true;
    const record = version.record;
    record.evaluationIndex = Math.min(record.evaluationIndex, this.nextEvaluation++);
    if (record.format !== 'esm' || !version.transformed.esmSyntax) record.expose(exportNamesOf(version));
    else record.expose(Object.keys(version.module.exports as object));
    this.bindShims(record, version);
  }

  /** Tells the ES module shims Node holds for this file the values of `version`. */
  bindShims(record: ModuleRecord, version: ModuleVersion | undefined): void {
    if (!version || record.binders.size === 0) return;
    const values = valuesOf(version);
    for (const bind of record.binders) bind(values);
  }

  /** Runs synchronous code of `version` in its loading context, under the init timeout; failures become init errors. */
  private timed<T>(version: ModuleVersion, call: () => T, withTimeout = true): T {
    version.evaluation.initialising = true;
    try {
      const timeoutMs = withTimeout ? this.timeoutOf(version) : undefined;
      return runIn(version.contexts.load, () => (timeoutMs === undefined ? call() : runTimed(call, timeoutMs)));
    } catch (error) {
      throw this.failed(version, error);
    } finally {
      version.evaluation.initialising = false;
    }
  }
}

/** The names and values an `import()` of this version presents: an ES namespace, or CommonJS's `default` and properties. */
export function valuesOf(version: ModuleVersion): Record<string, unknown> {
  if (version.transformed.esmSyntax) return version.module.exports;
  return interopObject(version.module.exports, 'esm', ['*']) as Record<string, unknown>;
}

function asInitError(version: ModuleVersion, error: unknown, timeoutMs: number): Error {
  if (error instanceof ReloadStepError) return error;
  if ((error as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    return new ReloadStepError(version.id, 'init', say.initTimeout(version.id, timeoutMs), undefined, error);
  }
  return new ReloadStepError(version.id, 'init', say.initThrew(version.id, appMessageOf(error)), undefined, error);
}

/** The names a version's exports object has now (CommonJS: its own enumerable keys). */
function exportNamesOf(version: ModuleVersion): string[] {
  const value = version.module.exports;
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return ['default'];
  return ['default', ...Object.keys(value)];
}
