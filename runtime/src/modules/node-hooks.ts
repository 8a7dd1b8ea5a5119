// One loader for every way an app file is loaded. The app's own imports go through the registry directly;
// files a package loads itself go through Node, and Node is told to hand them over:
// - `require()` (and `createRequire`): Module._load passes app files to the registry, and `.ts` extensions
//   are registered so Node's resolution finds them;
// - `import()`: loader hooks answer an app file with a small ES module that takes its bindings from the
//   registry and is told of every new version's values (hooks/app-shims.ts). On Node 22.15+ they run in this
//   thread (`module.registerHooks`); before, in Node's hooks thread (`module.register`, runtime/out/hooks.mjs).
// The hooks also resolve packages for the registry as if imported from an app file (`reloadable-from:`), so
// an ES module of the app gets exactly the package Node would give it.
import Module, { register } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importedFrom, parseImportedFrom, shimFor, shimmedFile } from '../hooks/app-shims';
import { syncHooksOf } from '../hooks/sync-hooks';
import { runtimeOutput } from '../location';
import { isTypeScriptFile, typescriptExtensions } from '../transform';
import type { ShimBinder } from './module';
import type { Project } from './project';
import type { Registry } from './registry';

const bridgeKey = Symbol.for('reloadable.bridge');

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _extensions: Record<string, (module: { exports: unknown }, filename: string) => void>;
}

let installed: Registry | undefined;

/** Installs the hooks once per process; the newest registry receives what they catch. */
export function installNodeHooks(registry: Registry, project: Project): void {
  const first = installed === undefined;
  installed = registry;
  if (!first) return;
  const internals = Module as unknown as ModuleInternals;
  for (const extension of typescriptExtensions) {
    internals._extensions[extension] = (module, filename) => {
      module.exports = installed!.imports.fromPackage(filename, 'require');
    };
  }
  const load = internals._load;
  internals._load = function (request: string, parent: unknown, isMain: boolean) {
    if (!isMain && parent && installed && !request.startsWith('node:')) {
      let filename: string | undefined;
      try {
        filename = internals._resolveFilename(request, parent, isMain);
      } catch {
        filename = undefined;
      }
      if (filename && path.isAbsolute(filename) && (installed.records.isAppFile(filename) || isTypeScriptFile(filename))) {
        return installed.imports.fromPackage(filename, 'require');
      }
    }
    return load.call(this, request, parent, isMain);
  };
  (globalThis as Record<symbol, unknown>)[bridgeKey] = {
    import: (url: string) => installed!.imports.fromPackage(fileURLToPath(url), 'import'),
    bind: (url: string, binder: ShimBinder) => {
      const record = installed!.recordFor(fileURLToPath(url));
      record.binders.add(binder);
      if (record.current) installed!.evaluator.bindShims(record, record.current);
    },
  };
  installLoaderHooks(project);
}

/** The `import()` side: in this thread where Node can (22.15+), else in Node's hooks thread. */
function installLoaderHooks(project: Project): void {
  const registerHooks = syncHooksOf(Module);
  if (!registerHooks) {
    register(pathToFileURL(runtimeOutput('hooks.mjs')).href, { data: { project: project.dir } });
    return;
  }
  registerHooks({
    resolve(specifier, context, next) {
      const from = parseImportedFrom(specifier);
      return from ? next(from.specifier, { ...context, parentURL: from.parentURL }) : next(specifier, context);
    },
    load(url, context, next) {
      if (shimmedFile(project, url)) return { format: 'module', shortCircuit: true, source: shimFor(project, url) };
      return next(url, context);
    },
  });
}

/** Loads a package (or built-in) as Node's ES module loader would for an import written in `fromFile`. */
export function importPackage(specifier: string, fromFile: string): Promise<object> {
  if (specifier.startsWith('node:')) return import(specifier);
  return import(importedFrom(specifier, pathToFileURL(fromFile).href));
}
