import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from './typescript';

/** The `name` of the project's package.json, when it has `exports` to resolve self-references through. */
function ownPackageName(folder: string): string | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: unknown; exports?: unknown };
    return typeof manifest.name === 'string' && manifest.exports !== undefined ? manifest.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves specifiers the way the user's compiler does (paths, baseUrl, node16/nodenext/bundler, `.js`
 * written for `.ts`, index files), with one cache for the whole project. Bare specifiers that no `paths`
 * pattern or `baseUrl` can map are packages: they are never modules of the project, so they are not
 * resolved at all, which keeps building the graph cheap.
 */
export class ModuleResolver {
  private readonly cache: ts.ModuleResolutionCache;
  private readonly host: ts.ModuleResolutionHost;
  private readonly pathPrefixes: string[];
  /** The project's own package name: a specifier starting with it is a self-reference through `exports`. */
  private readonly ownName: string | undefined;

  constructor(
    private readonly options: ts.CompilerOptions,
    folder: string,
    fileExists: (file: string) => boolean,
  ) {
    this.cache = ts.createModuleResolutionCache(folder, (file) => file, options);
    this.host = {
      fileExists,
      readFile: ts.sys.readFile,
      directoryExists: ts.sys.directoryExists,
      realpath: ts.sys.realpath,
      getCurrentDirectory: () => folder,
    };
    this.pathPrefixes = Object.keys(options.paths ?? {}).map((pattern) => pattern.split('*')[0]!);
    this.ownName = ownPackageName(folder);
  }

  /** The absolute file a specifier names, or undefined when it is a package or cannot be resolved. */
  resolve(specifier: string, containingFile: string, mode: 'import' | 'require' | 'dynamic'): string | undefined {
    if (this.isPackage(specifier)) return undefined;
    const resolutionMode =
      mode === 'require' ? ts.ModuleKind.CommonJS : mode === 'dynamic' ? ts.ModuleKind.ESNext : this.staticImportMode(containingFile);
    const { resolvedModule } = ts.resolveModuleName(specifier, containingFile, this.options, this.host, this.cache, undefined, resolutionMode);
    if (!resolvedModule || resolvedModule.isExternalLibraryImport) return undefined;
    return path.resolve(resolvedModule.resolvedFileName);
  }

  /** Drops cached resolutions after files appear or disappear. */
  clear(): void {
    this.cache.clear();
  }

  private isPackage(specifier: string): boolean {
    if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return false;
    if (this.options.baseUrl) return false;
    if (this.ownName && (specifier === this.ownName || specifier.startsWith(`${this.ownName}/`))) return false;
    return !this.pathPrefixes.some((prefix) => specifier.startsWith(prefix));
  }

  /** The module format Node gives a file (from its extension and package.json `type`), under node16/nodenext. */
  impliedFormat(file: string): ts.ResolutionMode {
    return ts.getImpliedNodeFormatForFile(file as ts.Path, this.cache.getPackageJsonInfoCache(), this.host, this.options);
  }

  /** Whether a static import in this file is an ESM import or compiles to `require`. */
  private staticImportMode(file: string): ts.ResolutionMode {
    return this.impliedFormat(file) === ts.ModuleKind.CommonJS ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext;
  }
}
