// One app module across its versions: the live version, the versions still retiring, `hot.data`, mailboxes,
// and the namespace importers hold. The namespace is the same object for the module's whole life; its getters
// read the export from the version the reader should see (the live one, or, for code a reload is preparing,
// that reload's candidate), so every value keeps its identity and a read made at call time sees the newest.
import { appContext } from '../context';
import type { Mailbox } from '../mailbox';
import type { ModuleFormat } from '../transform';
import type { ModuleVersion } from './version';

/** What a file looked like when its live version was loaded. */
export interface SourceStamp {
  mtimeMs: number;
  size: number;
  hash: string;
}

/** The versions a load (the start, or one reload) is preparing, visible to each other's code only. */
export interface Session {
  readonly versions: Map<string, ModuleVersion>;
  /** Cleared when the session commits or is dropped: its versions are then live or gone. */
  active: boolean;
}

/** Calls `bind` for each module that shares a file with a namespace importers of packages hold (ESM shims). */
export type ShimBinder = (values: Record<string, unknown>) => void;

export class ModuleRecord {
  current: ModuleVersion | undefined;
  readonly retiring = new Set<ModuleVersion>();
  readonly data: Record<string, unknown> = {};
  readonly mailboxes: Mailbox[] = [];
  stamp: SourceStamp | undefined;
  /** The order the module first evaluated in, across the app: ties in reload order follow it, as Node's would. */
  evaluationIndex = Number.MAX_SAFE_INTEGER;
  /** Loaded by a package (an `import()` or `require()` Node made): kept while the app runs. */
  loadedByPackage = false;
  /** The ES module shims Node holds for this file, to be told of each new version's values. */
  readonly binders = new Set<ShimBinder>();
  /** The live namespace: the one object importers hold. */
  readonly namespace: Record<string, unknown>;
  private readonly names = new Set<string>();

  constructor(
    readonly id: string,
    readonly file: string,
    public format: ModuleFormat,
  ) {
    this.namespace = Object.create(null);
    Object.defineProperty(this.namespace, '__esModule', { value: true });
    Object.defineProperty(this.namespace, Symbol.toStringTag, { value: 'Module' });
  }

  /** The version the running code sees, noting that a loading version consumed this module. */
  seenBy(): ModuleVersion | undefined {
    const context = appContext.getStore();
    if (context === undefined) return this.current;
    const reader = context.version;
    if (context.loading && reader.record !== this) reader.consumed.add(this.id);
    const session = reader.session;
    return (session?.active && session.versions.get(this.id)) || this.current;
  }

  /** Makes the namespace answer for each of `names` (a new version may export more). */
  expose(names: Iterable<string>): void {
    for (const name of names) {
      if (this.names.has(name) || name === '__esModule') continue;
      this.names.add(name);
      const record = this;
      Object.defineProperty(this.namespace, name, {
        enumerable: true,
        configurable: true,
        get() {
          const version = record.seenBy();
          return version === undefined ? undefined : version.module.exports[name];
        },
      });
    }
  }

  /** Keeps exactly the names the live version exports (after a commit or a rollback). */
  settleNames(): void {
    const exported = new Set(this.current ? Object.keys(this.current.module.exports) : []);
    for (const name of this.names) {
      if (exported.has(name)) continue;
      this.names.delete(name);
      delete this.namespace[name];
    }
    this.expose(exported);
  }
}
