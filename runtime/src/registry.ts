// The runtime's own module registry: one record per app module (its facade, live version, retiring
// versions, hot.data and mailboxes), the loader glue between them, and the graph the loads trace.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { LifecycleEvent } from '../../src-shared/control-protocol';
import { ReloadStepError, say } from './errors';
import type { LifecycleBus } from './events';
import { createFacade, type FacadeHost } from './facade';
import { moduleScope } from './handles';
import { createHot, type HotHost } from './hot-api';
import { evaluate } from './loader';
import { Mailbox } from './mailbox';
import type { Resolver } from './resolver';
import { scriptNameOf } from './stack-traces';
import { transformSync, type Transformed, type TsconfigRaw } from './transform';
import { ModuleVersion } from './version';

/** What a file looked like when its live version was loaded. */
export interface SourceStamp {
  mtimeMs: number;
  size: number;
  hash: string;
}

/**
 * A module's source and its stamp. The file is stat'ed before it is read: a save landing between the two then
 * looks like a change (and the hash settles it), where the other order would record the new time against the
 * old text and miss that save for good.
 */
export function readSource(file: string): StampedSource {
  const stat = fs.statSync(file);
  return stamped(stat, fs.readFileSync(file, 'utf8'));
}

export interface StampedSource {
  text: string;
  stamp: SourceStamp;
}

function stamped(stat: fs.Stats, text: string): StampedSource {
  return { text, stamp: { mtimeMs: stat.mtimeMs, size: stat.size, hash: contentHash(text) } };
}

/** The hash a stamp keeps: of the text as the loader read it (UTF-8), so a comparison reads it the same way. */
export function contentHash(text: string): string {
  return crypto.createHash('sha1').update(text).digest('hex');
}

export class ModuleRecord implements FacadeHost {
  current: ModuleVersion | undefined;
  readonly retiring = new Set<ModuleVersion>();
  readonly data: Record<string, unknown> = {};
  readonly mailboxes: Mailbox[] = [];
  stamp: SourceStamp | undefined;
  suspended = false;
  private facadeObject: object | undefined;
  facadeKind: 'function' | 'object' | undefined;

  constructor(
    readonly id: string,
    readonly file: string,
    private readonly registry: Registry,
  ) {}

  live(): ModuleVersion {
    const version = this.registry.view?.get(this.id) ?? this.current;
    if (!version) throw new Error(`${this.id} is not loaded`);
    return version;
  }

  defer<T>(call: () => T): Promise<Awaited<T>> {
    return this.registry.defer(call);
  }

  get facade(): object {
    if (!this.facadeObject) {
      const exports = this.live().exports;
      this.facadeKind = typeof exports === 'function' ? 'function' : 'object';
      this.facadeObject = createFacade(this, exports);
    }
    return this.facadeObject;
  }
}

export interface RegistryOptions {
  project: string;
  /** Absolute: only modules inside it can be reloaded. */
  root: string;
  resolver: Resolver;
  tsconfigRaw: TsconfigRaw | undefined;
  initTimeoutMs: number;
  bus: LifecycleBus;
  onMailboxError(version: ModuleVersion, error: unknown): void;
  onInvalidate(id: string, message: string | undefined): void;
}

/** The versions a reload is preparing, visible to each other (and only to each other) while their code runs. */
export interface Preparation {
  versions: Map<string, ModuleVersion>;
  /** Records first loaded by this reload (a new import); they go away if it rolls back. */
  added: ModuleRecord[];
  transforms: Map<string, Transformed>;
  /** Milliseconds compiling and running, summed. */
  compileMs: number;
  runMs: number;
}

export class Registry implements HotHost {
  readonly records = new Map<string, ModuleRecord>();
  /** Set while a reload runs candidate code: facades of the modules it reloads resolve to the candidates. */
  view: Map<string, ModuleVersion> | undefined;
  private preparation: Preparation | undefined;
  private waiting: Array<() => void> | undefined;
  /** Calls that waited for a swap, since the last `resumeAll`. */
  deferredCount = 0;

  constructor(readonly options: RegistryOptions) {}

  idOf(file: string): string {
    return path.relative(this.options.project, file).split(path.sep).join('/');
  }

  fileOf(id: string): string {
    return path.join(this.options.project, ...id.split('/'));
  }

  /** Loads the entry and everything it imports: the first version of each module. */
  loadEntry(file: string): ModuleRecord {
    const record = this.recordFor(file);
    this.loadVersion(record);
    return record;
  }

  /** Runs the candidates of one reload, callees first; a cycle's members see each other's candidates. */
  prepare(preparation: Preparation, units: string[][]): void {
    this.preparation = preparation;
    this.view = preparation.versions;
    try {
      for (const unit of units) {
        const versions = unit.map((id) => this.createVersion(this.records.get(id)!));
        versions.forEach((version) => preparation.versions.set(version.id, version));
        for (const version of versions) this.runVersion(this.records.get(version.id)!, version, preparation.transforms.get(version.file)!);
      }
    } finally {
      this.preparation = undefined;
      this.view = undefined;
    }
  }

  // HotHost ------------------------------------------------------------------------------------------

  dataOf(id: string): Record<string, unknown> {
    return this.records.get(id)?.data ?? {};
  }

