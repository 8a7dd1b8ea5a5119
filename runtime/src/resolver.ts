// Resolves the specifiers app modules write the way TypeScript and Node do for a project run from source:
// `.js` naming a `.ts` file, extensionless paths and index files, tsconfig `paths`. Packages and built-ins
// are left to Node: they load the normal way and are never reloaded.
import { createPathsMatcher, getTsconfig } from 'get-tsconfig';
import { isBuiltin } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { moduleExtensions } from './transform';

export type Resolution =
  | { kind: 'builtin'; name: string }
  /** One of the app's own modules (outside node_modules): loaded and reloaded by the runtime. */
  | { kind: 'app'; file: string }
  /** Anything else: a package, a JSON file, a native addon. Node's require loads it. */
  | { kind: 'external' };

const substitutes: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
};

export class Resolver {
  private readonly matchPaths: ((specifier: string) => string[]) | null;
  private readonly isFileCache = new Map<string, boolean>();
  /** The tsconfig's compilerOptions, for the transform. */
  readonly compilerOptions: Record<string, unknown> | undefined;

  constructor(project: string) {
    const tsconfig = getTsconfig(project);
    this.matchPaths = tsconfig ? createPathsMatcher(tsconfig) : null;
    this.compilerOptions = tsconfig?.config.compilerOptions as Record<string, unknown> | undefined;
  }

  /** Forget what the file system looked like: files may have been added or removed since. */
  refresh(): void {
    this.isFileCache.clear();
  }

  resolve(specifier: string, fromFile: string): Resolution {
    if (specifier.startsWith('node:') || isBuiltin(specifier)) return { kind: 'builtin', name: specifier.replace(/^node:/, '') };
    let file: string | undefined;
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
      file = this.resolvePath(path.resolve(path.dirname(fromFile), specifier));
    } else if (specifier.startsWith('file:')) {
      file = this.resolvePath(new URL(specifier).pathname);
    } else if (this.matchPaths) {
      for (const candidate of this.matchPaths(specifier)) {
        file = this.resolvePath(candidate);
        if (file) break;
      }
    }
    if (!file || file.split(path.sep).includes('node_modules') || !moduleExtensions.includes(path.extname(file))) {
      return { kind: 'external' };
    }
    return { kind: 'app', file };
  }

  private resolvePath(base: string): string | undefined {
    const extension = path.extname(base);
    for (const substitute of substitutes[extension] ?? []) {
      const candidate = base.slice(0, -extension.length) + substitute;
      if (this.isFile(candidate)) return candidate;
    }
    if (this.isFile(base)) return base;
    for (const candidate of moduleExtensions) if (this.isFile(base + candidate)) return base + candidate;
    for (const candidate of moduleExtensions) if (this.isFile(path.join(base, `index${candidate}`))) return path.join(base, `index${candidate}`);
    return undefined;
  }

  private isFile(file: string): boolean {
    let known = this.isFileCache.get(file);
    if (known === undefined) {
      known = fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
      this.isFileCache.set(file, known);
    }
    return known;
  }
}
