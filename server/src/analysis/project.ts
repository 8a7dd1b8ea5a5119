import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from './typescript';
import { readConfig, type ReloadableConfig } from '../../../src-shared/config';
import { globMatcher } from '../../../src-shared/layers';
import { say } from './errors';

/** Extensions of the modules the analyser reads. */
export const moduleExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
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
  problems: SetupProblem[];
}

/** Loads the config (throws ConfigError when it is unusable), the tsconfig (problems are reported) and the file list. */
export function loadProjectSetup(folder: string): ProjectSetup {
  const absolute = path.resolve(folder);
  const { config, configFile } = readReloadableConfig(absolute);
  const problems: SetupProblem[] = [];
  const tsconfigFile = ['tsconfig.json', 'jsconfig.json'].map((name) => path.join(absolute, name)).find((file) => fs.existsSync(file));
  const compiler = tsconfigFile ? readTsconfig(tsconfigFile, problems) : { options: defaultCompilerOptions(), files: [] };
  const belongs = projectMembership(absolute, config);
  const candidates = compiler.files.length > 0 ? compiler.files : listModules(path.join(absolute, config.root));
  const files = candidates.map((file) => path.resolve(file)).filter(belongs).sort();
  return { folder: absolute, config, configFile, tsconfigFile, compilerOptions: compiler.options, files: [...new Set(files)], problems };
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
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => problems.push(problemOf(configPath, diagnostic)),
    });
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

function listModules(root: string): string[] {
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
      } else if (entry.isFile() && isModuleFile(entry.name)) {
        files.push(path.join(folder, entry.name));
      }
    }
  };
  visit(root);
  return files;
}

export function isModuleFile(file: string): boolean {
  if (/\.d\.[mc]?ts$/.test(file) || /\.d\.[^.]+\.ts$/.test(file)) return false;
  return moduleExtensions.includes(path.extname(file));
}

export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The module id of a file: its path relative to the project folder, `/`-separated. */
export function toId(folder: string, file: string): string {
  return path.relative(folder, file).split(path.sep).join('/');
}
