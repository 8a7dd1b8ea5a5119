// What a version's rewritten code is run with, made once per version: what it calls `__rl` (imports,
// exports, `import()`, `import.meta`, the call counter) and CommonJS's `require`.
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeBindings, ModuleVersion } from './module';
import { nodeRequireFrom } from './node-require';
import type { Registry } from './registry';

/** Defines an ES module's exports: a getter per name, reading the module's own binding. */
function defineExports(version: ModuleVersion, getters: Record<string, () => unknown>): void {
  const exports = version.module.exports as object;
  if (!Object.prototype.hasOwnProperty.call(exports, '__esModule')) Object.defineProperty(exports, '__esModule', { value: true });
  for (const name of Object.keys(getters)) Object.defineProperty(exports, name, { get: getters[name], enumerable: true, configurable: true });
}

/** The bindings of `version`'s code; `hot` is its `import.meta.hot`, `main` what `require.main` answers. */
export function codeBindings(registry: Registry, version: ModuleVersion, hot: object, main: () => unknown): CodeBindings {
  return { api: moduleApi(registry, version, hot), require: requireFor(registry, version, main) };
}

function moduleApi(registry: Registry, version: ModuleVersion, hot: object): object {
  const file = version.file;
  const meta = {
    url: pathToFileURL(file).href,
    filename: file,
    dirname: path.dirname(file),
    hot,
    resolve: (specifier: string) => pathToFileURL(resolvePath(registry, version, specifier, 'import')).href,
  };
  return {
    i: (index: number) => registry.imports.importObject(version, index),
    e: (getters: Record<string, () => unknown>) => defineExports(version, getters),
    d: (specifier: unknown) => registry.imports.dynamicImport(version, String(specifier)),
    m: meta,
    c: version.calls,
  };
}

function resolvePath(registry: Registry, version: ModuleVersion, specifier: string, mode: 'import' | 'require'): string {
  const resolution = registry.resolve(specifier, version.file, mode);
  if (resolution.kind === 'app') return resolution.file;
  if (resolution.kind === 'builtin') return `node:${resolution.name}`;
  return nodeRequireFrom(version.file).resolve(specifier);
}

/** CommonJS's `require` for one version: app files through the registry, the rest through Node. */
function requireFor(registry: Registry, version: ModuleVersion, main: () => unknown): NodeJS.Require {
  const require = ((specifier: string) => registry.imports.require(version, specifier)) as NodeJS.Require;
  const resolve = ((specifier: string, options?: { paths?: string[] }) => {
    const resolution = registry.resolve(specifier, version.file, 'require');
    if (resolution.kind === 'app') return resolution.file;
    if (resolution.kind === 'builtin') return specifier;
    return nodeRequireFrom(version.file).resolve(specifier, options);
  }) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => nodeRequireFrom(version.file).resolve.paths(request);
  require.resolve = resolve;
  require.cache = (Module as unknown as { _cache: NodeJS.Dict<NodeJS.Module> })._cache;
  require.extensions = (Module as unknown as { _extensions: NodeJS.RequireExtensions })._extensions;
  Object.defineProperty(require, 'main', { get: main, enumerable: true });
  return require;
}
