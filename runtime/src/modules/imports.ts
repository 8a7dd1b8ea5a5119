// What a running version's code asks the registry for: the object an import reads its bindings from
// (`__rl.i(n)`), `require()`, `import()`, and an app file a package loads itself. Each answer comes from the
// version the asking code should see: its own load's candidate while that load is prepared, the live version
// otherwise (loading it first when there is none). Reading a CommonJS value whole while loading is noted as
// consuming it: when that module runs again, so must the reader.
import { ReloadStepError, say } from '../errors';
import { evaluationOrder } from './evaluation-order';
import { valuesOf, type Evaluator } from './evaluator';
import { interopObject } from './interop';
import type { Linker, RegistryHost, Target } from './linker';
import { currentContext, currentVersion, type ModuleRecord, type ModuleVersion } from './module';
import { nodeRequireFrom, runtimeHelper } from './node-require';
import type { ModuleRecords } from './records';
import { LoadSession } from './session';
import { WatchedLoad } from './watched-load';

/** Loads a graph in a session (the registry's `load`), for lazy loads. */
export interface GraphLoader {
  load(session: LoadSession, roots: ModuleRecord[], order: (session: LoadSession) => ModuleVersion[]): Promise<void>;
  drop(session: LoadSession): void;
}

export class ModuleImports {
  constructor(
    private readonly records: ModuleRecords,
    private readonly linker: Linker,
    private readonly evaluator: Evaluator,
    private readonly host: RegistryHost,
    private readonly loader: GraphLoader,
    /** How long a module first needed while the app runs may take to load. */
    private readonly lazyTimeoutMs: number,
  ) {
    // CommonJS written with `export * from` (TypeScript's CommonJS output) re-exports as it runs, as tsc's
    // `__exportStar(require(…), exports)` does: its targets (CommonJS, run where required) have no names before.
    evaluator.beforeCommonJs = (version) => {
      for (const record of this.linker.reexportTargetsOf(version)) this.evaluateSync(this.dependencyOf(version, record), version);
      this.shareStarExports(version);
    };
  }

  /** A load of what the running app needs for the first time: live at once. */
  private lazySession(): LoadSession {
    return new LoadSession(new Set(), true, this.lazyTimeoutMs);
  }

  /** `__rl.i(index)`: the object an import reads its bindings from. */
  importObject(version: ModuleVersion, index: number, target: Target = this.linker.targetsOf(version)[index]!, evaluate = true): unknown {
    const known = version.targets[index];
    if (known !== undefined) return known;
    const entry = version.transformed.imports[index]!;
    const format = version.transformed.format === 'esm' ? 'esm' : 'cjs';
    let value: unknown;
    switch (target.kind) {
      case 'builtin':
        value = interopObject(nodeRequireFrom(version.file)(`node:${target.name}`), format, entry.names);
        break;
      case 'package':
        value = this.linker.packageSync(target.specifier, version.file, format, entry.names, this.linker.rawNamespaces(version));
        break;
      case 'app':
        value = this.appImport(version, target.record, entry.names, evaluate);
        break;
    }
    version.targets[index] = value;
    return value;
  }

  private appImport(importer: ModuleVersion, record: ModuleRecord, names: readonly string[], evaluate: boolean): unknown {
    const dependency = this.dependencyOf(importer, record);
    // CommonJS runs where it is imported. An ES module was evaluated before its importer, in Node's order (a
    // cycle leaves one for later), except for a CommonJS importer, whose require runs it now.
    const runsHere = !dependency.transformed.generator || importer.transformed.format !== 'esm';
    if (evaluate && runsHere) this.evaluateSync(dependency, importer);
    if (dependency.transformed.esmSyntax) return record.namespace;
    // A CommonJS value (or JSON) is read whole, now: the importer consumed it.
    noteConsumed(record);
    const format = importer.transformed.format === 'esm' ? 'esm' : 'cjs';
    return interopObject(dependency.module.exports, format, names, this.linker.rawNamespaces(importer));
  }

  /** The version of `record` an importer reaches: its own load's, or the live one (loading it first when it has none). */
  private dependencyOf(importer: ModuleVersion, record: ModuleRecord): ModuleVersion {
    const session = this.linker.activeSessionOf(importer);
    if (session) return this.linker.versionFor(record, session);
    const seen = record.seenBy();
    if (seen) return seen;
    return this.linker.versionFor(record, this.lazySession());
  }

  /** Instantiates linked versions, then gives each the names of its `export *` targets. */
  instantiate(versions: ReadonlySet<ModuleVersion> | readonly ModuleVersion[]): void {
    for (const version of versions) this.evaluator.instantiate(version);
    for (const version of versions) this.shareStarExports(version);
  }

  /**
   * A live module that re-exports everything of one this load runs again, and does not run again itself (a
   * barrel), gains the names the new version adds, as a fresh start's would: its star exports are shared again,
   * and so on up a chain of barrels.
   */
  refreshStarExporters(session: LoadSession): void {
    const grown = new Set(session.versions.keys());
    for (let more = true; more;) {
      more = false;
      for (const record of this.records.values()) {
        const version = record.current;
        if (!version || session.versions.has(record.id)) continue;
        if (!this.linker.reexportTargetsOf(version).some((target) => grown.has(target.id))) continue;
        const before = Object.keys(version.module.exports as object).length;
        try {
          this.shareStarExports(version);
        } catch {
          // Exports the module froze (or a getter that throws): it keeps the names it has, as it would have.
          continue;
        }
        if (Object.keys(version.module.exports as object).length > before && !grown.has(record.id)) {
          grown.add(record.id);
          more = true;
        }
      }
    }
  }

