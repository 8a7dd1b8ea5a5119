import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ts } from './typescript';
import { readConfig, type ReloadableConfig } from '../../../src-shared/config';
import { globMatcher } from '../../../src-shared/layers';
import { say } from './errors';
import { isDeclarationFile, isModuleFile } from '../../../src-shared/module-files';

export { isDeclarationFile, isModuleFile, moduleExtensions } from '../../../src-shared/module-files';

const ignoredFolders = new Set(['node_modules', '.git', '.reloadable']);

/** A problem with the user's setup that does not stop the analysis (a bad tsconfig, say). */
export interface SetupProblem {
  file: string;
  message: string;
}

/** What the analyser needs to know about a project before it reads any module. */
export interface ProjectSetup {
  /** Absolute, the folder holding the config (or the folder given). */
  folder: string;
  config: ReloadableConfig;
  configFile: string | undefined;
  tsconfigFile: string | undefined;
  compilerOptions: ts.CompilerOptions;
  /** Absolute paths of the modules to analyse, sorted. */
  files: string[];
  /**
   * Absolute paths of the project's own declaration files (tsconfig `include`/`files`, or every `.d.ts`
   * under the root without a tsconfig): part of the type program as the user's compiler sees it, never analysed.
   */
  declarations: string[];
  problems: SetupProblem[];
}

/** Loads the config (throws ConfigError when it is unusable), the tsconfig (problems are reported) and the file list. */
export function loadProjectSetup(folder: string): ProjectSetup {
  const absolute = path.resolve(folder);
  const { config, configFile } = readReloadableConfig(absolute);
  const problems: SetupProblem[] = [];
  const tsconfigFile = ['tsconfig.json', 'jsconfig.json'].map((name) => path.join(absolute, name)).find((file) => fs.existsSync(file));
  const compiler = tsconfigFile ? readTsconfig(tsconfigFile, problems) : { options: defaultCompilerOptions(), files: [] };
  compiler.options = withAutomaticTypes(compiler.options, absolute);
  const belongs = projectMembership(absolute, config);
  const candidates = (compiler.files.length > 0 ? compiler.files : listSources(path.join(absolute, config.root))).map((file) => path.resolve(file));
  const files = [...new Set(candidates.filter(belongs))].sort();
  const declarations = [...new Set(candidates.filter(isDeclarationFile))].sort();
  return { folder: absolute, config, configFile, tsconfigFile, compilerOptions: compiler.options, files, declarations, problems };
}

/** Whether an absolute path is one of the project's modules: a module inside the root that no `ignore` glob matches. */
export function projectMembership(folder: string, config: ReloadableConfig): (file: string) => boolean {
  const root = path.join(folder, config.root);
  const isIgnored = globMatcher(config.ignore);
  return (file) => isModuleFile(file) && isInside(root, file) && !isIgnored(toId(folder, file));
}

function readReloadableConfig(folder: string): { config: ReloadableConfig; configFile: string | undefined } {
  return readConfig(folder, (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
}

/** Reads a tsconfig with `extends` and project references; its errors become problems, never exceptions. */
function readTsconfig(file: string, problems: SetupProblem[]): { options: ts.CompilerOptions; files: string[] } {
  const seen = new Set<string>();
  const read = (configPath: string): { options: ts.CompilerOptions; files: string[] } => {
    seen.add(configPath);
    // The app's JavaScript modules run and reload like its TypeScript: listed and resolved as if `allowJs` were on.
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      { allowJs: true },
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => problems.push(problemOf(configPath, diagnostic)),
      },
    );
    if (!parsed) return { options: defaultCompilerOptions(), files: [] };
    for (const diagnostic of parsed.errors) {
      // "No inputs were found" is normal for a solution file that only lists references.
      if (diagnostic.code !== 18003) problems.push(problemOf(configPath, diagnostic));
    }
    const files = [...parsed.fileNames];
    for (const reference of parsed.projectReferences ?? []) {
      const referenced = ts.resolveProjectReferencePath(reference);
      if (!seen.has(referenced) && fs.existsSync(referenced)) files.push(...read(referenced).files);
    }
    return { options: { ...defaultCompilerOptions(), ...parsed.options, noEmit: true }, files };
  };
  return read(file);
}

/**
 * TypeScript before 6.0 includes every package of the type roots (`@types/*`, tsconfig `typeRoots`) when
 * `types` is not set; 6.0 includes none. The analyser's TypeScript is 6, so for a project whose own
 * compiler is older (or not installed, as in plain JavaScript projects) it asks for the old default.
 */
function withAutomaticTypes(options: ts.CompilerOptions, folder: string): ts.CompilerOptions {
  if (options.types !== undefined || (projectTypeScriptMajor(folder) ?? 5) >= 6) return options;
  return { ...options, types: ['*'] };
}

function projectTypeScriptMajor(folder: string): number | undefined {
  try {
    const manifest = createRequire(path.join(folder, 'package.json')).resolve('typescript/package.json');
    return Number((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version.split('.')[0]);
  } catch {
    return undefined;
  }
}

function problemOf(file: string, diagnostic: ts.Diagnostic): SetupProblem {
  return { file: diagnostic.file?.fileName ?? file, message: say.tsconfigProblem(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')) };
}

/** Options for a folder without a tsconfig: modern resolution that accepts both ESM and CJS sources. */
export function defaultCompilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowJs: true,
    checkJs: false,
    jsx: ts.JsxEmit.Preserve,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
  };
}

/** The modules and declaration files under a folder, outside node_modules and hidden folders. */
function listSources(root: string): string[] {
  const files: string[] = [];
  const visit = (folder: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!ignoredFolders.has(entry.name) && !entry.name.startsWith('.')) visit(path.join(folder, entry.name));
      } else if (entry.isFile() && (isModuleFile(entry.name) || isDeclarationFile(entry.name))) {
        files.push(path.join(folder, entry.name));
      }
    }
  };
  visit(root);
  return files;
}

export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The module id of a file: its path relative to the project folder, `/`-separated. */
export function toId(folder: string, file: string): string {
  return path.relative(folder, file).split(path.sep).join('/');
}
