// The runtime's own module registry. Node's module caches never let a module go; this one does, so a
// retired version becomes garbage. Loading follows Node's rules: an ES module's imports are linked, the
// graph is instantiated (exports and hoisted functions exist), then evaluated depth-first in import order,
// so cycles and top-level await behave as they do under Node; CommonJS requires run where they stand.
//
// A load is a session: the start, a reload (whose versions stay candidates, seen only by each other, until
// the transaction commits them), or a module first required while the app runs.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { appContext } from '../context';
import { messageOf, ReloadStepError, say } from '../errors';
import { runtimeRequire } from '../location';
import { contentHash as hashOf, formatOf, transformModule, type CompilerSettings, type StaticImport, type Transformed } from '../transform';
import { interopObject } from './interop';
import { ModuleRecord, type Session, type SourceStamp } from './record';
import type { Resolution, Resolver } from './resolver';
import { compileVersion, runTimed } from './evaluate';
import { ModuleVersion } from './version';
import { within } from '../wait';

export interface StampedSource {
  text: string;
  stamp: SourceStamp;
}

/** What the registry needs from the rest of the runtime. */
export interface RegistryHost {
  /** Gives a new version its module API (`__rl`), its `import.meta.hot` and its resource tracker. */
  prepareVersion(version: ModuleVersion): void;
  /** Loads a package (or built-in) the way Node's ES module loader would from `fromFile`. */
  importPackage(specifier: string, fromFile: string): Promise<object>;
  /** A call of an exported async function of a stateful module, made while it is suspended. */
  deferCall(version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown>;
}

export interface RegistryOptions {
  project: string;
  /** Absolute: only modules inside it can be reloaded. */
  root: string;
  resolver: Resolver;
  settings: CompilerSettings;
  initTimeoutMs: number;
  host: RegistryHost;
}

/** One load: the versions it makes, the modules it must make anew, and the sources it read for them. */
export class LoadSession implements Session {
  readonly versions = new Map<string, ModuleVersion>();
  /** Records first made by this load: they go if it is dropped. */
  readonly added: ModuleRecord[] = [];
  readonly sources = new Map<string, StampedSource>();
  readonly transforms = new Map<string, Transformed>();
  /** Package loads the linked ES modules wait for. */
  readonly pending: Array<Promise<void>> = [];
  active = true;
  /** Milliseconds running module code, summed. */
  runMs = 0;

  constructor(
    /** Module ids that get a new version even though they have one. */
    readonly plan: ReadonlySet<string>,
    /** New versions go live at once (the start, a lazy load): there is nothing older to protect. */
    readonly immediate: boolean,
  ) {}
}

type Target = { kind: 'app'; record: ModuleRecord } | { kind: 'package'; specifier: string } | { kind: 'builtin'; name: string };

export class Registry {
  readonly records = new Map<string, ModuleRecord>();
  private readonly links = new WeakMap<ModuleVersion, Target[]>();
  private readonly packages = new Map<string, object>();
  private nextEvaluation = 0;

  constructor(readonly options: RegistryOptions) {}

  idOf(file: string): string {
    return path.relative(this.options.project, file).split(path.sep).join('/');
  }

  fileOf(id: string): string {
    return path.join(this.options.project, ...id.split('/'));
  }

  /** Whether a file is one of the app's own modules: outside node_modules, inside the project. */
  isAppFile(file: string): boolean {
    if (file.split(path.sep).includes('node_modules')) return false;
    const relative = path.relative(this.options.project, file);
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  }

  recordFor(file: string, session?: LoadSession): ModuleRecord {
    const id = this.idOf(file);
    let record = this.records.get(id);
    if (!record) {
      record = new ModuleRecord(id, file, formatOf(file));
      this.records.set(id, record);
      session?.added.push(record);
    }
    return record;
  }

  // Sessions -----------------------------------------------------------------------------------------------

