// Runs one module version's code. The code is esbuild's CommonJS output, evaluated as a script of its own
// (so the version can be garbage-collected once retired, which Node's ESM cache never allows) inside a
// function that gives it its own `require`, `import.meta`, timers and `process`.
import * as path from 'node:path';
import * as vm from 'node:vm';
import { pathToFileURL } from 'node:url';
import { messageOf, ReloadStepError, say } from './errors';
import type { ModuleScope } from './handles';
import { registerScript } from './stack-traces';
import { metaBinding, type Transformed } from './transform';
import type { ModuleVersion } from './version';

const slot = Symbol.for('reloadable.module-arguments');
const parameters = ['exports', 'require', 'module', '__filename', '__dirname', metaBinding, 'setTimeout', 'setInterval', 'setImmediate', 'process'];

const runner = new vm.Script(`(function (slot) { return slot.body.apply(slot.self, slot.args); })(globalThis[Symbol.for("reloadable.module-arguments")])`, {
  filename: 'reloadable:module-runner',
});

export interface Evaluation {
  /** Milliseconds compiling the script. */
  compileMs: number;
  /** Milliseconds running it (the module's initialisation, with the modules it loads first). */
  runMs: number;
}

export interface ModuleContext {
  require: (specifier: string) => unknown;
  hot: object;
  scope: ModuleScope;
}

/**
 * Compiles and runs a version's code; `module.exports` ends up in `version.exports`. An init that throws,
 * or runs longer than `timeoutMs` (an endless loop), becomes a ReloadStepError of phase `init`.
 */
export function evaluate(version: ModuleVersion, transformed: Transformed, context: ModuleContext, timeoutMs: number): Evaluation {
  const started = performance.now();
  // The body runs in a function of its own inside the wrapper, so its top-level declarations may shadow
  // the wrapper's names (a module may declare its own `setTimeout`).
  const strict = transformed.esm ? '"use strict";' : '';
  let body: Function;
  try {
    // compileFunction, not vm.Script: on Node 20 every vm.Script keeps about 2 KB alive after it is garbage.
    body = vm.compileFunction(`return function () {${strict}${transformed.code}\n}.call(this);`, parameters, { filename: version.scriptName });
  } catch (error) {
    throw new ReloadStepError(version.id, 'evaluate', (error as Error).message, undefined, error);
  }
  registerScript(version, version.scriptName, version.file, transformed.map);
  const compiled = performance.now();

  const module = { exports: {} as unknown, id: version.file, filename: version.file, loaded: false, children: [], paths: [] as string[] };
  const meta = {
    url: pathToFileURL(version.file).href,
    filename: version.file,
    dirname: path.dirname(version.file),
    hot: context.hot,
    resolve: (specifier: string) => pathToFileURL((context.require as any).resolve(specifier)).href,
  };
  const { scope } = context;
  const args = [module.exports, context.require, module, version.file, path.dirname(version.file), meta, scope.setTimeout, scope.setInterval, scope.setImmediate, scope.process];
  (globalThis as any)[slot] = { body, self: module.exports, args };
  version.initialising = true;
  try {
    // The one script that calls a body: a script is what can run under a timeout.
    runner.runInThisContext({ timeout: timeoutMs, displayErrors: false });
  } catch (error) {
    if ((error as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new ReloadStepError(version.id, 'init', say.initTimeout(version.id, timeoutMs), undefined, error);
    }
    if (error instanceof ReloadStepError) throw error;
    throw new ReloadStepError(version.id, 'init', say.initThrew(version.id, messageOf(error)), undefined, error);
  } finally {
    version.initialising = false;
    delete (globalThis as any)[slot];
  }
  module.loaded = true;
  version.exports = module.exports;
  return { compileMs: compiled - started, runMs: performance.now() - compiled };
}
