import * as path from 'node:path';
import { ts } from './typescript';
import { internalErrorCode, type HazardCode } from '../../../src-shared/hazard-codes';
import { LayerMap } from '../../../src-shared/layers';
import { compareIds, type ModuleGraph } from '../../../src-shared/module-graph';
import { orderModules, planReload, type HotAcceptance, type ReloadPlan } from '../../../src-shared/reload-order';
import { toDiagnostics, type HazardDiagnostic } from './diagnostics';
import { say } from './errors';
import { FileContext, FindingSink, walkFile, type RelatedLocation } from './file-context';
import { GraphFacts, type ResolvedImport } from './graph-facts';
import { checkCycles, checkFloatingPromises, checkLayers, syntaxRulesFor } from './hazards';
import { collectImports } from './imports';
import { ModuleResolver } from './module-resolver';
import { loadProjectSetup, projectMembership, toId, type ProjectSetup, type SetupProblem } from './project';
import { isJavaScript, SourceStore } from './source-store';
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
}

export interface CheckOptions {
  /** Run the type-aware rule (`floating-promise`). @default true */
  types?: boolean;
  /** Called after each module, for progress reports. */
  onProgress?: (done: number, total: number) => void;
}

/** One module's analysis at one version. */
interface ModuleAnalysis {
  version: number;
  /** True when the hazard rules ran, not only the graph facts. */
  withRules: boolean;
  context: FileContext;
  imports: ResolvedImport[];
}

/**
 * The analysis of one project: its module graph, reload order and hazards. Pure: no LSP, no editor.
 * The CLI uses it once; the language server keeps it and feeds it edits with `setText`, and each query
 * re-analyses only the modules that changed.
 */
export class ProjectAnalysis {
  private readonly sources: SourceStore;
  private readonly resolver: ModuleResolver;
  private readonly layers: LayerMap;
  private readonly modules = new Map<string, ModuleAnalysis>();
  private readonly typed: TypedProgram;
  private readonly belongs: (file: string) => boolean;
  private facts: { version: number; graph: ModuleGraph; facts: GraphFacts } | undefined;

  constructor(readonly setup: ProjectSetup) {
    this.sources = new SourceStore(setup.files);
    this.resolver = new ModuleResolver(setup.compilerOptions, setup.folder, (file) => this.sources.has(path.resolve(file)) || ts.sys.fileExists(file));
    this.layers = new LayerMap(setup.config.layers);
    this.belongs = projectMembership(setup.folder, setup.config);
    this.typed = new TypedProgram(setup.compilerOptions, this.sources, (file) => this.resolver.impliedFormat(file));
  }

  /** Loads a project folder. Throws a ConfigError when its config is unusable. */
  static open(folder: string): ProjectAnalysis {
    return new ProjectAnalysis(loadProjectSetup(folder));
  }

  get folder(): string {
    return this.setup.folder;
  }

  /** Absolute paths of the project's modules, sorted. */
  get files(): string[] {
    return this.sources.files.sort();
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
    const isNew = !this.sources.has(absolute);
    if (isNew && !this.accepts(absolute)) return false;
    this.sources.set(absolute, text);
    if (isNew) this.resolver.clear();
    return true;
  }

  /** Removes a deleted module. */
  remove(file: string): void {
    const absolute = path.resolve(file);
    if (this.sources.delete(absolute)) {
      this.modules.delete(absolute);
      this.resolver.clear();
    }
  }

  /** The module graph: every module with its layer, and every import between modules. */
  graph(): ModuleGraph {
    return this.graphFacts().graph;
  }

  /** Absolute paths of the modules that import this one, sorted. */
  importersOf(file: string): string[] {
    const id = this.idOf(path.resolve(file));
    const importers = new Set(this.graph().edges.filter((edge) => edge.to === id && edge.from !== id).map((edge) => edge.from));
    return [...importers].sort(compareIds).map((importer) => path.join(this.setup.folder, importer));
  }

  /** The order reloading every module would use: callers first to unload, callees first to load. */
  reloadOrder(): { unload: string[]; load: string[] } {
    const { unload, load } = orderModules(this.graphFacts().facts.adjacency);
    return { unload, load };
  }

  /** The cycles of the runtime graph, each sorted. */
  cycles(): string[][] {
    return this.graphFacts().facts.cycles;
  }

