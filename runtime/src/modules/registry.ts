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
    const linked = new Set<ModuleVersion>();
    for (const root of roots) {
      const version = this.linker.versionFor(root, session);
      if (this.linker.sessionOf(version) === session) this.linker.link(version, session, linked);
    }
    await Promise.all(session.pending);
    const versions = order(session);
    this.imports.instantiate(versions);
    this.linker.checkLinks(session);
    // CommonJS runs where it is required: a CommonJS module some new version imports runs then, not here.
    const inPlace = this.linker.requiredInPlace(session);
    for (const version of versions) {
      if (inPlace.has(version)) continue;
      const running = this.evaluator.evaluate(version);
      if (running) await running;
    }
    // One no importer reached after all (an import inside a branch that did not run) still runs, as a root.
    for (const version of inPlace) if (version.evaluation.state !== 'evaluated') await this.evaluator.evaluate(version);
  }

  /** Forgets what a dropped session made: its new records, its versions' places. */
  drop(session: LoadSession): void {
    session.end();
    for (const record of session.added)
      if (record.current === undefined || session.versions.get(record.id) === record.current) this.records.delete(record.id);
    for (const version of session.versions.values()) version.record.drop(version);
  }
}
