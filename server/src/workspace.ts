// The workspace as the server sees it: one ProjectAnalysis per workspace folder (or the ConfigError that
// keeps it from opening), and which folder a file belongs to.
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { ConfigError } from '../../src-shared/config';
import { ProjectAnalysis } from './analysis/analyzer';
import { isDeclarationFile, isInside } from './analysis/project';

export type FolderState = ProjectAnalysis | ConfigError;

export class Workspace {
  private readonly folders = new Map<string, FolderState | undefined>();
  /** Called with each folder's analysis as it opens, before anyone uses it: the place to give it the editor's texts. */
  onOpened: ((project: ProjectAnalysis) => void) | undefined;

  constructor(private readonly log: (message: string) => void) {}

  setFolders(uris: readonly string[]): void {
    const wanted = new Set(uris.map((uri) => URI.parse(uri).fsPath));
    for (const folder of this.folders.keys()) if (!wanted.has(folder)) this.folders.delete(folder);
    for (const folder of wanted) if (!this.folders.has(folder)) this.folders.set(folder, undefined);
  }

  /** Every folder, opened on first use. */
  all(): Array<{ folder: string; state: FolderState }> {
    return [...this.folders.keys()].map((folder) => ({ folder, state: this.open(folder) }));
  }

  /** The innermost folder holding the file, opened on first use. */
  folderOf(file: string): { folder: string; state: FolderState } | undefined {
    const folder = [...this.folders.keys()].filter((candidate) => isInside(candidate, file)).sort((a, b) => b.length - a.length)[0];
    return folder === undefined ? undefined : { folder, state: this.open(folder) };
  }

  /** The analysis a file belongs to, when its folder opened and the file is one of its modules (or may become one). */
  projectOf(file: string): ProjectAnalysis | undefined {
    const state = this.folderOf(file)?.state;
    return state instanceof ProjectAnalysis && state.accepts(file) ? state : undefined;
  }

  /** Forgets a folder's analysis, so that the next use reads its config and tsconfig again. */
  reopen(folder: string): void {
    if (this.folders.has(folder)) this.folders.set(folder, undefined);
  }

  /**
   * True for the files whose change means reopening their folder: the configs, and the project's own
   * declaration files (they are roots of its type program).
   */
  static isSetupFile(file: string): boolean {
    if (isDeclarationFile(file)) return !file.split(/[\\/]/).includes('node_modules');
    return ['reloadable.config.json', 'tsconfig.json', 'jsconfig.json', 'package.json'].includes(path.basename(file));
  }

  private open(folder: string): FolderState {
    let state = this.folders.get(folder);
    if (state) return state;
    try {
      state = ProjectAnalysis.open(folder);
      this.folders.set(folder, state);
      this.onOpened?.(state);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      state = error;
      this.log(`reloadable: ${error.message}`);
    }
    this.folders.set(folder, state);
    return state;
  }
}