  /** The reload plan of a change set (module ids), with `accept()`/`decline()` read from the sources. */
  reloadPlan(changed: readonly string[]): ReloadPlan {
    const { facts } = this.graphFacts();
    const acceptance = new Map<string, HotAcceptance>();
    for (const file of this.sources.files) {
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
    this.graphFacts();
    files.forEach((file, index) => {
      const reason = this.sources.entry(file)?.skipped;
      if (reason) skipped.push({ file, reason });
      else diagnostics.push(...this.checkFile(file, options));
      options.onProgress?.(index + 1, files.length);
    });
    return { files: files.length - skipped.length, diagnostics, skipped, problems: this.setup.problems };
  }

  /** Checks one module; with `types: false` only the rules that need no type checker run. */
  checkFile(file: string, options: Pick<CheckOptions, 'types'> = {}): HazardDiagnostic[] {
    const absolute = path.resolve(file);
    const { facts } = this.graphFacts();
    const analysis = this.analyse(absolute, true);
    if (!analysis) return [];
    const { id, sourceFile, findings } = analysis.context;
    const sink = new FindingSink();
    sink.findings.push(...findings);
    if (this.enabled('layer-violation')) checkLayers(id, analysis.imports, facts, sink);
    if (this.enabled('import-cycle')) checkCycles(id, analysis.imports, facts, sink);
    if ((options.types ?? true) && this.enabled('floating-promise')) this.checkTypes(absolute, analysis, sink);
    return toDiagnostics(sink.findings, sourceFile, id, this.setup.config);
  }

  private checkTypes(file: string, analysis: ModuleAnalysis, sink: FindingSink): void {
    const { sourceFile, promiseCandidates } = analysis.context;
    const checker = this.typed.checkerFor(file, sourceFile);
    if (!checker) return;
    // Typed findings go to their own sink first, so a crash half-way reports one internal error, not half the findings.
    const typed = new FindingSink();
    try {
      checkFloatingPromises(promiseCandidates, checker, typed);
      sink.findings.push(...typed.findings);
    } catch (error) {
      sink.report(internalErrorCode, sourceFile.statements[0] ?? sourceFile, say.internalError('floating-promise', messageOf(error)));
    }
  }

  private enabled(code: HazardCode): boolean {
    return this.setup.config.rules[code] !== 'off';
  }

  /** Analyses one module at its current version: graph facts, and the hazard rules when asked. */
  private analyse(file: string, withRules: boolean): ModuleAnalysis | undefined {
    const entry = this.sources.entry(file);
    if (!entry || entry.text === undefined) return undefined;
    const cached = this.modules.get(file);
    if (cached && cached.version === entry.version && (cached.withRules || !withRules)) return cached;
    const sourceFile = this.sources.sourceFile(file, this.resolver.impliedFormat(file))!;
    const context = new FileContext(sourceFile, this.idOf(file));
    const rules = withRules ? syntaxRulesFor((code) => this.enabled(code)) : [];
    walkFile(
      context,
      rules.map((rule) => ({
        visitor: rule.create(context),
        onError: (error: unknown) => context.report(internalErrorCode, sourceFile.statements[0] ?? sourceFile, say.internalError(rule.code, messageOf(error))),
      })),
    );
    const verbatim = isJavaScript(file) || this.setup.compilerOptions.verbatimModuleSyntax === true;
    const imports = collectImports(context, verbatim).map((record) => {
      const resolved = this.resolver.resolve(record.specifier, file, record.kind === 'dynamic' ? 'dynamic' : record.mode);
      return { ...record, target: resolved && this.sources.has(resolved) ? this.idOf(resolved) : undefined };
    });
    const analysis = { version: entry.version, withRules, context, imports };
    this.modules.set(file, analysis);
    return analysis;
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

  private graphFacts(): { graph: ModuleGraph; facts: GraphFacts } {
    if (this.facts && this.facts.version === this.sources.version) return this.facts;
    const modules: ModuleGraph['modules'] = [];
    const edges: ModuleGraph['edges'] = [];
    const sites = new Map<string, RelatedLocation>();
    for (const file of this.files) {
      const id = this.idOf(file);
      modules.push({ id, layer: this.layers.layerOf(id) });
      const analysis = this.analyse(file, false);
      for (const record of analysis?.imports ?? []) {
        if (record.target === undefined) continue;
        edges.push({ from: id, to: record.target, kind: record.kind, typeOnly: record.typeOnly });
        const key = `${id}\u0000${record.target}`;
        if (!record.typeOnly && !sites.has(key)) sites.set(key, locate(file, analysis!.context.sourceFile, record.node));
      }
    }
    const unique = [...new Map(edges.map((edge) => [`${edge.from}\u0000${edge.to}\u0000${edge.kind}\u0000${edge.typeOnly}`, edge])).values()];
    unique.sort((a, b) => compareIds(a.from, b.from) || compareIds(a.to, b.to) || compareIds(a.kind, b.kind) || Number(a.typeOnly) - Number(b.typeOnly));
    const graph = { modules, edges: unique };
    const facts = new GraphFacts(
      graph,
      this.layers,
      (from, to) => sites.get(`${from}\u0000${to}`),
      (id) => ({ file: path.join(this.setup.folder, id), line: 1, column: 1, message: '' }),
    );
    this.facts = { version: this.sources.version, graph, facts };
    return this.facts;
  }
}

function locate(file: string, sourceFile: ts.SourceFile, node: ts.Node): RelatedLocation {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return { file, line: line + 1, column: character + 1, message: '' };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
