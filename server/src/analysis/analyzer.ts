import * as path from 'node:path';
import { ts } from './typescript';
import { messageOf } from '../../../src-shared/errors';
import { internalErrorCode, type HazardCode } from '../../../src-shared/hazard-codes';
import { LayerMap } from '../../../src-shared/layers';
import { compareIds, reachableFrom, type DecidedEdge, type ModuleGraph } from '../../../src-shared/module-graph';
import { orderModules, planReload, type HotAcceptance, type ReloadPlan } from '../../../src-shared/reload-order';
import { toDiagnostics, type HazardDiagnostic } from './diagnostics';
import { say } from './errors';
import { FileContext, FindingSink, walkFile, type RelatedLocation } from './file-context';
import type { ResolvedImport } from './graph-facts';
import { checkCycles, checkFloatingPromises, checkLayers, checkResources, syntaxRulesFor } from './hazards';
import { collectImports, type ImportRecord } from './imports';
import { ModuleResolver } from './module-resolver';
import { loadProjectSetup, projectMembership, toId, type ProjectSetup, type SetupProblem } from './project';
import { isJavaScript, SourceStore } from './source-store';
import { ProjectGraph } from './project-graph';
import { TypedProgram } from './typed-program';

/** A module left out of the analysis, and why. */
export interface SkippedModule {
  file: string;
  reason: string;
}

export interface CheckResult {
  /** How many modules were analysed. */
  files: number;
  diagnostics: HazardDiagnostic[];
  skipped: SkippedModule[];
  problems: SetupProblem[];
  /** With an `entry` in the config: the ids of the modules it does not reach, sorted. */
  unreachable?: string[];
}

export interface CheckOptions {
  /** Run the type-aware rule (`floating-promise`). @default true */
  types?: boolean;
  /**
   * Type-check against a program of this module and what it imports (and the project's global declarations)
   * rather than the whole project's, when the whole one is out of date: the same types, much cheaper right
   * after an edit of a large project. For the modules an editor shows. @default false
   */
  focus?: boolean;
  /**
   * Check before every module of the project is prepared: the graph rules are decided on the modules this
   * one reaches through its imports (prepared now), which give this module the same findings as the whole
   * graph. For the modules an editor shows while the project is still loading. @default false
   */
  ahead?: boolean;
  /** Called after each module, for progress reports. */
  onProgress?: (done: number, total: number) => void;
}

/** One module's analysis at one version. */
interface ModuleAnalysis {
  version: number;
  /** True when the hazard rules ran, not only the graph facts. */
  withRules: boolean;
  context: FileContext;
  records: ImportRecord[];
  /** The module set `imports` was resolved against: a module appearing or disappearing can change what an import reaches. */
  resolvedAt: number;
  imports: ResolvedImport[];
}

/**
 * The analysis of one project: its module graph, reload order and hazards. Pure: no LSP, no editor.
 * The CLI uses it once; the language server keeps it and feeds it edits with `setText`, and each query
 * re-analyses only the modules that changed. The graph is kept across edits: an edit re-collects the
 * edited module's imports, and only when they reach other modules than before is the graph rebuilt.
 */
export class ProjectAnalysis {
  private readonly sources: SourceStore;
  private readonly resolver: ModuleResolver;
  private resolverMembership: number;
  private readonly layers: LayerMap;
  private readonly modules = new Map<string, ModuleAnalysis>();
  private readonly typed: TypedProgram;
  private readonly belongs: (file: string) => boolean;
  private listing: { membership: number; files: string[]; modules: ModuleGraph['modules']; byId: string[] } | undefined;
  private readonly projectGraph: ProjectGraph;
  /** Modules that declared globals before their last edit or deletion, until their dependents are asked for. */
  private readonly globalsEdited = new Set<string>();

  constructor(readonly setup: ProjectSetup) {
    this.sources = new SourceStore(setup.files);
    this.resolver = new ModuleResolver(
      setup.compilerOptions,
      setup.folder,
      (file) => this.sources.has(path.resolve(file)) || ts.sys.fileExists(file),
    );
    this.resolverMembership = this.sources.membership;
    this.layers = new LayerMap(setup.config.layers);
    this.belongs = projectMembership(setup.folder, setup.config);
    this.typed = new TypedProgram(setup.compilerOptions, this.sources, setup.declarations, (file) => this.resolver.impliedFormat(file));
    this.projectGraph = new ProjectGraph({
      membership: () => this.sources.membership,
      listing: () => this.list(),
      has: (file) => this.sources.has(file),
      idOf: (file) => this.idOf(file),
      fileOf: (id) => this.fileOf(id),
      importsOf: (file) => this.analyse(file, false)?.imports ?? [],
      importSite: (from, to) => this.importSite(from, to),
      layers: this.layers,
    });
  }

