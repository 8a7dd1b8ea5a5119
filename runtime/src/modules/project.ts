// One project's way of loading its files, decided once (its tsconfig read once) and used alike by the main
// thread's registry, by Node's hooks for the app files packages import, and by the app's worker threads and
// forked children: one resolver, one format decision, one compile step with the tsconfig's settings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileForNode, compilerSettingsOf, formatOf, isModuleFile, isTypeScriptFile, type CompilerSettings, type ModuleFormat } from '../transform';
import { Resolver } from './resolver';

export class Project {
  readonly resolver: Resolver;
  /** What the tsconfig asks of the JavaScript its files compile to (decorators, JSX, class fields). */
  readonly settings: CompilerSettings;

  constructor(
    /** Absolute: the folder of the app's package.json (or config). */
    readonly dir: string,
  ) {
    this.resolver = new Resolver(dir);
    this.settings = compilerSettingsOf(this.resolver.compilerOptions);
  }

  /** One of the app's own files: inside the project, outside node_modules. */
  isAppFile(file: string): boolean {
    return isAppFile(this.dir, file);
  }

  /** A file the runtime compiles for Node: an app module (or JSON), or TypeScript outside node_modules, which Node cannot run. */
  compiles(file: string): boolean {
    if (inNodeModules(file)) return false;
    if (isTypeScriptFile(file)) return true;
    return (isModuleFile(file) || path.extname(file) === '.json') && this.isAppFile(file);
  }

  /** How Node runs `file`: as an ES module or as CommonJS (its extension, else its package.json's `type`). */
  formatOf(file: string): ModuleFormat {
    return formatOf(file);
  }

  /** A TypeScript file compiled for Node to run as it is (a worker's or a child's module): ES module or CommonJS, as Node runs it. */
  compileForNode(file: string, format: ModuleFormat = formatOf(file)): { format: 'module' | 'commonjs'; code: string } {
    return compileForNode(file, fs.readFileSync(file, 'utf8'), format, this.settings);
  }
}

/** One of the app's own files: inside `project`, outside node_modules. */
export function isAppFile(project: string, file: string): boolean {
  if (inNodeModules(file)) return false;
  const relative = path.relative(project, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

function inNodeModules(file: string): boolean {
  return file.split(path.sep).includes('node_modules');
}