  /**
   * Loads the graph of `roots` in `session`: new versions for the planned modules and for modules never
   * loaded, linked, instantiated and evaluated in Node's order. Throws a ReloadStepError; the caller drops
   * the session.
   */
  async load(session: LoadSession, roots: ModuleRecord[], order: (session: LoadSession) => ModuleVersion[]): Promise<void> {
    const linked = new Set<ModuleVersion>();
    for (const root of roots) {
      const version = this.versionFor(root, session);
      if (version.session === session) this.link(version, session, linked);
    }
    await Promise.all(session.pending);
    const versions = order(session);
    for (const version of versions) this.instantiate(version);
    for (const version of versions) this.shareStarExports(version);
    this.checkLinks(session);
    // CommonJS runs where it is required: a CommonJS module some new version imports runs then, not here.
    const inPlace = this.requiredInPlace(session);
    for (const version of versions) {
      if (inPlace.has(version)) continue;
      const running = this.evaluate(version);
      if (running) await running;
    }
    // One no importer reached after all (an import inside a branch that did not run) still runs, as a root.
    for (const version of inPlace) if (version.state !== 'evaluated') await this.evaluate(version);
  }

  /** New CommonJS versions that another new version imports: they run when that import runs. */
  private requiredInPlace(session: LoadSession): Set<ModuleVersion> {
    const inPlace = new Set<ModuleVersion>();
    for (const importer of session.versions.values()) {
      for (const target of this.links.get(importer) ?? []) {
        if (target.kind !== 'app') continue;
        const dependency = session.versions.get(target.record.id);
        if (dependency && dependency !== importer && !dependency.transformed.generator) inPlace.add(dependency);
      }
    }
    return inPlace;
  }

  /** The version of `record` that `session`'s code sees, making it when the session loads it anew. */
  versionFor(record: ModuleRecord, session: LoadSession): ModuleVersion {
    const made = session.versions.get(record.id);
    if (made) return made;
    if (record.current && !session.plan.has(record.id)) return record.current;
    return this.createVersion(record, session);
  }

  private createVersion(record: ModuleRecord, session: LoadSession): ModuleVersion {
    let source = session.sources.get(record.id);
    if (!source) {
      try {
        source = readSource(record.file);
      } catch {
        throw new ReloadStepError(record.id, 'transform', say.cannotRead(record.id));
      }
      session.sources.set(record.id, source);
    }
    record.format = formatOf(record.file);
    const transformed =
      session.transforms.get(record.id) ??
      transformModule(
        { file: record.file, id: record.id, source: source.text, format: record.format, settings: this.options.settings },
        source.stamp.hash,
      );
    const number = (record.current?.number ?? 0) + 1;
    const version = new ModuleVersion(record, number, transformed, (...args) => this.options.host.deferCall(...args));
    version.session = session;
    session.versions.set(record.id, version);
    if (session.immediate) {
      record.current = version;
      record.stamp = source.stamp;
      version.status = 'live';
    }
    this.options.host.prepareVersion(version);
    return version;
  }

  /** Resolves a new version's static imports, making versions for what the session loads anew. */
  private link(version: ModuleVersion, session: LoadSession, linked: Set<ModuleVersion>): void {
    const pending: ModuleVersion[] = [version];
    while (pending.length > 0) {
      const current = pending.pop()!;
      if (linked.has(current)) continue;
      linked.add(current);
      const targets = this.targetsOf(current);
      targets.forEach((target, index) => {
        if (target.kind === 'app') {
          const dependency = this.versionFor(target.record, session);
          if (dependency.session === session && !linked.has(dependency)) pending.push(dependency);
        } else if (target.kind === 'package' && current.transformed.format === 'esm') {
          session.pending.push(this.preloadPackage(target.specifier, current.file).then((namespace) => void (current.targets[index] = namespace)));
        }
      });
    }
  }

  private targetsOf(version: ModuleVersion): Target[] {
    let targets = this.links.get(version);
    if (targets) return targets;
    targets = version.transformed.imports.map((entry) => this.targetOf(version, entry));
    this.links.set(version, targets);
    return targets;
  }

  private targetOf(version: ModuleVersion, entry: StaticImport): Target {
    const mode = version.transformed.format === 'esm' ? 'import' : 'require';
    const resolution = this.resolve(entry.specifier, version.file, mode);
    if (resolution.kind === 'builtin') return { kind: 'builtin', name: resolution.name };
    if (resolution.kind === 'external') {
      if (!isPackageSpecifier(entry.specifier)) {
        throw new ReloadStepError(version.id, 'link', say.cannotResolve(entry.specifier, version.id), this.positionOf(version, entry));
      }
      return { kind: 'package', specifier: entry.specifier };
    }
    const record = this.recordFor(resolution.file, version.session as LoadSession | undefined);
    if (!version.edges.has(record.id)) version.edges.set(record.id, entry.kind === 'import' ? 'static' : 'reexport');
    return { kind: 'app', record };
  }