  /** Loads a project folder. Throws a ConfigError when its config is unusable. */
  static open(folder: string): ProjectAnalysis {
    return new ProjectAnalysis(loadProjectSetup(folder));
  }

  get folder(): string {
    return this.setup.folder;
  }

  /** Absolute paths of the project's modules, sorted. */
  get files(): readonly string[] {
    return this.list().files;
  }

  /** Why a module is left out of the analysis (binary, too large, too deeply nested), when it is. */
  skippedReason(file: string): string | undefined {
    return this.sources.entry(path.resolve(file))?.skipped;
  }

  /** True when the file is one of the project's modules now. */
  has(file: string): boolean {
    return this.sources.has(path.resolve(file));
  }

  idOf(file: string): string {
    return toId(this.setup.folder, file);
  }

  /** True when the file belongs to the project: a module inside the root that no `ignore` glob matches. */
  accepts(file: string): boolean {
    return this.belongs(path.resolve(file));
  }

  /**
   * Sets a module's text, as an editor holds it; undefined re-reads it from disk. A file that is not part
   * of the project yet is added when `accepts` allows it. Returns false when the file is not a module here.
   */
  setText(file: string, text: string | undefined): boolean {
    const absolute = path.resolve(file);
    if (!this.sources.has(absolute) && !this.accepts(absolute)) return false;
    // An editor opening a module sends the text the analysis has already: nothing changed, nothing to redo.
    if (text !== undefined && this.sources.has(absolute) && this.sources.entry(absolute)?.text === text) return true;
    if (this.sources.has(absolute) && this.typed.contributesGlobals(absolute)) this.globalsEdited.add(absolute);
    this.sources.set(absolute, text);
    this.projectGraph.markEdited(absolute);
    return true;
  }

  /** Removes a deleted module. */
  remove(file: string): void {
    const absolute = path.resolve(file);
    if (this.sources.has(absolute) && this.typed.contributesGlobals(absolute)) this.globalsEdited.add(absolute);
    if (this.sources.delete(absolute)) {
      this.modules.delete(absolute);
      this.projectGraph.forget(absolute);
    }
  }

  /** The module graph: every module with its layer, and every import between modules. */
  graph(): ModuleGraph {
    return this.projectGraph.current().graph;
  }

  /** The graph's edges, each with whether it goes up the layers and whether it closes a cycle, as the rules decide. */
  decidedEdges(): DecidedEdge[] {
    return this.projectGraph.current().facts.decidedEdges();
  }

