// TypeScript and modern JavaScript to the function body the loader evaluates, through esbuild's transform
// API: no bundling and no type checking, so one file takes a millisecond or two.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReloadStepError, say } from './errors';

/** The name `import.meta` is rewritten to; the loader passes the module's meta object under it. */
export const metaBinding = '__reloadable_meta';

export interface Transformed {
  code: string;
  /** The source map, as JSON text. */
  map: string;
  /** Whether the source is an ES module (its code then runs in strict mode, as ESM does). */
  esm: boolean;
  /** Exported names the module imports from each specifier (ESM imports only), for the missing-export check. */
  importedNames: Map<string, Set<string>>;
}

/** The compiler options esbuild honours, from the project's tsconfig. */
export type TsconfigRaw = NonNullable<Extract<esbuild.TransformOptions['tsconfigRaw'], object>>;

const loaders: Record<string, esbuild.Loader> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};

export const moduleExtensions = Object.keys(loaders);

export function isModuleFile(file: string): boolean {
  return path.extname(file) in loaders;
}

function options(file: string, tsconfigRaw: TsconfigRaw | undefined): esbuild.TransformOptions {
  return {
    loader: loaders[path.extname(file)] ?? 'ts',
    format: 'cjs',
    platform: 'node',
    target: `node${process.versions.node}`,
    sourcemap: 'external',
    sourcefile: file,
    // `import()` becomes a call of the module's own require, so dynamic imports are reloadable too.
    supported: { 'dynamic-import': false },
    define: { 'import.meta': metaBinding },
    tsconfigRaw,
    logLevel: 'silent',
  };
}

/** Starts esbuild's service now, so the first reload does not pay for it. */
export function warmUp(): void {
  esbuild.transform('', { loader: 'ts' }).catch(() => undefined);
}

/** Transforms one file; syntax errors become a ReloadStepError of phase `transform` with the position. */
export async function transform(file: string, source: string, id: string, tsconfigRaw?: TsconfigRaw): Promise<Transformed> {
  try {
    return finish(file, source, await esbuild.transform(source, options(file, tsconfigRaw)));
  } catch (error) {
    throw asStepError(error, file, id);
  }
}

/** The same, synchronously: for modules first required while another module initialises. */
export function transformSync(file: string, source: string, id: string, tsconfigRaw?: TsconfigRaw): Transformed {
  try {
    return finish(file, source, esbuild.transformSync(source, options(file, tsconfigRaw)));
  } catch (error) {
    throw asStepError(error, file, id);
  }
}

function finish(file: string, source: string, result: esbuild.TransformResult): Transformed {
  const esm = isEsm(file, result.code, source);
  return { code: result.code, map: result.map, esm, importedNames: importedNames(result.code) };
}

function asStepError(error: unknown, file: string, id: string): unknown {
  const failure = (error as esbuild.TransformFailure).errors?.[0];
  if (!failure) return error;
  const line = failure.location?.line ?? 1;
  const column = (failure.location?.column ?? 0) + 1;
  const message = /top-level await/i.test(failure.text)
    ? say.topLevelAwait(file, line)
    : say.syntaxError(file, line, column, failure.text);
  return new ReloadStepError(id, 'transform', message, { file, line, column }, error);
}

/**
 * esbuild turns `import { a } from './b'` into `var import_b = require("./b")` and uses of `a` into
 * `import_b.a`; reading those back gives the names each import needs, without a second parse.
 */
function importedNames(code: string): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const match of code.matchAll(/\bvar ([\w$]+) = (?:__toESM\()?require\("((?:[^"\\]|\\.)*)"\)/g)) {
    const [, binding, specifier] = match as unknown as [string, string, string];
    const used = names.get(specifier) ?? new Set<string>();
    const uses = new RegExp(`\\b${binding.replace(/\$/g, '\\$')}\\.([A-Za-z_$][\\w$]*)`, 'g');
    for (const use of code.matchAll(uses)) used.add(use[1]!);
    names.set(specifier, used);
  }
  return names;
}

const packageTypes = new Map<string, 'module' | 'commonjs'>();

/** ESM by extension, by the nearest package.json's `type`, or by having ESM exports. */
function isEsm(file: string, code: string, source: string): boolean {
  const extension = path.extname(file);
  if (extension === '.mts' || extension === '.mjs') return true;
  if (extension === '.cts' || extension === '.cjs') return false;
  if (packageType(path.dirname(file)) === 'module') return true;
  return code.includes('__toCommonJS(') || /^\s*import\s[\s\S]*?\sfrom\s/m.test(source);
}

function packageType(dir: string): 'module' | 'commonjs' {
  const known = packageTypes.get(dir);
  if (known) return known;
  let type: 'module' | 'commonjs' = 'commonjs';
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    try {
      type = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'module' : 'commonjs';
    } catch {
      // An unreadable package.json is Node's problem to report; here it means CommonJS.
    }
  } else if (path.dirname(dir) !== dir) {
    type = packageType(path.dirname(dir));
  }
  packageTypes.set(dir, type);
  return type;
}

/** The tsconfig options esbuild honours when transforming one file at a time. */
export function tsconfigRawOf(compilerOptions: Record<string, unknown> | undefined): TsconfigRaw | undefined {
  if (!compilerOptions) return undefined;
  const keep = [
    'experimentalDecorators', 'useDefineForClassFields', 'verbatimModuleSyntax', 'preserveValueImports',
    'importsNotUsedAsValues', 'jsx', 'jsxFactory', 'jsxFragmentFactory', 'jsxImportSource', 'target', 'alwaysStrict',
  ];
  const picked = Object.fromEntries(keep.filter((key) => key in compilerOptions).map((key) => [key, compilerOptions[key]]));
  return { compilerOptions: picked } as TsconfigRaw;
}
