// TypeScript, JSX and modern JavaScript to plain ES module JavaScript that Node runs, one file at a time,
// through oxc-transform: in-process native code, no type checking, a fraction of a millisecond for a
// typical module (esbuild's transform API costs about a millisecond more per call, in its own process).
// Decorators follow the project's tsconfig: legacy ones with `design:*` metadata when it asks for them
// (oxc emits it, as tsc does), standard ones otherwise, lowered by esbuild since oxc leaves them as written.
import * as esbuild from 'esbuild';
import { transformSync, type TransformOptions } from 'oxc-transform';
import * as path from 'node:path';
import { ReloadStepError, say } from '../errors';
import { languages, type ModuleFormat } from './formats';

/** The compiler options that change the JavaScript a file compiles to. */
export interface CompilerSettings {
  experimentalDecorators?: boolean;
  emitDecoratorMetadata?: boolean;
  useDefineForClassFields?: boolean;
  verbatimModuleSyntax?: boolean;
  jsx?: string;
  jsxFactory?: string;
  jsxFragmentFactory?: string;
  jsxImportSource?: string;
  target?: string;
}

export interface Compiled {
  code: string;
  /** The source map from `code` back to the file, as oxc wrote it. */
  map: RawSourceMap;
}

export interface RawSourceMap {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  sourcesContent?: Array<string | null>;
}

/** What tsconfig's compilerOptions ask of the JavaScript; unknown keys are ignored. */
export function compilerSettingsOf(compilerOptions: Record<string, unknown> | undefined): CompilerSettings {
  const options = compilerOptions ?? {};
  const pick = <T>(key: string, type: string) => (typeof options[key] === type ? (options[key] as T) : undefined);
  const settings: CompilerSettings = {};
  for (const key of ['experimentalDecorators', 'emitDecoratorMetadata', 'useDefineForClassFields', 'verbatimModuleSyntax'] as const) {
    const value = pick<boolean>(key, 'boolean');
    if (value !== undefined) settings[key] = value;
  }
  for (const key of ['jsx', 'jsxFactory', 'jsxFragmentFactory', 'jsxImportSource', 'target'] as const) {
    const value = pick<string>(key, 'string');
    if (value !== undefined) settings[key] = key === 'target' ? value.toLowerCase() : value;
  }
  return settings;
}

/** TypeScript's default: class fields use [[Define]] semantics from ES2022 on. */
function definesClassFields(settings: CompilerSettings): boolean {
  if (settings.useDefineForClassFields !== undefined) return settings.useDefineForClassFields;
  const target = (settings.target ?? 'es2022').toLowerCase();
  if (target === 'esnext') return true;
  const year = Number(/^es(\d{4})$/.exec(target)?.[1] ?? (target === 'es6' ? 2015 : target === 'es5' || target === 'es3' ? 5 : 2022));
  return year >= 2022;
}

const moduleSyntax = /^\s*(import|export)\b|\bimport\.meta\b/m;

function optionsFor(file: string, source: string, format: ModuleFormat, settings: CompilerSettings): TransformOptions {
  const define = definesClassFields(settings);
  const options: TransformOptions = {
    lang: languages[path.extname(file)] ?? 'ts',
    // CommonJS written with import/export (TypeScript compiled to CommonJS) parses as a module; plain
    // CommonJS may return at its top level.
    sourceType: format === 'esm' || moduleSyntax.test(source) ? 'module' : 'commonjs',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: true,
    typescript: {
      onlyRemoveTypeImports: settings.verbatimModuleSyntax === true,
      removeClassFieldsWithoutInitializer: !define,
    },
    assumptions: { setPublicClassFields: !define },
    jsx: jsxOptions(settings),
  };
  if (settings.experimentalDecorators) options.decorator = { legacy: true, emitDecoratorMetadata: settings.emitDecoratorMetadata === true };
  return options;
}