  idOfSpecifier(specifier: string, file: string): string | undefined {
    const resolved = this.options.resolver.resolve(specifier, file);
    return resolved.kind === 'app' ? this.idOf(resolved.file) : undefined;
  }

  mailbox(version: ModuleVersion, index: number): Mailbox {
    const record = this.records.get(version.id)!;
    let mailbox = record.mailboxes[index];
    if (!mailbox) {
      mailbox = new Mailbox(version.id, index, this.options.onMailboxError);
      record.mailboxes[index] = mailbox;
    }
    // A first version's handler takes messages at once; a candidate's only when its reload commits.
    if (version.number === 1 && !this.preparation) mailbox.bind(version, version.mailboxHandlers[index]!);
    return mailbox;
  }

  on(version: ModuleVersion, event: LifecycleEvent, callback: (payload: unknown) => unknown): void {
    this.options.bus.add(version, event, callback);
  }

  invalidate(id: string, message: string | undefined): void {
    this.options.onInvalidate(id, message);
  }

  // Suspension ----------------------------------------------------------------------------------------

  defer<T>(call: () => T): Promise<Awaited<T>> {
    this.deferredCount++;
    return new Promise((resolve, reject) => {
      (this.waiting ??= []).push(() => {
        try {
          resolve(call() as Awaited<T>);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  suspend(records: ModuleRecord[]): void {
    this.deferredCount = 0;
    for (const record of records) {
      record.suspended = true;
      for (const mailbox of record.mailboxes) mailbox.pause();
    }
  }

  /** Ends a swap: waiting calls run, in arrival order, on whatever version is live now. */
  resume(records: ModuleRecord[]): number {
    let queued = this.deferredCount;
    for (const record of records) {
      record.suspended = false;
      for (const mailbox of record.mailboxes) {
        queued += mailbox.postedWhilePaused;
        mailbox.resume();
      }
    }
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    this.deferredCount = 0;
    for (const run of waiting) run();
    return queued;
  }

  // Loading -------------------------------------------------------------------------------------------

  private recordFor(file: string): ModuleRecord {
    const id = this.idOf(file);
    let record = this.records.get(id);
    if (!record) {
      record = new ModuleRecord(id, file, this);
      this.records.set(id, record);
    }
    return record;
  }

  private createVersion(record: ModuleRecord): ModuleVersion {
    const number = (record.current?.number ?? 0) + 1;
    return new ModuleVersion(record.id, record.file, number, scriptNameOf(record.file, number));
  }

  /**
   * Loads a record that has no version yet: at start, or a module a reload's new code imports first (the
   * reload's own transforms are all of modules that already have a version).
   */
  private loadVersion(record: ModuleRecord): ModuleVersion {
    const version = this.createVersion(record);
    const preparation = this.preparation;
    if (preparation) {
      preparation.versions.set(record.id, version);
      preparation.added.push(record);
    } else {
      record.current = version;
    }
    try {
      const { text, stamp } = readSource(record.file);
      this.runVersion(record, version, transformSync(record.file, text, record.id, this.options.tsconfigRaw));
      // A new record's stamp is its own either way: if the reload that added it rolls back, it goes too.
      record.stamp = stamp;
      if (!preparation) version.status = 'live';
      return version;
    } catch (error) {
      if (!preparation) this.records.delete(record.id);
      throw error;
    }
  }

  private runVersion(record: ModuleRecord, version: ModuleVersion, transformed: Transformed): void {
    version.esm = transformed.esm;
    const scope = moduleScope(version.handles);
    const nodeRequire = createRequire(record.file);
    const require = (specifier: string): unknown => this.require(version, transformed, scope, nodeRequire, specifier);
    Object.assign(require, {
      resolve: (specifier: string, options?: { paths?: string[] }) => {
        const resolved = this.options.resolver.resolve(specifier, record.file);
        return resolved.kind === 'app' ? resolved.file : nodeRequire.resolve(specifier, options);
      },
      cache: nodeRequire.cache,
      main: nodeRequire.main,
    });
    const hot = createHot(version, this);
    const timing = evaluate(version, transformed, { require, hot, scope }, this.options.initTimeoutMs);
    if (this.preparation) {
      this.preparation.compileMs += timing.compileMs;
      this.preparation.runMs += timing.runMs;
    }
    const kind = typeof version.exports === 'function' ? 'function' : 'object';
    if (record.facadeKind && record.facadeKind !== kind) {
      throw new ReloadStepError(record.id, 'evaluate', say.exportsKindChanged(record.id, `a ${record.facadeKind}`, `a ${kind}`));
    }
  }

  private require(version: ModuleVersion, transformed: Transformed, scope: ReturnType<typeof moduleScope>, nodeRequire: NodeJS.Require, specifier: string): unknown {
    const resolved = this.options.resolver.resolve(specifier, version.file);
    if (resolved.kind === 'builtin') return scope.builtin(resolved.name);
    if (resolved.kind === 'external') return nodeRequire(specifier);
    const record = this.recordFor(resolved.file);
    version.imports.add(record.id);
    const names = transformed.importedNames.get(specifier);
    if (names) version.importedNames.set(record.id, names);
    if (!record.current && !this.view?.has(record.id)) this.loadVersion(record);
    return record.facade;
  }
}
