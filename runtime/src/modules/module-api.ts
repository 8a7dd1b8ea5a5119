// What a version's rewritten code calls `__rl` (imports, exports, `import()`, `import.meta`, the call counter),
// and CommonJS's `require`, made once per version.
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeRequireFrom, type Registry } from './registry';
import type { ModuleVersion } from './version';

/** Defines an ES module's exports: a getter per name, reading the module's own binding. */
function defineExports(version: ModuleVersion, getters: Record<string, () => unknown>): void {
  const exports = version.module.exports as object;
  if (!Object.prototype.hasOwnProperty.call(exports, '__esModule')) Object.defineProperty(exports, '__esModule', { value: true });
  for (const name of Object.keys(getters)) Object.defineProperty(exports, name, { get: getters[name], enumerable: true, configurable: true });
}

export function moduleApi(registry: Registry, version: ModuleVersion, hot: object): object {
  const file = version.file;
  const meta = {
    url: pathToFileURL(file).href,
    filename: file,
    dirname: path.dirname(file),
    hot,
    resolve: (specifier: string) => pathToFileURL(resolvePath(registry, version, specifier, 'import')).href,
  };
  version.meta = meta;
  return {
    i: (index: number) => registry.importObject(version, index),
    e: (getters: Record<string, () => unknown>) => defineExports(version, getters),
    d: (specifier: unknown) => registry.dynamicImport(version, String(specifier)),
    m: meta,
    c: version.counter,
  };
}

function resolvePath(registry: Registry, version: ModuleVersion, specifier: string, mode: 'import' | 'require'): string {
  const resolution = registry.resolve(specifier, version.file, mode);
  if (resolution.kind === 'app') return resolution.file;
  if (resolution.kind === 'builtin') return `node:${resolution.name}`;
  return nodeRequireFrom(version.file).resolve(specifier);
}

/** CommonJS's `require` for one version: app files through the registry, the rest through Node. */
export function requireFor(registry: Registry, version: ModuleVersion, main: () => unknown): NodeJS.Require {
  const require = ((specifier: string) => registry.require(version, specifier)) as NodeJS.Require;
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