  private positionOf(version: ModuleVersion, entry: StaticImport): { file: string; line: number; column: number } | undefined {
    const before = version.transformed.code.slice(0, entry.offset);
    const generated = { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
    const original = version.transformed.map?.original(generated.line, generated.column);
    return original;
  }

  resolve(specifier: string, fromFile: string, mode: 'import' | 'require'): Resolution {
    // Helpers the compiler imports come with the runtime, not with the app.
    if (specifier.startsWith('@oxc-project/runtime/')) return { kind: 'external' };
    const resolution = this.options.resolver.resolve(specifier, fromFile, mode);
    if (resolution.kind === 'app' && !this.isAppFile(resolution.file) && !isTypeScript(resolution.file)) return { kind: 'external' };
    return resolution;
  }

  /** A package's namespace for an ES module importer, loaded once per folder and specifier. */
  private async preloadPackage(specifier: string, fromFile: string): Promise<object> {
    const key = `${path.dirname(fromFile)}\0${specifier}`;
    const known = this.packages.get(key);
    if (known) return known;
    const namespace = await this.options.host.importPackage(specifier, fromFile);
    this.packages.set(key, namespace);
    return namespace;
  }

  /** A package as a module loaded synchronously sees it: its ES namespace when one was loaded, else require's value. */
  packageSync(specifier: string, fromFile: string, importerFormat: 'esm' | 'cjs', names: readonly string[]): unknown {
    const namespace = this.packages.get(`${path.dirname(fromFile)}\0${specifier}`);
    if (namespace && importerFormat === 'esm') return namespace;
    const value = nodeRequireFrom(fromFile)(runtimeHelper(specifier) ?? specifier);
    return interopObject(value, importerFormat, names);
  }

  // Instantiation and evaluation ---------------------------------------------------------------------------

  /** Runs an ES module up to its first `yield`: its exports exist, its hoisted functions too. */
  instantiate(version: ModuleVersion): void {
    if (version.state !== 'new' || !version.transformed.generator) return;
    const factory = this.compile(version);
    const generatorFunction = factory.call(undefined, version.api) as () => Iterator<unknown> | AsyncIterator<unknown>;
    version.iterator = generatorFunction.call(undefined);
    // Up to its first `yield` only the prelude runs (exports, hoisted functions): no timeout needed, and a
    // timeout costs a watchdog thread per call.
    const step = this.timed(version, () => version.iterator!.next(), false);
    // An async generator's first step is a promise that settles at once: nothing it runs can await before `yield`.
    if (step && typeof (step as Promise<unknown>).then === 'function') (step as Promise<unknown>).catch(() => undefined);
    version.state = 'instantiated';
  }

  private compile(version: ModuleVersion): Function {
    try {
      return compileVersion(version);
    } catch (error) {
      throw new ReloadStepError(version.id, 'evaluate', messageOf(error), undefined, error);
    }
  }

  /** `export * from`: names a star target exports (its default aside) become this version's too. */
  private shareStarExports(version: ModuleVersion): void {
    const exports = version.module.exports as object;
    const own = new Set(Object.keys(exports));
    version.transformed.imports.forEach((entry, index) => {
      if (entry.kind !== 'star') return;
      const target = this.targetsOf(version)[index]!;
      const source = this.importObject(version, index, target, false) as Record<string, unknown>;
      for (const name of Object.keys(source)) {
        if (name === 'default' || own.has(name)) continue;
        own.add(name);
        Object.defineProperty(exports, name, { get: () => source[name], enumerable: true, configurable: true });
      }
    });
    version.record.expose(Object.keys(exports));
  }

  /** Every name an ES import needs must exist in the version it will reach (Node's link error). */
  private checkLinks(session: LoadSession): void {
    for (const version of session.versions.values()) {
      const targets = this.targetsOf(version);
      version.transformed.imports.forEach((entry, index) => {
        const target = targets[index];
        if (target?.kind !== 'app') return;
        this.checkNames(version, entry.names, this.versionFor(target.record, session));
      });
    }
  }

  /**
   * Names an importer needs from `dependency`. An ES module's names are known once it is instantiated (or, for
   * CommonJS written with export, from its source); plain CommonJS only says what it exports by running, and
   * then only a name its live version had and the new one lacks is missing.
   */
  checkNames(importer: ModuleVersion, names: readonly string[], dependency: ModuleVersion): void {
    const transformed = dependency.transformed;
    if (transformed.format === 'json') return;
    const ran = transformed.generator ? dependency.state !== 'new' : dependency.state === 'evaluated';
    const hasStars = transformed.imports.some((entry) => entry.kind === 'star');
    let known: Set<string> | undefined;
    if (ran) known = new Set(Object.keys(Object(dependency.module.exports)));
    else if (transformed.esmSyntax && !hasStars) known = new Set(transformed.exports);
    if (!known) return;
    const strict = transformed.esmSyntax;
    const before = dependency.record.current?.module.exports;
    for (const name of names) {
      if (name === '*' || (name === 'default' && !strict)) continue;
      const required = strict || (before !== undefined && before !== null && name in Object(before));
      if (required && !known.has(name) && !(ran && name in Object(dependency.module.exports))) {
        throw new ReloadStepError(importer.id, 'link', say.missingExport(importer.id, name, dependency.id));
      }
    }
  }

  /**
   * Evaluates a version: an ES module's body after its first `yield`, a CommonJS module's function. Returns a
   * promise only when it awaits at its top level.
   */
  evaluate(version: ModuleVersion): Promise<void> | undefined {
    if (version.state === 'evaluated' || version.state === 'evaluating') return version.evaluation;
    if (version.state === 'failed') throw version.failure!;
    if (version.transformed.format === 'json') {
      this.finish(version, () => {
        version.module.exports = version.transformed.json;
      });
      return undefined;
    }
    if (version.transformed.generator) {
      this.instantiate(version);
      version.state = 'evaluating';
      const started = performance.now();
      const step = this.timed(version, () => version.iterator!.next());
      if (!version.transformed.async) {
        if (version.session) (version.session as LoadSession).runMs += performance.now() - started;
        this.finish(version, () => undefined);
        return undefined;
      }
      version.evaluation = this.awaitEvaluation(version, step as Promise<unknown>);
      return version.evaluation;
    }
    version.state = 'evaluating';
    const run = this.compile(version);
    const { module } = version;
    const api = version.api;
    this.timed(version, () => run.call(module.exports, api, module.exports, version.require, module, version.file, path.dirname(version.file)));
    this.finish(version, () => undefined);
    return undefined;
  }

  private async awaitEvaluation(version: ModuleVersion, step: Promise<unknown>): Promise<void> {
    const timeoutMs = this.options.initTimeoutMs;
    try {
      await within(
        step,
        timeoutMs,
        () => {
          throw new ReloadStepError(version.id, 'init', say.initTimeout(version.id, timeoutMs));
        },
        { keepAlive: true },
      );
    } catch (error) {
      version.state = 'failed';
      version.failure = asInitError(version, error, this.options.initTimeoutMs);
      throw version.failure;
    }
    this.finish(version, () => undefined);
  }

  private finish(version: ModuleVersion, complete: () => void): void {
    complete();
    version.state = 'evaluated';
    version.module.loaded = true;
    const record = version.record;
    record.evaluationIndex = Math.min(record.evaluationIndex, this.nextEvaluation++);
    if (record.format !== 'esm' || !version.transformed.esmSyntax) record.expose(exportNamesOf(version));
    else record.expose(Object.keys(version.module.exports as object));
    this.bindShims(record, version);
  }

  /** Tells the ES module shims Node holds for this file the values of `version`. */
  bindShims(record: ModuleRecord, version: ModuleVersion | undefined): void {
    if (!version || record.binders.size === 0) return;
    const values = this.valuesOf(version);
    for (const bind of record.binders) bind(values);
  }

  /** The names and values an `import()` of this version presents: an ES namespace, or CommonJS's `default` and properties. */
  valuesOf(version: ModuleVersion): Record<string, unknown> {
    if (version.transformed.esmSyntax) return version.module.exports;
    return interopObject(version.module.exports, 'esm', ['*']) as Record<string, unknown>;
  }

  /** Runs synchronous code of `version` in its loading context, under the init timeout; failures become init errors. */
  private timed<T>(version: ModuleVersion, call: () => T, withTimeout = true): T {
    version.initialising = true;
    try {
      return appContext.run(version.contexts.load, () => (withTimeout ? runTimed(call, this.options.initTimeoutMs) : call()));
    } catch (error) {
      version.state = 'failed';
      version.failure = asInitError(version, error, this.options.initTimeoutMs);
      throw version.failure;
    } finally {
      version.initialising = false;
    }
  }

  // What module code asks for ----------------------------------------------------------------------------

  /** `__rl.i(index)`: the object an import reads its bindings from. */
  importObject(version: ModuleVersion, index: number, target = this.targetsOf(version)[index]!, evaluate = true): unknown {
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
        value = this.packageSync(target.specifier, version.file, format, entry.names);
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
    return interopObject(dependency.module.exports, format, names);
  }

  /** The version of `record` an importer reaches: its own session's, or the live one (loading it first when it has none). */
  private dependencyOf(importer: ModuleVersion, record: ModuleRecord): ModuleVersion {
    const session = importer.session as LoadSession | undefined;
    if (session?.active) return this.versionFor(record, session);
    const seen = record.seenBy();
    if (seen) return seen;
    return this.versionFor(record, new LoadSession(new Set(), true));
  }

  /** Evaluates a dependency now, for a require (or an import of CommonJS code, which runs in place). */
  evaluateSync(dependency: ModuleVersion, importer: ModuleVersion): void {
    if (dependency.state === 'evaluated' || dependency.state === 'evaluating') return;
    const session = dependency.session as LoadSession | undefined;
    if (dependency.state === 'new' && session) {
      const linked = new Set<ModuleVersion>();
      this.link(dependency, session, linked);
      // Packages an ES module here needs come through require; they may not have loaded as ES modules yet.
      session.pending.length = 0;
      for (const version of linked) this.instantiate(version);
      for (const version of linked) this.shareStarExports(version);
    }
    const running = this.evaluate(dependency);
    if (running) {
      running.catch(() => undefined);
      throw new ReloadStepError(importer.id, 'init', say.requireAsync(importer.id, dependency.id));
    }
  }

  /** `require(specifier)` of a CommonJS version. */
  require(version: ModuleVersion, specifier: string): unknown {
    if (typeof specifier !== 'string') throw new TypeError(`The "id" argument must be of type string. Received ${typeof specifier}`);
    const resolution = this.resolve(specifier, version.file, 'require');
    if (resolution.kind === 'builtin') return nodeRequireFrom(version.file)(`node:${resolution.name}`);
    if (resolution.kind === 'external') return nodeRequireFrom(version.file)(runtimeHelper(specifier) ?? specifier);
    const record = this.recordFor(resolution.file, version.session as LoadSession | undefined);
    if (!version.edges.has(record.id)) version.edges.set(record.id, 'require');
    const dependency = this.dependencyOf(version, record);
    this.evaluateSync(dependency, version);
    if (dependency.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return dependency.module.exports;
  }

  /** `import(specifier)` from a version, or (`from` undefined) from a package through Node. */
  async dynamicImport(version: ModuleVersion, specifier: string): Promise<unknown> {
    const resolution = this.resolve(String(specifier), version.file, 'import');
    if (resolution.kind !== 'app')
      return this.options.host.importPackage(resolution.kind === 'builtin' ? `node:${resolution.name}` : String(specifier), version.file);
    const record = this.recordFor(resolution.file);
    if (!version.edges.has(record.id)) version.edges.set(record.id, 'dynamic');
    return this.importRecord(record, version);
  }

  /** Loads (if need be) and evaluates a record for an `import()`; resolves to what the import presents. */
  async importRecord(record: ModuleRecord, importer: ModuleVersion | undefined): Promise<unknown> {
    const session = importer?.session as LoadSession | undefined;
    let version = session?.active ? this.versionFor(record, session) : record.seenBy();
    if (!version) {
      const lazy = new LoadSession(new Set(), true);
      try {
        await this.load(lazy, [record], (loaded) => [...loaded.versions.values()].sort(byEvaluationOrder));
      } catch (error) {
        this.drop(lazy);
        throw error;
      }
      lazy.active = false;
      version = record.current!;
    } else if (version.state !== 'evaluated') {
      if (version.state === 'new' && version.session) {
        const linked = new Set<ModuleVersion>();
        this.link(version, version.session as LoadSession, linked);
        await Promise.all((version.session as LoadSession).pending);
        for (const each of linked) this.instantiate(each);
        for (const each of linked) this.shareStarExports(each);
        for (const each of [...linked].reverse()) await this.evaluate(each);
      } else {
        await this.evaluate(version);
      }
    }
    if (version.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return this.valuesOf(version);
  }

  /**
   * A file of the app a package loads itself (`require()`, or `import()` through Node's loader): the module
   * joins the graph as a module the running version (if any) reached, and is kept while the app runs.
   */
  fromPackage(file: string, kind: 'require' | 'import'): unknown {
    const record = this.recordFor(file);
    record.loadedByPackage = true;
    const context = appContext.getStore();
    const importer = context?.version;
    if (importer && importer.record !== record && !importer.edges.has(record.id)) importer.edges.set(record.id, 'library');
    if (kind === 'import') return this.importRecord(record, importer);
    const dependency = importer
      ? this.dependencyOf(importer, record)
      : (record.seenBy() ?? this.versionFor(record, new LoadSession(new Set(), true)));
    this.evaluateSync(dependency, importer ?? dependency);
    if (dependency.transformed.esmSyntax) return record.namespace;
    noteConsumed(record);
    return dependency.module.exports;
  }

  /** Forgets what a dropped session made: its new records, its versions' places. */
  drop(session: LoadSession): void {
    session.active = false;
    for (const record of session.added)
      if (record.current === undefined || session.versions.get(record.id) === record.current) this.records.delete(record.id);
    for (const [id, version] of session.versions) {
      version.status = 'dropped';
      const record = this.records.get(id);
      if (record?.current === version) record.current = undefined;
    }
  }

  /** Lists `version`'s import names by module id, for link checks of unchanged importers. */
  namesImportedFrom(version: ModuleVersion, id: string): string[] {
    const targets = this.links.get(version);
    if (!targets) return [];
    const names: string[] = [];
    targets.forEach((target, index) => {
      if (target.kind === 'app' && target.record.id === id) names.push(...version.transformed.imports[index]!.names);
    });
    return names;
  }

  /** The app records a version's static imports reach, in source order. */
  staticImportsOf(version: ModuleVersion): ModuleRecord[] {
    const targets = this.links.get(version) ?? [];
    const ordered = version.transformed.imports
      .map((entry, index) => ({ entry, target: targets[index] }))
      .sort((a, b) => a.entry.offset - b.entry.offset);
    return ordered.flatMap(({ target }) => (target?.kind === 'app' ? [target.record] : []));
  }
}

function asInitError(version: ModuleVersion, error: unknown, timeoutMs: number): Error {
  if (error instanceof ReloadStepError) return error;
  if ((error as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    return new ReloadStepError(version.id, 'init', say.initTimeout(version.id, timeoutMs), undefined, error);
  }
  return new ReloadStepError(version.id, 'init', say.initThrew(version.id, messageOf(error)), undefined, error);
}

/** Notes that the running loading version consumed a whole module (a CommonJS value, read at once). */
function noteConsumed(record: ModuleRecord): void {
  const context = appContext.getStore();
  if (context?.loading && context.version.record !== record) context.version.consumed.add(record.id);
}

/** The names a version's exports object has now (CommonJS: its own enumerable keys). */
function exportNamesOf(version: ModuleVersion): string[] {
  const value = version.module.exports;
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return ['default'];
  return ['default', ...Object.keys(value)];
}

export function byEvaluationOrder(a: ModuleVersion, b: ModuleVersion): number {
  return a.record.evaluationIndex - b.record.evaluationIndex;
}

function isTypeScript(file: string): boolean {
  return /\.[mc]?tsx?$/.test(file);
}

function isPackageSpecifier(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:') && !specifier.startsWith('#');
}

const requires = new Map<string, NodeJS.Require>();

/** Node's `require` as seen from `file` (packages resolve from the app's node_modules). */
export function nodeRequireFrom(file: string): NodeJS.Require {
  const dir = path.dirname(file);
  let require = requires.get(dir);
  if (!require) {
    require = createRequire(file);
    requires.set(dir, require);
  }
  return require;
}

/** The compiler's helpers resolve from the runtime's own dependencies. */
function runtimeHelper(specifier: string): string | undefined {
  if (!specifier.startsWith('@oxc-project/runtime/')) return undefined;
  return runtimeRequire.resolve(specifier);
}

/** Reads a module's source and its stamp: stat first, so a save landing in between looks like a change. */
export function readSource(file: string): StampedSource {
  const stat = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  return { text, stamp: { mtimeMs: stat.mtimeMs, size: stat.size, hash: hashOf(text) } };
}
