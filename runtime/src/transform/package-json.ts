// The package.json that governs a file: the nearest one above it, up to (not across) a node_modules folder.
// Its `type` decides how Node runs the file; its `name`, `exports` and `imports` how the app's own specifiers
// resolve. Read once per folder until a reload asks to look again (a package.json may have been edited).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PackageJson {
  /** The folder holding it. */
  dir: string;
  name?: string;
  type?: string;
  exports?: unknown;
  imports?: unknown;
}

const known = new Map<string, PackageJson | null>();

/** The package.json nearest above `dir`, parsed; null when there is none, or it does not parse (Node's to report). */
export function nearestPackageJson(dir: string): PackageJson | null {
  const cached = known.get(dir);
  if (cached !== undefined) return cached;
  let found: PackageJson | null = null;
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    try {
      found = { ...(JSON.parse(fs.readFileSync(manifest, 'utf8')) as object), dir };
    } catch {
      found = null;
    }
  } else if (path.dirname(dir) !== dir && path.basename(dir) !== 'node_modules') {
    found = nearestPackageJson(path.dirname(dir));
  }
  known.set(dir, found);
  return found;
}

/** Forget what was read: package.json files may have changed since. */
export function forgetPackageJsons(): void {
  known.clear();
}