  /** `export * from`: names a star target exports (its default aside) become this version's too. */
  private shareStarExports(version: ModuleVersion): void {
    const exports = version.module.exports as object;
    const own = new Set(Object.keys(exports));
    version.transformed.imports.forEach((entry, index) => {
      if (entry.kind !== 'star') return;
      const target = this.linker.targetsOf(version)[index]!;
      const source = this.importObject(version, index, target, false) as Record<string, unknown>;
      for (const name of Object.keys(source)) {
        if (name === 'default' || own.has(name)) continue;
        own.add(name);
        Object.defineProperty(exports, name, { get: () => source[name], enumerable: true, configurable: true });
      }
    });
    version.record.expose(Object.keys(exports));
  }

  /** Evaluates a dependency now, for a require (or an import of CommonJS code, which runs in place). */
  private evaluateSync(dependency: ModuleVersion, importer: ModuleVersion): void {
    const state = dependency.evaluation.state;
    if (state === 'evaluated' || state === 'evaluating') return;
    const session = this.linker.activeSessionOf(dependency);
    if (state === 'new' && session) {
      const linked = new Set<ModuleVersion>();
      this.linker.link(dependency, session, linked);
      // Packages an ES module here needs come through require; they may not have loaded as ES modules yet.
      session.pending.length = 0;
      this.instantiate(linked);
    }
    const running = this.evaluator.evaluate(dependency);
    if (running) {
      running.catch(() => undefined);
      throw new ReloadStepError(importer.id, 'init', say.requireAsync(importer.id, dependency.id));
    }
  }

  /** `require(specifier)` of a CommonJS version. */
  require(version: ModuleVersion, specifier: string): unknown {
    if (typeof specifier !== 'string') throw new TypeError(`The "id" argument must be of type string. Received ${typeof specifier}`);
    const resolution = this.linker.resolve(specifier, version.file, 'require');
    if (resolution.kind === 'builtin') return nodeRequireFrom(version.file)(`node:${resolution.name}`);
    if (resolution.kind === 'external') return nodeRequireFrom(version.file)(runtimeHelper(specifier) ?? specifier);
    const record = this.records.recordFor(resolution.file, this.linker.activeSessionOf(version));
    if (!version.edges.has(record.id)) version.edges.set(record.id, 'require');
    const dependency = this.dependencyOf(version, record);
    this.evaluateSync(dependency, version);
    if (dependency.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return dependency.module.exports;
  }

  /** `import(specifier)` from a version. */
  async dynamicImport(version: ModuleVersion, specifier: string): Promise<unknown> {
    const resolution = this.linker.resolve(String(specifier), version.file, 'import');
    if (resolution.kind !== 'app')
      return this.host.importPackage(resolution.kind === 'builtin' ? `node:${resolution.name}` : String(specifier), version.file);
    const record = this.records.recordFor(resolution.file);
    if (!version.edges.has(record.id)) version.edges.set(record.id, 'dynamic');
    return this.importRecord(record, version);
  }

  /** Loads (if need be) and evaluates a record for an `import()`; resolves to what the import presents. */
  async importRecord(record: ModuleRecord, importer: ModuleVersion | undefined): Promise<unknown> {
    const session = this.linker.activeSessionOf(importer);
    let version = session ? this.linker.versionFor(record, session) : record.seenBy();
    if (!version) {
      const lazy = this.lazySession();
      const watched = new WatchedLoad((each) => lazy.versions.get(each.id) === each);
      try {
        await this.loader.load(lazy, [record], (loaded) => evaluationOrder({ records: this.records, linker: this.linker }, loaded.versions, record));
      } catch (error) {
        this.loader.drop(lazy);
        watched.end();
        throw error;
      }
      lazy.end();
      watched.endWhenIdle(this.lazyTimeoutMs);
      version = record.current!;
    } else if (version.evaluation.state !== 'evaluated') {
      const own = this.linker.activeSessionOf(version);
      if (version.evaluation.state === 'new' && own) {
        const linked = new Set<ModuleVersion>();
        this.linker.link(version, own, linked);
        await Promise.all(own.pending);
        this.instantiate(linked);
        for (const each of [...linked].reverse()) await this.evaluator.evaluate(each);
      } else {
        await this.evaluator.evaluate(version);
      }
    }
    if (version.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return valuesOf(version);
  }

  /**
   * A file of the app a package loads itself (`require()`, or `import()` through Node's loader): the module
   * joins the graph as a module the running version (if any) reached, and is kept while the app runs.
   */
  fromPackage(file: string, kind: 'require' | 'import'): unknown {
    const record = this.records.recordFor(file);
    record.loadedByPackage = true;
    const importer = currentVersion();
    if (importer && importer.record !== record && !importer.edges.has(record.id)) importer.edges.set(record.id, 'library');
    if (kind === 'import') return this.importRecord(record, importer);
    const dependency = importer ? this.dependencyOf(importer, record) : (record.seenBy() ?? this.linker.versionFor(record, this.lazySession()));
    this.evaluateSync(dependency, importer ?? dependency);
    if (dependency.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return dependency.module.exports;
  }
}

/** Notes that the running loading version consumed a whole module (a CommonJS value, read at once). */
function noteConsumed(record: ModuleRecord): void {
  const context = currentContext();
  if (context?.loading && context.version.record !== record) context.version.consume(record.id);
}
