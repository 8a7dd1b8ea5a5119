// Which package a file, or the code that made a handle, belongs to: its folder under the nearest node_modules.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The packages that made a handle a version's code started (chokidar, for the `fs.watch` of a watcher): only
 * their objects are released through their own `close()` (./package-objects.ts). Once one, always one: a later
 * version's object may ride on a handle an earlier version's made.
 */
export const handleMakers = new Set<string>();

/** Notes the package of the code that called `creator`, if a package's code did. */
export function noteHandleMaker(creator: Function): void {
  const file = callSites(creator, 1)[0]?.getFileName() ?? undefined;
  const root = file && !file.startsWith('node:') ? packageRootOf(file) : undefined;
  if (root !== undefined) handleMakers.add(root);
}

/** The frames below `creator` (at most `limit`), as V8 gives them: what a stack's text would only spell out. */
export function callSites(creator: Function, limit: number): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const stackLimit = Error.stackTraceLimit;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = limit;
    Error.captureStackTrace(holder, creator);
    return Array.isArray(holder.stack) ? holder.stack : [];
  } catch {
    return [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = stackLimit;
  }
}

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
