// Compiling a version's code and running it. Each version is a function of its own, compiled under its own
// script name (`file:///…/x.ts?v=2`), so the runtime owns it and can let it go when the version retires, which
// Node's ES module cache never allows. Synchronous module code runs under a timeout (an endless loop at the
// top level rolls its reload back); a debugger attached to the process gets each version's source map inline.
import * as inspector from 'node:inspector';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { registerScript } from '../stack-traces';
import type { ModuleVersion } from './module';

const slot = Symbol.for('reloadable.module-call');
const runner = new vm.Script(`(function (slot) { return slot(); })(globalThis[Symbol.for("reloadable.module-call")])`, {
  filename: 'reloadable:module-runner',
});

const esmParameters = ['__rl'];
const commonJsParameters = ['__rl', 'exports', 'require', 'module', '__filename', '__dirname'];

export function scriptNameOf(file: string, version: number): string {
  return `${pathToFileURL(file).href}?v=${version}`;
}

/** Compiles a version's code: the module function (an ES module's returns its generator function). */
export function compileVersion(version: ModuleVersion): Function {
  const { transformed } = version;
  const scriptName = scriptNameOf(version.file, version.number);
  const debugged = inspector.url() !== undefined;
  const code = debugged && transformed.map ? transformed.code + transformed.map.inlineComment() : transformed.code;
  const compiled = vm.compileFunction(code, transformed.generator ? esmParameters : commonJsParameters, { filename: scriptName });
  if (transformed.map) registerScript(version, scriptName, transformed.map);
  return compiled;
}

let depth = 0;

/**
 * Runs synchronous module code; the outermost call runs under `timeoutMs` (module code that loads other
 * modules runs theirs inside its own budget). A timeout throws an error with code ERR_SCRIPT_EXECUTION_TIMEOUT.
 */
export function runTimed<T>(call: () => T, timeoutMs: number): T {
  if (depth > 0) return call();
  depth++;
  (globalThis as Record<symbol, unknown>)[slot] = call;
  try {
    return runner.runInThisContext({ timeout: timeoutMs, displayErrors: false }) as T;
  } finally {
    depth--;
    delete (globalThis as Record<symbol, unknown>)[slot];
  }
}