function jsxOptions(settings: CompilerSettings): TransformOptions['jsx'] {
  switch (settings.jsx) {
    case 'react':
      return {
        runtime: 'classic',
        ...(settings.jsxFactory ? { pragma: settings.jsxFactory } : {}),
        ...(settings.jsxFragmentFactory ? { pragmaFrag: settings.jsxFragmentFactory } : {}),
      };
    case 'react-jsxdev':
      return { runtime: 'automatic', development: true, ...(settings.jsxImportSource ? { importSource: settings.jsxImportSource } : {}) };
    default:
      // `react-jsx`, and `preserve`, which Node could not run: the automatic runtime.
      return { runtime: 'automatic', ...(settings.jsxImportSource ? { importSource: settings.jsxImportSource } : {}) };
  }
}

/** Decorators left in oxc's output: standard (TC39) ones, which oxc does not lower and Node 20 cannot run. */
const decoratorSyntax = /(^|[\s(,;{}])@[A-Za-z_$]/m;
/** Auto-accessors (`accessor x = 1`), which oxc leaves as written and no Node runs yet. */
const accessorSyntax = /(^|[\s;{}])accessor\s+[#\w$[]/m;

/**
 * Compiles a file for Node to run as it is, not reloaded (a worker thread's or a forked child's modules): an ES
 * module as oxc writes it, or CommonJS when Node runs the file as CommonJS (esbuild turns import/export into
 * require/exports, keeping the decorators and their metadata oxc emitted). The source map is inline.
 */
export function compileForNode(
  file: string,
  source: string,
  format: ModuleFormat,
  settings: CompilerSettings,
): { format: 'module' | 'commonjs'; code: string } {
  const compiled = compile(file, source, file, format, settings);
  const mapped = `${compiled.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(compiled.map)).toString('base64')}\n`;
  if (format === 'esm') return { format: 'module', code: mapped };
  if (!moduleSyntax.test(compiled.code)) return { format: 'commonjs', code: mapped };
  const result = esbuild.transformSync(mapped, {
    loader: 'js',
    format: 'cjs',
    sourcefile: file,
    sourcemap: 'inline',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'silent',
  });
  return { format: 'commonjs', code: result.code };
}

/** Compiles one file; a syntax error becomes a ReloadStepError of phase `transform` with its position. */
export function compile(file: string, source: string, id: string, format: ModuleFormat, settings: CompilerSettings): Compiled {
  const compiled = compileWithOxc(file, source, id, format, settings);
  // Standard decorators and auto-accessors are lowered by esbuild, which implements them; the rest stays with oxc.
  if (!settings.experimentalDecorators && decoratorSyntax.test(compiled.code)) return compileWithEsbuild(file, source, id, settings);
  if (accessorSyntax.test(compiled.code)) return compileWithEsbuild(file, source, id, settings);
  return compiled;
}

function compileWithEsbuild(file: string, source: string, id: string, settings: CompilerSettings): Compiled {
  try {
    const result = esbuild.transformSync(source, {
      loader: languages[path.extname(file)] ?? 'ts',
      format: 'esm',
      sourcemap: 'external',
      sourcefile: file,
      target: `node${process.versions.node.split('.')[0]}`,
      tsconfigRaw: { compilerOptions: { ...settings } } as never,
      logLevel: 'silent',
    });
    return { code: result.code, map: JSON.parse(result.map) as RawSourceMap };
  } catch (error) {
    const failure = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } }> }).errors?.[0];
    const line = failure?.location?.line ?? 1;
    const column = (failure?.location?.column ?? 0) + 1;
    throw new ReloadStepError(id, 'transform', say.syntaxError(file, line, column, failure?.text ?? String(error)), { file, line, column });
  }
}

function compileWithOxc(file: string, source: string, id: string, format: ModuleFormat, settings: CompilerSettings): Compiled {
  const result = transformSync(file, source, optionsFor(file, source, format, settings));
  const error = result.errors.find((candidate) => candidate.severity === 'Error');
  if (error) {
    const offset = error.labels[0]?.start ?? 0;
    const { line, column } = positionOfByte(source, offset);
    const message =
      /await/.test(error.message) && format === 'cjs' ? say.topLevelAwaitInCommonJs(file, line) : say.syntaxError(file, line, column, error.message);
    throw new ReloadStepError(id, 'transform', message, { file, line, column });
  }
  return { code: result.code, map: result.map as RawSourceMap };
}

/** oxc reports positions as UTF-8 byte offsets: 1-based line and column (in UTF-16 units, as editors count). */
export function positionOfByte(source: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(source, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}
