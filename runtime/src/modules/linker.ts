// Linking: a new version's static imports to what they reach (an app module, a package, a built-in), making
// versions for the modules a load runs anew, and Node's link check (every name an ES import needs exists in
// the version it will reach). The linker also knows which load made each version.
import * as path from 'node:path';
import { Resources } from '../containment/resources';
import { ReloadStepError, say } from '../errors';
import { formatOf, transformModule, type CompilerSettings, type StaticImport } from '../transform';
import { interopObject } from './interop';
import { ModuleVersion, type ModuleRecord } from './module';
import { runtimeFile } from '../location';
import { isPackageSpecifier, isRuntimeHelper, nodeRequireFrom, runtimeHelper } from './node-require';
import type { ModuleRecords } from './records';
import type { Resolution, Resolver } from './resolver';
import type { LoadSession } from './session';
import { readSource } from './sources';

/** What the registry needs from the rest of the runtime. */
export interface RegistryHost {
  /** Gives a new version its bindings (`__rl`, `require`) and its `import.meta.hot`. */
  prepareVersion(version: ModuleVersion): void;
  /** Loads a package (or built-in) the way Node's ES module loader would from `fromFile`. */
  importPackage(specifier: string, fromFile: string): Promise<object>;
  /** A call of an exported async function of a stateful module, made while it is suspended. */
  deferCall(version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown>;
}

export type Target = { kind: 'app'; record: ModuleRecord } | { kind: 'package'; specifier: string } | { kind: 'builtin'; name: string };

export class Linker {
  private readonly links = new WeakMap<ModuleVersion, Target[]>();
  private readonly sessions = new WeakMap<ModuleVersion, LoadSession>();
  private readonly packages = new Map<string, object>();

  constructor(
    private readonly records: ModuleRecords,
    private readonly resolver: Resolver,
    private readonly settings: CompilerSettings,
    private readonly host: RegistryHost,
  ) {}

  /** The load that made `version`. */
  sessionOf(version: ModuleVersion): LoadSession | undefined {
    return this.sessions.get(version);
  }

  /** The load `version`'s code belongs to while that load is prepared. */
  activeSessionOf(version: ModuleVersion | undefined): LoadSession | undefined {
    const session = version && this.sessions.get(version);
    return session?.active ? session : undefined;
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
      transformModule({ file: record.file, id: record.id, source: source.text, format: record.format, settings: this.settings }, source.stamp.hash);
    const number = (record.current?.number ?? 0) + 1;
    const version = new ModuleVersion(record, number, transformed, new Resources(), (...args) => this.host.deferCall(...args));
    this.sessions.set(version, session);
    session.add(version);
    if (session.immediate) {
      record.promote(version);
      record.stamp = source.stamp;
    }
    this.host.prepareVersion(version);
    return version;
  }

  /** Resolves a new version's static imports, making versions for what the session loads anew; adds what it linked to `linked`. */
  link(version: ModuleVersion, session: LoadSession, linked: Set<ModuleVersion>): void {
    const pending: ModuleVersion[] = [version];
    while (pending.length > 0) {
      const current = pending.pop()!;
      if (linked.has(current)) continue;
      linked.add(current);
      const targets = this.targetsOf(current);
      targets.forEach((target, index) => {
        if (target.kind === 'app') {
          const dependency = this.versionFor(target.record, session);
          if (this.sessions.get(dependency) === session && !linked.has(dependency)) pending.push(dependency);
        } else if (target.kind === 'package' && current.transformed.format === 'esm') {
          const from = packageParent(target.specifier, current.file);
          session.pending.push(this.preloadPackage(target.specifier, from).then((namespace) => void (current.targets[index] = namespace)));
        }
      });
    }
  }

