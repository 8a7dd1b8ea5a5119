// The runtime's own module registry. Node's module caches never let a module go; this one does, so a
// retired version becomes garbage. Loading follows Node's rules: an ES module's imports are linked, the
// graph is instantiated (exports and hoisted functions exist), then evaluated depth-first in import order,
// so cycles and top-level await behave as they do under Node; CommonJS requires run where they stand.
//
// The registry is its records and three parts: the linker (imports to targets, versions for a load, link
// checks), the evaluator (running a version's code in Node's order) and the imports (what running code asks
// for). A load is a session (session.ts): the start, a reload, or a module first needed while the app runs.
import type { CompilerSettings } from '../transform';
import { Evaluator } from './evaluator';
import { ModuleImports } from './imports';
import { Linker, type RegistryHost } from './linker';
import type { ModuleRecord, ModuleVersion } from './module';
import { ModuleRecords } from './records';
import type { Resolution, Resolver } from './resolver';
import type { LoadSession } from './session';

export type { RegistryHost } from './linker';

export interface RegistryOptions {
  project: string;
  /** Absolute: only modules inside it can be reloaded. */
  root: string;
  resolver: Resolver;
  settings: CompilerSettings;
  /** How long a module's code may run as it loads, in a load that does not say (a lazy load). */
  initTimeoutMs: number;
  host: RegistryHost;
}

export class Registry {
  readonly records: ModuleRecords;
  readonly linker: Linker;
  readonly evaluator: Evaluator;
  readonly imports: ModuleImports;

  constructor(readonly options: RegistryOptions) {
    this.records = new ModuleRecords(options.project);
    this.linker = new Linker(this.records, options.resolver, options.settings, options.host);
    this.evaluator = new Evaluator((version) => this.linker.sessionOf(version)?.timeoutMs);
    this.imports = new ModuleImports(this.records, this.linker, this.evaluator, options.host, this, options.initTimeoutMs);
  }

  idOf(file: string): string {
    return this.records.idOf(file);
  }

  fileOf(id: string): string {
    return this.records.fileOf(id);
  }

  recordFor(file: string, session?: LoadSession): ModuleRecord {
    return this.records.recordFor(file, session);
  }

  resolve(specifier: string, fromFile: string, mode: 'import' | 'require'): Resolution {
    return this.linker.resolve(specifier, fromFile, mode);
  }

  /**
   * Loads the graph of `roots` in `session`: new versions for the planned modules and for modules never
   * loaded, linked, instantiated and evaluated in Node's order. Throws a ReloadStepError; the caller drops
   * the session.
   */
  async load(session: LoadSession, roots: ModuleRecord[], order: (session: LoadSession) => ModuleVersion[]): Promise<void> {
    session.loading = true;
    try {
      await this.loadGraph(session, roots, order);
    } finally {
      session.loading = false;
    }
  }

  private async loadGraph(session: LoadSession, roots: ModuleRecord[], order: (session: LoadSession) => ModuleVersion[]): Promise<void> {
    const linked = new Set<ModuleVersion>();
    for (const root of roots) {
      const version = this.linker.versionFor(root, session);
      if (this.linker.sessionOf(version) === session) this.linker.link(version, session, linked);
    }
    await Promise.all(session.pending);
    // A module another load is still running (two imports at once): this load waits for it, as Node's does.
    await Promise.all(this.runningElsewhere(session).map((version) => version.evaluation.whenSettled()));
    const versions = order(session);
    this.imports.instantiate(versions);
    await Promise.all(versions.flatMap((version) => (version.evaluation.instantiated ? [version.evaluation.instantiated] : [])));
    this.imports.refreshStarExporters(session);
    this.linker.checkLinks(session);
    // CommonJS runs where it is required: a CommonJS module some new version imports runs then, not here.
    const inPlace = this.linker.requiredInPlace(session);
    await this.evaluateInOrder(
      versions.filter((version) => !inPlace.has(version)),
      session,
    );
    // One no importer reached after all (an import inside a branch that did not run) still runs, as a root.
    for (const version of inPlace) if (version.evaluation.state !== 'evaluated') await this.evaluator.evaluate(version);
    // CommonJS says what it exports by running.
    this.imports.refreshStarExporters(session);
  }

  /**
   * Evaluates `versions` (in Node's post-order) as Node evaluates a graph with top-level await: a module runs as
   * soon as the modules it imports finished, so a module that awaits does not hold up its siblings; one whose
   * imports await runs once they are done, importers that waited for the same module in their order.
   */
  private async evaluateInOrder(versions: ModuleVersion[], session: LoadSession): Promise<void> {
    const done = new Map<ModuleVersion, Promise<void>>();
    const finished = new Set<ModuleVersion>();
    const run = (version: ModuleVersion): Promise<void> => {
      const running = this.evaluator.evaluate(version);
      if (!running) {
        finished.add(version);
        return Promise.resolve();
      }
      return running.then(() => void finished.add(version));
    };
    for (const version of versions) {
      const waitingFor = this.linker
        .staticImportsOf(version)
        .map((record) => this.linker.versionFor(record, session))
        .filter((dependency) => done.has(dependency) && !finished.has(dependency));
      const evaluation =
        waitingFor.length === 0 ? run(version) : Promise.all(waitingFor.map((dependency) => done.get(dependency)!)).then(() => run(version));
      // A failure is thrown by the await below; the others' rejections are its consequences.
      evaluation.catch(() => undefined);
      done.set(version, evaluation);
    }
    await Promise.all(done.values());
  }

  /** Versions of other loads, not yet run to their end, that the session's versions import. */
  private runningElsewhere(session: LoadSession): ModuleVersion[] {
    const running = new Set<ModuleVersion>();
    for (const version of session.versions.values()) {
      for (const target of this.linker.targetsOf(version)) {
        if (target.kind !== 'app') continue;
        const dependency = this.linker.versionFor(target.record, session);
        const owner = this.linker.sessionOf(dependency);
        if (owner !== session && owner?.loading && dependency.evaluation.state !== 'evaluated') running.add(dependency);
      }
    }
    return [...running];
  }

  /** Forgets what a dropped session made: its new records, its versions' places. */
  drop(session: LoadSession): void {
    session.end();
    for (const record of session.added)
      if (record.current === undefined || session.versions.get(record.id) === record.current) this.records.delete(record.id);
    for (const version of session.versions.values()) version.record.drop(version);
  }
}
