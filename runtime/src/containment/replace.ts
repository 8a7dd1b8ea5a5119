// Replacing a function of a built-in module: the replacement keeps what callers may read from the original
// (`util.promisify.custom`, `__promisify__`), and finds the module version whose code calls it.
import { currentVersion } from '../modules/module';

export { currentVersion as owner };

/** Copies a function's own properties onto its replacement. */
export function likeOriginal<T extends Function>(replacement: T, source: Function): T {
  for (const key of Reflect.ownKeys(source)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(source, key);
    if (descriptor) Reflect.defineProperty(replacement, key, descriptor);
  }
  return replacement;
}
