import * as path from 'node:path';
import { getLibFiles, libFolderInMemoryPath } from '@ts-morph/common';
import { ts } from './typescript';
import type { SourceStore } from './source-store';

/**
 * The TypeScript program behind the type-aware rule. It shares the parse trees of the syntactic pass,
 * keeps library declarations (lib.d.ts, @types) parsed across edits, and is rebuilt from the previous
 * program after an edit, so TypeScript reuses everything that did not change.
 */
export class TypedProgram {
  private program: ts.Program | undefined;
  private programVersion = -1;
  private readonly libraries = new Map<string, ts.SourceFile | undefined>();
  private readonly host: ts.CompilerHost;

  constructor(
    private readonly options: ts.CompilerOptions,
    private readonly sources: SourceStore,
    /** The project's own declaration files: roots of the program, as in the user's compiler. */
    private readonly declarations: readonly string[],
    private readonly formatOf: (file: string) => ts.ResolutionMode,
  ) {
    const base = ts.createCompilerHost(options, true);
    const libraryTexts = bundledLibraries();
    this.host = {
      ...base,
      getDefaultLibLocation: () => libFolderInMemoryPath,
      getDefaultLibFileName: (compilerOptions) => path.posix.join(libFolderInMemoryPath, ts.getDefaultLibFileName(compilerOptions)),
      getSourceFile: (fileName, languageVersionOrOptions, onError) => {
        const absolute = path.resolve(fileName);
        const libraryText = libraryTexts.get(absolute);
        if (libraryText !== undefined) return bundledLibrary(absolute, libraryText, languageVersionOrOptions);
        if (this.sources.has(absolute)) {
          const format = typeof languageVersionOrOptions === 'object' ? languageVersionOrOptions.impliedNodeFormat : this.formatOf(absolute);
          return this.sources.sourceFile(absolute, format);
        }
        if (!this.libraries.has(absolute)) this.libraries.set(absolute, base.getSourceFile(fileName, languageVersionOrOptions, onError));
        return this.libraries.get(absolute);
      },
      fileExists: (fileName) => this.sources.has(path.resolve(fileName)) || libraryTexts.has(path.resolve(fileName)) || base.fileExists(fileName),
      readFile: (fileName) => {
        const absolute = path.resolve(fileName);
        if (this.sources.has(absolute)) return this.sources.entry(absolute)?.text;
        return libraryTexts.get(absolute) ?? base.readFile(fileName);
      },
    };
  }

  /**
   * The program, when it knows `sourceFile`; undefined when it holds another tree for it (the syntactic
   * pass and the program disagree on the file's format): such a file is then checked without types.
   */
  programFor(file: string, sourceFile: ts.SourceFile): ts.Program | undefined {
    const program = this.current();
    return program.getSourceFile(file) === sourceFile ? program : undefined;
  }

  private current(): ts.Program {
    if (this.program && this.programVersion === this.sources.version) return this.program;
    const rootNames = [...this.sources.files.filter((file) => this.sources.entry(file)?.text !== undefined), ...this.declarations];
    this.program = ts.createProgram({ rootNames, options: this.options, host: this.host, oldProgram: this.program });
    this.programVersion = this.sources.version;
    return this.program;
  }
}

let libraryCache: Map<string, string> | undefined;
const parsedLibraries = new Map<string, ts.SourceFile>();

/**
 * A lib.*.d.ts parse tree, shared by every program of the process (a folder opened again, another folder):
 * they are the largest files of a small project, and the same for every project with the same target. Their
 * binding does not depend on the options that differ between projects (they are declarations, not modules).
 */
function bundledLibrary(file: string, text: string, languageVersionOrOptions: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile {
  const options = typeof languageVersionOrOptions === 'object' ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
  const key = `${file}\u0000${options.languageVersion}\u0000${options.jsDocParsingMode ?? ''}`;
  let sourceFile = parsedLibraries.get(key);
  if (!sourceFile) parsedLibraries.set(key, (sourceFile = ts.createSourceFile(file, text, languageVersionOrOptions, true)));
  return sourceFile;
}

/**
 * TypeScript's lib.*.d.ts, from the copy ts-morph carries in memory: the server is one bundled file, so
 * there is no typescript/lib folder on disk beside it.
 */
function bundledLibraries(): Map<string, string> {
  libraryCache ??= new Map(getLibFiles().map((lib) => [path.resolve(libFolderInMemoryPath, lib.fileName), lib.text]));
  return libraryCache;
}
