// One file to the function body the registry runs: compile (TypeScript and JSX away, decorators as the
// tsconfig says), then rewrite (imports, exports, import.meta, import(), call counting). Results are kept by
// content, so a module that runs again without changing (a re-run importer) costs nothing to transform, and
// the watcher's look at a saved file is the transaction's transform.
import * as crypto from 'node:crypto';
import { ReloadStepError, say } from '../errors';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { compile, type CompilerSettings, type RawSourceMap } from './compile';
import { isTypeScriptFile, type ModuleFormat } from './formats';
import { rewrite, RewriteError, type StaticImport } from './rewrite';
import { VersionMap } from './source-map';

export { compile, compileForNode, compilerSettingsOf, type CompilerSettings } from './compile';
export { rewrite } from './rewrite';
export { formatOf, isModuleFile, isTypeScriptFile, moduleExtensions, sourceSubstitutes, typescriptExtensions, type ModuleFormat } from './formats';
export { forgetPackageJsons, nearestPackageJson, type PackageJson } from './package-json';
export type { StaticImport } from './rewrite';
export type { SourcePosition } from './source-map';

export interface Transformed {
  format: ModuleFormat;
  /** The module function's body; empty for JSON. */
  code: string;
  /** An ES module: its body is a generator, instantiated then evaluated. */
  generator: boolean;
  /** It awaits at its top level. */
  async: boolean;
  imports: StaticImport[];
  /** Names it exports itself. */
  exports: string[];
  /**
   * Names a TypeScript module declares or exports as types only (`interface`, `type`, `export type {…}`): tsc
   * erases an import of one, so an importer that names it (a decorated parameter's type under
   * emitDecoratorMetadata, which oxc guards with `typeof`) gets undefined rather than a link error.
   */
  typeNames?: string[];
  /** The imports (by index) it hands its own code to as it loads: a reload of it runs their modules too. */
  registersInto?: number[];
  /** Written with import/export (a CommonJS one then gets `__esModule`). */
  esmSyntax: boolean;
  map: VersionMap | undefined;
  /** A JSON module's value. */
  json?: unknown;
  hash: string;
}

export interface TransformRequest {
  file: string;
  /** The module id, for errors. */
  id: string;
  source: string;
  format: ModuleFormat;
  settings: CompilerSettings;
}

/** Transforms kept per file: the live version's and the newest one's. */
const cache = new Map<string, Transformed[]>();
const keepPerFile = 2;

export function contentHash(text: string): string {
  return crypto.createHash('sha1').update(text).digest('hex');
}

/** Transforms a module; a syntax error becomes a ReloadStepError of phase `transform` with its position. */
export function transformModule(request: TransformRequest, hash = contentHash(request.source)): Transformed {
  const key = `${hash}:${request.format}:${JSON.stringify(request.settings)}`;
  const kept = cache.get(request.file) ?? [];
  const found = kept.find((entry) => entry.hash === key);
  if (found) return found;
  const transformed = request.format === 'json' ? json(request) : code(request);
  transformed.hash = key;
  cache.set(request.file, [transformed, ...kept].slice(0, keepPerFile));
  return transformed;
}

/** Where a 1-based position of oxc's output came from in the file. */
function originalOfCompiled(map: RawSourceMap, position: { line: number; column: number }): { line: number; column: number } | undefined {
  const found = originalPositionFor(new TraceMap(map as never), { line: position.line, column: position.column - 1 });
  return found.line === null ? undefined : { line: found.line, column: (found.column ?? 0) + 1 };
}

/** 1-based line and column of a string index. */
function positionOfIndex(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

function json(request: TransformRequest): Transformed {
  let value: unknown;
  try {
    value = JSON.parse(request.source);
  } catch (error) {
    throw new ReloadStepError(request.id, 'transform', say.syntaxError(request.file, 1, 1, (error as Error).message), {
      file: request.file,
      line: 1,
      column: 1,
    });
  }
  return {
    format: 'json',
    code: '',
    generator: false,
    async: false,
    imports: [],
    exports: ['default'],
    esmSyntax: false,
    map: undefined,
    json: value,
    hash: '',
  };
}

function code(request: TransformRequest): Transformed {
  const { file, id, format, settings } = request;
  // A hashbang line is a comment as far as a function body is concerned.
  const source = request.source.startsWith('#!') ? `//${request.source.slice(2)}` : request.source;
  const compiled = compile(file, source, id, format, settings);
  const jsFormat = format === 'json' ? 'esm' : format;
  let rewritten;
  try {
    rewritten = rewrite(compiled.code, jsFormat, /\b(state|mailbox)\s*\(/.test(source));
  } catch (error) {
    if (!(error instanceof RewriteError)) throw error;
    const generated = positionOfIndex(compiled.code, error.offset);
    const { line, column } = originalOfCompiled(compiled.map, generated) ?? generated;
    const message =
      /await/.test(error.message) && format === 'cjs' ? say.topLevelAwaitInCommonJs(file, line) : say.syntaxError(file, line, column, error.message);
    throw new ReloadStepError(id, 'transform', message, { file, line, column });
  }
  return {
    format,
    code: rewritten.code,
    generator: rewritten.generator,
    async: rewritten.hasTopLevelAwait,
    imports: rewritten.imports,
    exports: rewritten.exports,
    esmSyntax: rewritten.esmSyntax,
    ...(rewritten.registersInto.length > 0 ? { registersInto: rewritten.registersInto } : {}),
    ...(isTypeScriptFile(file) ? { typeNames: typeNamesOf(source) } : {}),
    map: new VersionMap(file, compiled.map, rewritten.map as never, request.source),
    hash: '',
  };
}

const typeDeclaration = /(?:^|[\s;{}])(?:interface|type)\s+([A-Za-z_$][\w$]*)\s*(?:<[^>{=]*>\s*)?(?:=|\{|extends\b)/g;
const typeExportList = /\bexport\s+type\s*\{([^}]*)\}/g;
const exportList = /\bexport\s*\{([^}]*)\}/g;

/**
 * The names a TypeScript module declares as types (interfaces, type aliases) or exports as types only
 * (`export type { A }`, `export { type A }`), read from its text: a name here that the module does not export
 * as a value is one tsc would have erased from its importers.
 */
function typeNamesOf(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(typeDeclaration)) names.add(match[1]!);
  const exported = (specifier: string) =>
    specifier
      .trim()
      .split(/\s+as\s+/)
      .pop()!
      .trim();
  for (const match of source.matchAll(typeExportList))
    for (const specifier of match[1]!.split(',')) if (specifier.trim()) names.add(exported(specifier));
  for (const match of source.matchAll(exportList)) {
    for (const specifier of match[1]!.split(',')) if (/^\s*type\s+[\w$]/.test(specifier)) names.add(exported(specifier.trim().slice(4)));
  }
  return [...names];
}
