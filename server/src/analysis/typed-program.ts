import * as path from 'node:path';
import { getLibFiles, libFolderInMemoryPath } from '@ts-morph/common';
import { ts } from './typescript';
import type { SourceStore } from './source-store';

/**
 * The TypeScript programs behind the type-aware rules. They share the parse trees of the syntactic pass,
 * keep library declarations (lib.d.ts, @types) parsed across edits, resolve imports through one cache, and
 * are rebuilt from the previous program after an edit, so TypeScript reuses everything that did not change.
 *
 * Two kinds: the whole project's program, for checking many modules; and a focused one for one module —
 * that module, what it imports (TypeScript follows the imports) and whatever can declare globals — which
 * gives that module the same types at a fraction of the cost when one edit invalidated the whole program.
 */
export class TypedProgram {
  private program: ts.Program | undefined;
  private programVersion = -1;
  private focused: { program: ts.Program; version: number; root: string } | undefined;
  /** Which programs handed out a type checker since the last `release`. */
  private checked = { whole: false, focused: false };
  private readonly libraries = new Map<string, ts.SourceFile | undefined>();
  private readonly host: ts.CompilerHost;
  private readonly resolutions: ts.ModuleResolutionCache;
  private resolutionsMembership = -1;
  /** Modules that can declare something visible outside their imports (globals, augmentations, references), by text version. */
  private readonly globalContributors = new Map<string, { version: number; contributes: boolean }>();
  private globalContributorsMembership = -1;

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
      // Also where TypeScript keeps what it read of package.json files (a module's format): without it, each
      // program would look each one up again for every file.
      getModuleResolutionCache: () => this.resolutions,
      resolveModuleNameLiterals: (literals, containingFile, redirectedReference, options, containingSourceFile) => {
        if (this.resolutionsMembership !== this.sources.membership) {
          // A module appeared or disappeared: an import may reach another file now.
          this.resolutions.clear();
          this.resolutionsMembership = this.sources.membership;
        }
        return literals.map((literal) =>
          ts.resolveModuleName(
            literal.text,
            containingFile,
            options,
            this.host,
            this.resolutions,
            redirectedReference,
            ts.getModeForUsageLocation(containingSourceFile, literal, options),
          ),
        );
      },
    };
    this.resolutions = ts.createModuleResolutionCache(base.getCurrentDirectory(), (fileName) => base.getCanonicalFileName(fileName), options);
  }

  /**
   * The program to check `file` with, when it knows `sourceFile`; undefined when it holds another tree for it
   * (the syntactic pass and the program disagree on the file's format): such a file is then checked without
   * types. With `focus`, the module's focused program when one was prepared (`focus`), or none of the whole
   * project exists yet, and the whole one is out of date; otherwise the whole program, brought up to date.
   */
  programFor(file: string, sourceFile: ts.SourceFile, focus = false): ts.Program | undefined {
    // Before the whole program exists (a folder just opened), an open module's focused program is the quick way to its types.
    const focused = focus && this.programVersion !== this.sources.version && (this.focused?.root === file || this.program === undefined);
    const program = focused ? this.focusedOn(file) : this.current();
    this.checked[focused ? 'focused' : 'whole'] = true;
    return program.getSourceFile(file) === sourceFile ? program : undefined;
  }

  /**
   * Prepares a focused program for a module an editor is changing, so that its next type-aware check after an
   * edit costs what its imports cost, not what the project costs. Building it the first time costs about as
   * much as the whole program; each rebuild after that reuses it.
   */
  focus(file: string): void {
    if (this.focused?.root !== file) this.focusedOn(file);
  }

  /**
   * Drops the type checkers of the programs that checked something since the last call (each holds every
   * type it computed): each program is rebuilt from itself, which reuses all of it but the checker. Nothing
   * to do when nothing was checked.
   */
  release(): void {
    const rebuilt = (program: ts.Program) =>
      ts.createProgram({ rootNames: program.getRootFileNames(), options: this.options, host: this.host, oldProgram: program });
    if (this.program && this.checked.whole) this.program = rebuilt(this.program);
    if (this.focused && this.checked.focused) this.focused = { ...this.focused, program: rebuilt(this.focused.program) };
    this.checked = { whole: false, focused: false };
  }

  private current(): ts.Program {
    if (this.program && this.programVersion === this.sources.version) return this.program;
    const rootNames = [...this.sources.files.filter((file) => this.sources.entry(file)?.text !== undefined), ...this.declarations];
    this.program = ts.createProgram({ rootNames, options: this.options, host: this.host, oldProgram: this.program });
    this.programVersion = this.sources.version;
    return this.program;
  }

  private focusedOn(file: string): ts.Program {
    const version = this.sources.version;
    if (this.focused?.root === file && this.focused.version === version) return this.focused.program;
    if (this.globalContributorsMembership !== this.sources.membership) {
      this.globalContributors.clear();
      this.globalContributorsMembership = this.sources.membership;
    }
    const rootNames = [file, ...this.sources.files.filter((other) => other !== file && this.contributesGlobals(other)), ...this.declarations];
    const oldProgram = this.focused?.root === file ? this.focused.program : undefined;
    const program = ts.createProgram({ rootNames, options: this.options, host: this.host, oldProgram });
    this.focused = { program, version, root: file };
    return program;
  }

  /**
   * Whether a module can change the types of modules that do not import it: a script (its declarations are
   * global), a `declare global` or `declare module`, a triple-slash reference. Such modules are in every
   * focused program.
   */
  contributesGlobals(file: string): boolean {
    const entry = this.sources.entry(file);
    if (!entry || entry.text === undefined) return false;
    const known = this.globalContributors.get(file);
    if (known?.version === entry.version) return known.contributes;
    // Most modules say at a glance that they cannot: an import or export statement, and no `declare` or
    // triple-slash directive anywhere. Only the others are parsed here (a folder still loading has not parsed them).
    if (/^[ \t]*(?:import|export)[ \t]+[\w{*'"]/m.test(entry.text) && !/\bdeclare\b|\/\/\//.test(entry.text)) {
      this.globalContributors.set(file, { version: entry.version, contributes: false });
      return false;
    }
    const sourceFile = this.sources.sourceFile(file, this.formatOf(file));
    const contributes =
      sourceFile !== undefined &&
      (!ts.isExternalModule(sourceFile) ||
        sourceFile.referencedFiles.length > 0 ||
        sourceFile.typeReferenceDirectives.length > 0 ||
        sourceFile.libReferenceDirectives.length > 0 ||
        sourceFile.statements.some(
          (statement) =>
            ts.isModuleDeclaration(statement) && (ts.isStringLiteral(statement.name) || (statement.flags & ts.NodeFlags.GlobalAugmentation) !== 0),
        ));
    this.globalContributors.set(file, { version: entry.version, contributes });
    return contributes;
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
