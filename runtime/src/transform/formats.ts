// Which files are modules, and how Node would run each one: as an ES module or as CommonJS. The answer
// follows Node's own rule (the extension, then the nearest package.json's "type"), so an app behaves under
// the runtime as it does under plain Node or tsx.
import * as path from 'node:path';
import { typescriptExtensions } from '../../../src-shared/module-files';
import { nearestPackageJson } from './package-json';

export type ModuleFormat = 'esm' | 'cjs' | 'json';

/** What oxc-transform should parse each extension as. */
export const languages: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

export { isModuleFile, moduleExtensions, typescriptExtensions } from '../../../src-shared/module-files';

/**
 * The files a specifier's extension may stand for, in the order they are tried: TypeScript's rule for a
 * project run from source (`./a.js` names `./a.ts` when that exists).
 */
export const sourceSubstitutes: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
};

/** TypeScript source, which Node 20 cannot run by itself. */
export function isTypeScriptFile(file: string): boolean {
  return typescriptExtensions.includes(path.extname(file));
}

/** How Node runs `file`: by extension, else by the nearest package.json's `type`. */
export function formatOf(file: string): ModuleFormat {
  const extension = path.extname(file);
  if (extension === '.json') return 'json';
  if (extension === '.mts' || extension === '.mjs') return 'esm';
  if (extension === '.cts' || extension === '.cjs') return 'cjs';
  return nearestPackageJson(path.dirname(file))?.type === 'module' ? 'esm' : 'cjs';
}
