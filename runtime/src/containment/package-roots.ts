// Which package a file, or the code that made a handle, belongs to: its folder under the nearest node_modules.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder of the frame a stack text starts with (the code that made a handle), if it is a package's. */
export function packageOfStack(stack: string | undefined): string | undefined {
  const location = stack?.match(/^\s+at (?:.*\()?(.+?):\d+:\d+\)?$/m)?.[1];
  return location === undefined || location.startsWith('node:') ? undefined : packageRootOf(location);
}

/** `…/node_modules/name` (or `…/node_modules/@scope/name`) for a file of a package, else undefined. */
export function packageRootOf(location: string): string | undefined {
  let file = location;
  if (file.startsWith('file:')) {
    try {
      file = fileURLToPath(file.replace(/[?#].*$/, ''));
    } catch {
      return undefined;
    }
  }
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length - 1) return undefined;
  const end = parts[at + 1]!.startsWith('@') ? at + 3 : at + 2;
  return parts.slice(0, end).join(path.sep);
}