  /**
   * Absolute paths of the modules whose findings an edit of this one can change, sorted: the
   * modules that import it, then the modules that import those, and so on (an inferred type, or a call the
   * floating-promise rule follows, passes through any number of modules). Every other module when this one
   * declares globals, or did before the edit: those reach modules that never import it.
   */
  dependentsOf(file: string): string[] {
    const absolute = path.resolve(file);
    const start = this.idOf(absolute);
    const global = this.globalsEdited.delete(absolute) || (this.sources.has(absolute) && this.typed.contributesGlobals(absolute));
    const incoming = this.projectGraph.incoming();
    const reached = new Set([start]);
    const queue = [start];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const edge of incoming.get(id) ?? []) {
        if (reached.has(edge.from)) continue;
        reached.add(edge.from);
        queue.push(edge.from);
      }
    }
    reached.delete(start);
    const dependents = [...reached].sort(compareIds).map((id) => this.fileOf(id));
    if (!global) return dependents;
    const near = new Set(dependents);
    return [...dependents, ...this.files.filter((other) => other !== absolute && !near.has(other))];
  }

  /** Absolute paths of the other modules of the cycle this module is in, sorted; empty when it is in none. */
  cycleMatesOf(file: string): string[] {
    const id = this.idOf(path.resolve(file));
    const members = this.projectGraph.current().facts.cycleOf.get(id) ?? new Set<string>();
    return [...members]
      .filter((member) => member !== id)
      .sort(compareIds)
      .map((member) => this.fileOf(member));
  }

  /**
   * Absolute paths of the modules whose graph findings may have changed since the last call: their own
   * imports reach other modules now, or the cycle they are in changed. An editor republishes these after an edit.
   */
  takeGraphChanges(): string[] {
    return this.projectGraph.takeChanges();
  }

  /** The order reloading every module would use: callers first to unload, callees first to load. */
  reloadOrder(): { unload: string[]; load: string[] } {
    const { unload, load } = orderModules(this.projectGraph.current().facts.adjacency);
    return { unload, load };
  }

  /** The cycles of the runtime graph, each sorted. */
  cycles(): string[][] {
    return this.projectGraph.current().facts.cycles;
  }

  /** The reload plan of a change set (module ids), with `accept()`/`decline()` read from the sources. */
  reloadPlan(changed: readonly string[]): ReloadPlan {
    const { facts } = this.projectGraph.current();
    const acceptance = new Map<string, HotAcceptance>();
    for (const file of this.files) {
      const analysis = this.analyse(file, false);
      if (analysis) acceptance.set(analysis.context.id, this.acceptanceOf(analysis));
    }
    return planReload(facts.adjacency, changed, (id) => acceptance.get(id));
  }

  /** Checks every module. */
  check(options: CheckOptions = {}): CheckResult {
    const files = this.files;
    const diagnostics: HazardDiagnostic[] = [];
    const skipped: SkippedModule[] = [];
    this.projectGraph.current();
    files.forEach((file, index) => {
      const reason = this.sources.entry(file)?.skipped;
      if (reason) skipped.push({ file, reason });
      else diagnostics.push(...this.checkFile(file, options));
      options.onProgress?.(index + 1, files.length);
    });
    const unreachable = this.unreachable();
    return { files: files.length - skipped.length, diagnostics, skipped, problems: this.setup.problems, ...(unreachable ? { unreachable } : {}) };
  }

  /** With an `entry` in the config: the modules it does not reach through runtime imports, sorted; else undefined. */
  unreachable(): string[] | undefined {
    const entry = this.setup.config.entry;
    if (!entry) return undefined;
    const { facts } = this.projectGraph.current();
    const reached = reachableFrom([this.idOf(path.resolve(this.setup.folder, entry))], (id) => facts.adjacency.get(id) ?? []);
    return this.list()
      .modules.map((module) => module.id)
      .filter((id) => !reached.has(id))
      .sort(compareIds);
  }

  /**
   * Parses and walks one module (its imports and the rules that need no type checker), so that a check
   * needing the whole graph does not do every module at once: an editor prepares them a few at a time.
   */
  prepare(file: string): void {
    this.analyse(path.resolve(file), true);
  }

  /** Checks one module; with `types: false` only the rules that need no type checker run. */
  checkFile(file: string, options: Pick<CheckOptions, 'types' | 'focus' | 'ahead'> = {}): HazardDiagnostic[] {
    const absolute = path.resolve(file);
    const facts = options.ahead ? this.projectGraph.factsOver(this.reach(absolute)) : this.projectGraph.current().facts;
    const analysis = this.analyse(absolute, true);
    if (!analysis) return [];
    const { id, sourceFile, findings } = analysis.context;
    const sink = new FindingSink();
    sink.findings.push(...findings);
    if (this.enabled('layer-violation')) checkLayers(id, analysis.imports, facts, sink);
    if (this.enabled('import-cycle')) checkCycles(id, analysis.imports, facts, sink);
    this.checkImportedWrites(analysis, sink);
    if ((options.types ?? true) && (this.enabled('floating-promise') || this.enabled('unowned-handle')))
      this.checkTypes(absolute, analysis, sink, options.focus ?? false);
    return toDiagnostics(sink.findings, sourceFile, id, this.setup.config);
  }

  /** The module and every module it reaches through imports (type-only ones too), each analysed. */
  private reach(file: string): string[] {
    const reached = new Set([file]);
    const queue = [file];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      for (const record of this.analyse(next, true)?.imports ?? []) {
        if (record.target === undefined) continue;
        const target = this.fileOf(record.target);
        if (reached.has(target)) continue;
        reached.add(target);
        queue.push(target);
      }
    }
    return [...reached];
  }

  /** Prepares for type-aware checks of a module an editor is changing (see TypedProgram.focus). */
  focusTypes(file: string): void {
    if (this.has(file)) this.typed.focus(path.resolve(file));
  }

  /** Lets go of the type checkers' caches (the types of every module checked since the last call); cheap when nothing was checked. */
  releaseTypes(): void {
    this.typed.release();
  }

  private checkTypes(file: string, analysis: ModuleAnalysis, sink: FindingSink, focus: boolean): void {
    const { sourceFile, promiseCandidates, resourceCandidates } = analysis.context;
    if (promiseCandidates.length === 0 && resourceCandidates.length === 0) return;
    const program = this.typed.programFor(file, sourceFile, focus);
    if (!program) return;
    // Typed findings go to their own sink first, so a crash half-way reports one internal error, not half the findings.
    const typed = new FindingSink();
    try {
      checkFloatingPromises(promiseCandidates, program, this.setup.config.ruleOptions['floating-promise'] ?? {}, typed);
      checkResources(resourceCandidates, program.getTypeChecker(), typed);
      sink.findings.push(...typed.findings);
    } catch (error) {
      // TypeScript's checker is recursive too: a stack overflow there leaves this file without the typed check.
      const message = error instanceof RangeError ? say.skippedTypes(messageOf(error)) : say.internalError('floating-promise', messageOf(error));
      sink.report(internalErrorCode, sourceFile.statements[0] ?? sourceFile, message);
    }
  }

  /** Prototype writes on imports: global state when the import reaches a package, not one of the project's modules. */
  private checkImportedWrites(analysis: ModuleAnalysis, sink: FindingSink): void {
    for (const write of analysis.context.importedWrites) {
      const reachesModule = analysis.imports.some((record) => record.specifier === write.specifier && record.target !== undefined);
      if (!reachesModule) sink.report('global-mutation', write.node, say.globalMutation(write.target));
    }
  }

  private enabled(code: HazardCode): boolean {
    return this.setup.config.rules[code] !== 'off';
  }

  /** Analyses one module at its current version: graph facts, and the hazard rules when asked. */
  private analyse(file: string, withRules: boolean): ModuleAnalysis | undefined {
    const entry = this.sources.entry(file);
    if (!entry || entry.text === undefined) return undefined;
    let analysis = this.modules.get(file);
    if (!analysis || analysis.version !== entry.version || (withRules && !analysis.withRules)) {
      const sourceFile = this.sources.sourceFile(file, this.resolver.impliedFormat(file));
      // A file TypeScript cannot parse (nested too deeply) is skipped, with its reason in its entry.
      if (!sourceFile) return undefined;
      const context = new FileContext(sourceFile, this.idOf(file));
      const rules = withRules ? syntaxRulesFor((code) => this.enabled(code)) : [];
      walkFile(
        context,
        rules.map((rule) => ({
          visitor: rule.create(context),
          onError: (error: unknown) =>
            context.report(internalErrorCode, sourceFile.statements[0] ?? sourceFile, say.internalError(rule.code, messageOf(error))),
        })),
      );
      const verbatim = isJavaScript(file) || this.setup.compilerOptions.verbatimModuleSyntax === true;
      analysis = { version: entry.version, withRules, context, records: collectImports(context, verbatim), resolvedAt: -1, imports: [] };
      this.modules.set(file, analysis);
    }
    if (analysis.resolvedAt !== this.sources.membership) this.resolveImports(file, analysis);
    return analysis;
  }

  /** The project file a specifier written in `file` names, as the user's compiler resolves it; undefined for a package. */
  resolveSpecifier(specifier: string, file: string, mode: 'import' | 'require' | 'dynamic'): string | undefined {
    return this.resolver.resolve(specifier, file, mode);
  }

  private resolveImports(file: string, analysis: ModuleAnalysis): void {
    const membership = this.sources.membership;
    if (this.resolverMembership !== membership) {
      this.resolver.clear();
      this.resolverMembership = membership;
    }
    analysis.imports = analysis.records.map((record) => {
      const resolved = this.resolver.resolve(record.specifier, file, record.kind === 'dynamic' ? 'dynamic' : record.mode);
      return { ...record, target: resolved && this.sources.has(resolved) ? this.idOf(resolved) : undefined };
    });
    analysis.resolvedAt = membership;
  }

  private acceptanceOf(analysis: ModuleAnalysis): HotAcceptance {
    const declared = analysis.context.hot.declarations;
    const targets = new Map(analysis.imports.map((record) => [record.specifier, record.target]));
    return {
      selfAccepts: declared.selfAccepts,
      declines: declared.declines,
      acceptsDeps: declared.acceptedSpecifiers.flatMap((specifier) => targets.get(specifier) ?? []),
    };
  }

  /** Where `from` first imports `to` at run time, read from the module's current analysis. */
  private importSite(from: string, to: string): RelatedLocation | undefined {
    const file = this.fileOf(from);
    const analysis = this.analyse(file, false);
    const record = analysis?.imports.find((candidate) => !candidate.typeOnly && candidate.target === to);
    return record && locate(file, analysis!.context.sourceFile, record.node);
  }

  /** The module list, the graph's modules (with layers) and the files in id order, kept until a module appears or disappears. */
  private list(): NonNullable<ProjectAnalysis['listing']> {
    const membership = this.sources.membership;
    if (this.listing?.membership !== membership) {
      const files = this.sources.files.sort();
      const ids = new Map(files.map((file) => [file, this.idOf(file)]));
      const byId = [...files].sort((a, b) => compareIds(ids.get(a)!, ids.get(b)!));
      const modules = files.map((file) => ({ id: ids.get(file)!, layer: this.layers.layerOf(ids.get(file)!) }));
      this.listing = { membership, files, modules, byId };
    }
    return this.listing;
  }

  private fileOf(id: string): string {
    return path.join(this.setup.folder, id);
  }
}

function locate(file: string, sourceFile: ts.SourceFile, node: ts.Node): RelatedLocation {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return { file, line: line + 1, column: character + 1, message: '' };
}
