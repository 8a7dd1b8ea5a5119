// What an `import` of a CommonJS value sees, as Node and TypeScript define it. An ES module importing
// CommonJS gets `module.exports` as its default export and its properties as named exports (Node's rule);
// a module TypeScript compiles to CommonJS gets `exports.default` when the target says `__esModule`, the
// whole `module.exports` otherwise (`esModuleInterop`). Named reads stay live on the object.
import type { ModuleFormat } from '../transform';

/**
 * The import object for `value` (a `module.exports`) as seen from an importer of `format`; `names` are the ones
 * it reads. `raw`: the importer is TypeScript compiled to CommonJS without esModuleInterop, whose namespace import
 * is `require()`'s value itself (callable, when that is a function).
 */
export function interopObject(value: unknown, importerFormat: ModuleFormat, names: readonly string[], raw = false): object {
  const isObject = (typeof value === 'object' || typeof value === 'function') && value !== null;
  if (raw && isObject && names.length === 1 && names[0] === '*') return value as object;
  const flagged = isObject && (value as { __esModule?: unknown }).__esModule === true;
  // TypeScript's own output for CommonJS reads an `__esModule` object as a namespace.
  if (flagged && importerFormat === 'cjs') return value as object;
  const view: Record<string, unknown> = Object.create(null);
  Object.defineProperty(view, '__esModule', { value: true });
  const defaultValue = flagged && importerFormat !== 'esm' ? (value as { default?: unknown }).default : value;
  Object.defineProperty(view, 'default', { value: defaultValue, enumerable: true });
  if (!isObject) return view;
  const keys = names.includes('*') ? Object.keys(value as object) : names.filter((name) => name !== 'default');
  for (const key of keys) {
    if (key === 'default' || key === '__esModule') continue;
    Object.defineProperty(view, key, { get: () => (value as Record<string, unknown>)[key], enumerable: true });
  }
  return view;
}