  /** New CommonJS versions that another new version imports: they run when that import runs, not in load order. */
  requiredInPlace(session: LoadSession): Set<ModuleVersion> {
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

  targetsOf(version: ModuleVersion): Target[] {
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
    const record = this.records.recordFor(resolution.file, this.activeSessionOf(version));
    if (!version.edges.has(record.id)) version.edges.set(record.id, entry.kind === 'import' ? 'static' : 'reexport');
    return { kind: 'app', record };
  }

  private positionOf(version: ModuleVersion, entry: StaticImport): { file: string; line: number; column: number } | undefined {
    const before = version.transformed.code.slice(0, entry.offset);
    const generated = { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
    return version.transformed.map?.original(generated.line, generated.column);
  }

  resolve(specifier: string, fromFile: string, mode: 'import' | 'require'): Resolution {
    if (isRuntimeHelper(specifier)) return { kind: 'external' };
    const resolution = this.resolver.resolve(specifier, fromFile, mode);
    if (resolution.kind === 'app' && !this.records.isAppFile(resolution.file) && !isTypeScript(resolution.file)) return { kind: 'external' };
    return resolution;
  }

  /** A package's namespace for an ES module importer, loaded once per folder and specifier. */
  private async preloadPackage(specifier: string, fromFile: string): Promise<object> {
    const key = `${path.dirname(fromFile)}\0${specifier}`;
    const known = this.packages.get(key);
    if (known) return known;
    const namespace = await this.host.importPackage(specifier, fromFile);
    this.packages.set(key, namespace);
    return namespace;
  }

  /** A package as a module loaded synchronously sees it: its ES namespace when one was loaded, else require's value. */
  packageSync(specifier: string, importerFile: string, importerFormat: 'esm' | 'cjs', names: readonly string[], raw = false): unknown {
    const fromFile = packageParent(specifier, importerFile);
    const namespace = this.packages.get(`${path.dirname(fromFile)}\0${specifier}`);
    if (namespace && importerFormat === 'esm') return namespace;
    const value = nodeRequireFrom(fromFile)(runtimeHelper(specifier) ?? specifier);
    return interopObject(value, importerFormat, names, raw);
  }

  /** Whether `importer` reads a namespace import as `require()`'s value (TypeScript's CommonJS output without esModuleInterop). */
  rawNamespaces(importer: ModuleVersion): boolean {
    return importer.transformed.format === 'cjs' && importer.transformed.esmSyntax && this.settings.esModuleInterop === false;
  }

  /** Every name an ES import needs must exist in the version it will reach (Node's link error). */
  checkLinks(session: LoadSession): void {
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
    const state = dependency.evaluation.state;
    const ran = transformed.generator ? state !== 'new' : state === 'evaluated';
    const hasStars = transformed.imports.some((entry) => entry.kind === 'star');
    let known: Set<string> | undefined;
    if (ran) known = new Set(Object.keys(Object(dependency.module.exports)));
    else if (transformed.esmSyntax && !hasStars) known = new Set(transformed.exports);
    if (!known) return;
    // A barrel over CommonJS that runs again in this load: its names are known only once that has run.
    if (hasStars && this.starsStillToRun(dependency, this.sessionOf(importer))) return;
    const strict = transformed.esmSyntax;
    const before = dependency.record.current?.module.exports;
    for (const name of names) {
      if (name === '*' || (name === 'default' && !strict)) continue;
      const required = strict || (before !== undefined && before !== null && name in Object(before));
      if (required && !known.has(name) && !(ran && name in Object(dependency.module.exports)) && !this.typeOnly(dependency, name)) {
        throw new ReloadStepError(importer.id, 'link', say.missingExport(importer.id, name, dependency.id));
      }
    }
  }

  /** Whether a module `version` re-exports everything of (or one of those does) is CommonJS `session` has yet to run. */
  private starsStillToRun(version: ModuleVersion, session: LoadSession | undefined, seen = new Set<ModuleVersion>()): boolean {
    if (!session || seen.has(version)) return false;
    seen.add(version);
    return this.reexportTargetsOf(version).some((record) => {
      const candidate = session.versions.get(record.id);
      if (candidate && !candidate.transformed.generator && candidate.evaluation.state !== 'evaluated') return true;
      const reached = candidate ?? record.current;
      return reached !== undefined && this.starsStillToRun(reached, session, seen);
    });
  }

  /**
   * Whether `name` is a type of `version`'s module, or of one it re-exports everything of: tsc erases an import of
   * a type, so an importer naming it reads undefined, never a link error.
   */
  private typeOnly(version: ModuleVersion, name: string, seen = new Set<ModuleVersion>()): boolean {
    if (seen.has(version)) return false;
    seen.add(version);
    if (version.transformed.typeNames?.includes(name)) return true;
    return this.reexportTargetsOf(version, name).some((record) => {
      const reached = this.sessionOf(version)?.versions.get(record.id) ?? record.current;
      return reached !== undefined && this.typeOnly(reached, name, seen);
    });
  }

  /**
   * The app records `version` re-exports everything of (`export * from`) and, given `name`, those it re-exports
   * that name of (`export { name } from`).
   */
  reexportTargetsOf(version: ModuleVersion, name?: string): ModuleRecord[] {
    const targets = this.links.get(version) ?? [];
    return version.transformed.imports.flatMap((entry, index) => {
      const target = targets[index];
      const reexported = entry.kind === 'star' || (name !== undefined && entry.kind === 'reexport' && entry.names.includes(name));
      return reexported && target?.kind === 'app' ? [target.record] : [];
    });
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

/** Where a package an app file imports is resolved from: the app file, but the compiler's helpers come with the runtime. */
function packageParent(specifier: string, importerFile: string): string {
  return isRuntimeHelper(specifier) ? runtimeFile : importerFile;
}

function isTypeScript(file: string): boolean {
  return /\.[mc]?tsx?$/.test(file);
}
