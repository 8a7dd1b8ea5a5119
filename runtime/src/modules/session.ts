// One load: the start, a reload (whose versions stay candidates, seen only by each other's code, until the
// transaction commits them), or a module first required or imported while the app runs (a lazy load).
import type { Transformed } from '../transform';
import type { ModuleRecord, ModuleVersion } from './module';
import type { StampedSource } from './sources';

export class LoadSession {
  /** The versions this load made, by module id. */
  readonly versions = new Map<string, ModuleVersion>();
  /** Records first made by this load: they go if it is dropped. */
  readonly added: ModuleRecord[] = [];
  readonly sources = new Map<string, StampedSource>();
  readonly transforms = new Map<string, Transformed>();
  /** Package loads the linked ES modules wait for. */
  readonly pending: Array<Promise<void>> = [];
  #active = true;

  constructor(
    /** Module ids that get a new version even though they have one. */
    readonly plan: ReadonlySet<string>,
    /** New versions go live at once (the start, a lazy load): there is nothing older to protect. */
    readonly immediate: boolean,
    /** How long a module's code may run as it loads (its top-level awaits included); none: as long as it takes. */
    readonly timeoutMs?: number,
  ) {}

  /** Whether the load is still being prepared: its versions' code sees each other. */
  get active(): boolean {
    return this.#active;
  }

  /** A version this load made: its code sees the load's other versions while the load is prepared. */
  add(version: ModuleVersion): void {
    this.versions.set(version.id, version);
    version.peers = this.versions;
  }

  /** The load is over (committed, dropped or started): its versions see the live graph from now on. */
  end(): void {
    this.#active = false;
    for (const version of this.versions.values()) version.peers = undefined;
  }
}
