// Node's own `require`, as seen from an app file: packages resolve from the app's node_modules, the way Node
// would load them for that file. The compiler's helpers come with the runtime, not with the app.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { runtimeRequire } from '../location';

const requires = new Map<string, NodeJS.Require>();

/** Node's `require` as seen from `file`. */
export function nodeRequireFrom(file: string): NodeJS.Require {
  const dir = path.dirname(file);
  let require = requires.get(dir);
  if (!require) {
    require = createRequire(file);
    requires.set(dir, require);
  }
  return require;
}

/** The helpers oxc's output imports (`@oxc-project/runtime/…`), resolved from the runtime's own dependencies. */
export function runtimeHelper(specifier: string): string | undefined {
  if (!isRuntimeHelper(specifier)) return undefined;
  return runtimeRequire.resolve(specifier);
}

export function isRuntimeHelper(specifier: string): boolean {
  return specifier.startsWith('@oxc-project/runtime/');
}

/** What Node resolves from node_modules: not a relative, absolute, URL or `#imports` specifier. */
export function isPackageSpecifier(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:') && !specifier.startsWith('#');
}
