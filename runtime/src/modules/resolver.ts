// Resolves the specifiers an app's modules write, the way TypeScript and Node resolve them for a project run
// from source: relative paths with `.js` naming a `.ts` file, extensionless paths and index files, tsconfig
// `paths` and `baseUrl`, package.json `imports` (`#internal/*`) and self-references through `exports`. What
// resolves to a package (or a built-in) is left to Node: it loads the normal way and is never reloaded.
import { createPathsMatcher, getTsconfig } from 'get-tsconfig';
import { isBuiltin } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exports as packageExports, imports as packageImports } from 'resolve.exports';
import { moduleExtensions, nearestPackageJson, sourceSubstitutes } from '../transform';

export type Resolution =
  | { kind: 'builtin'; name: string }
  /** One of the app's own files (outside node_modules): the runtime loads it, and reloads it when it is under the root. */
  | { kind: 'app'; file: string }
  /** Anything else: a package, a native addon. Node loads it. */
  | { kind: 'external' };

/** `require` conditions for CommonJS importers, `import` for ES modules, as Node picks them. */
export type ResolutionMode = 'import' | 'require';

export class Resolver {
  private matchPaths: ((specifier: string) => string[]) | null = null;
  private readonly isFileCache = new Map<string, boolean>();
  private conditions: string[] = [];
  /** The tsconfig's compilerOptions, for the transform (as the process started: see `refresh`). */
  readonly compilerOptions: Record<string, unknown> | undefined;
  /** The tsconfig read, when it was written, and what of it decides resolution (`paths`, `baseUrl`, conditions). */
  private tsconfig: { file: string; mtimeMs: number; resolution: string } | undefined;

  constructor(private readonly project: string) {
    this.compilerOptions = this.readTsconfig();
  }

  /** Reads the project's tsconfig: its paths and conditions resolve from now on; returns its compilerOptions. */
  private readTsconfig(): Record<string, unknown> | undefined {
    const tsconfig = getTsconfig(this.project);
    const compilerOptions = tsconfig?.config.compilerOptions as Record<string, unknown> | undefined;
    const resolution = JSON.stringify([compilerOptions?.paths, compilerOptions?.baseUrl, compilerOptions?.customConditions]);
    this.tsconfig = tsconfig ? { file: tsconfig.path, mtimeMs: mtimeOf(tsconfig.path), resolution } : undefined;
    this.matchPaths = tsconfig ? createPathsMatcher(tsconfig) : null;
    const custom = compilerOptions?.customConditions;
    this.conditions = Array.isArray(custom) ? custom.filter((condition): condition is string => typeof condition === 'string') : [];
    return compilerOptions;
  }

  /**
   * Forget what the file system looked like: files may have been added or removed since, and the tsconfig
   * edited (its `paths`, `baseUrl` and conditions apply to the imports resolved from now on). Returns, for an
   * edited tsconfig, its compilerOptions (to compare with what the code was compiled with) and whether what
   * decides resolution changed.
   */
  refresh(): { compilerOptions: Record<string, unknown>; resolution: boolean } | undefined {
    this.isFileCache.clear();
    if (!this.tsconfig || mtimeOf(this.tsconfig.file) === this.tsconfig.mtimeMs) return undefined;
    const before = this.tsconfig.resolution;
    try {
      const compilerOptions = this.readTsconfig() ?? {};
      return { compilerOptions, resolution: this.tsconfig?.resolution !== before };
    } catch {
      // A tsconfig caught mid-save (or broken): what was read before still applies.
      return undefined;
    }
  }

  resolve(specifier: string, fromFile: string, mode: ResolutionMode): Resolution {
    if (specifier.startsWith('node:') || (isBuiltin(specifier) && !specifier.includes('/..')))
      return { kind: 'builtin', name: specifier.replace(/^node:/, '') };
    const file = this.resolveFile(specifier, fromFile, mode);
    if (!file || file.split(path.sep).includes('node_modules') || !isAppExtension(file)) return { kind: 'external' };
    return { kind: 'app', file };
  }

  private resolveFile(specifier: string, fromFile: string, mode: ResolutionMode): string | undefined {
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) return this.resolvePath(path.resolve(path.dirname(fromFile), specifier));
    if (specifier.startsWith('file:')) return this.resolvePath(fileURLToPath(specifier));
    if (specifier.startsWith('#')) return this.resolveImports(specifier, fromFile, mode);
    if (this.matchPaths) {
      for (const candidate of this.matchPaths(specifier)) {
        const file = this.resolvePath(candidate);
        if (file) return file;
      }
    }
    return this.resolveSelf(specifier, fromFile, mode);
  }

  /** `#internal/*` through the nearest package.json's `imports`. */
  private resolveImports(specifier: string, fromFile: string, mode: ResolutionMode): string | undefined {
    const manifest = nearestPackageJson(path.dirname(fromFile));
    if (!manifest?.imports) return undefined;
    const targets = this.safely(() => packageImports(manifest, specifier, this.options(mode)));
    for (const target of targets ?? []) {
      if (!target.startsWith('./')) return undefined; // A package: Node's to load.
      const file = this.resolvePath(path.join(manifest.dir, target), true);
      if (file) return file;
    }
    return undefined;
  }

  /** The package's own name, through its `exports`. */
  private resolveSelf(specifier: string, fromFile: string, mode: ResolutionMode): string | undefined {
    const manifest = nearestPackageJson(path.dirname(fromFile));
    if (!manifest?.name || !manifest.exports) return undefined;
    if (specifier !== manifest.name && !specifier.startsWith(`${manifest.name}/`)) return undefined;
    const targets = this.safely(() => packageExports(manifest, `.${specifier.slice(manifest.name!.length)}`, this.options(mode)));
    for (const target of targets ?? []) {
      const file = this.resolvePath(path.join(manifest.dir, target), true);
      if (file) return file;
    }
    return undefined;
  }

  private options(mode: ResolutionMode) {
    return { require: mode === 'require', conditions: this.conditions };
  }

  private safely<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch {
      // A specifier the package does not export: not an app module.
      return undefined;
    }
  }

  /** A path as written, with TypeScript's `.js` → `.ts` substitution; `exact` (a mapped target) skips index files. */
  private resolvePath(base: string, exact = false): string | undefined {
    const extension = path.extname(base);
    for (const substitute of sourceSubstitutes[extension] ?? []) {
      const candidate = base.slice(0, -extension.length) + substitute;
      if (this.isFile(candidate)) return candidate;
    }
    if (this.isFile(base)) return base;
    if (exact) return undefined;
    for (const candidate of moduleExtensions) if (this.isFile(base + candidate)) return base + candidate;
    if (this.isFile(`${base}.json`)) return `${base}.json`;
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

export function isAppExtension(file: string): boolean {
  return moduleExtensions.includes(path.extname(file)) || path.extname(file) === '.json';
}

function mtimeOf(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}
