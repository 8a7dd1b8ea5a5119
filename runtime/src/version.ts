// One loaded version of one module: its exports, the calls running in it, and everything it registered
// through `import.meta.hot` (owned resources, dispose callbacks, state, mailbox handlers, accept/decline).
import { types } from 'node:util';
import { HandleTracker } from './handles';

export type VersionStatus = 'candidate' | 'live' | 'retiring' | 'retired' | 'dropped';

export interface StateHandler {
  version: number;
  save(): unknown;
  restore(saved: unknown, fromVersion: number): void;
}

export type MailboxHandler = (message: unknown) => unknown;

export class ModuleVersion {
  status: VersionStatus = 'candidate';
  /** `module.exports` once the module's code has run. */
  exports: unknown = undefined;
  /** Transformed from an ES module: its export list is fixed, so a missing name is a link error. */
  esm = false;
  /** Calls running in this version (async ones until they settle). */
  inFlight = 0;
  readonly disposers: Array<(data: Record<string, unknown>) => unknown> = [];
  /** Closed in reverse order when the version retires, unless a newer version took them over. */
  readonly owned: object[] = [];
  state: StateHandler | undefined;
  /** By creation order: the n-th `hot.mailbox()` call of every version feeds the same mailbox. */
  readonly mailboxHandlers: MailboxHandler[] = [];
  selfAccepts = false;
  readonly selfAcceptCallbacks: Array<(module: unknown) => void> = [];
  /** Imports this version accepts, by module id, with their callbacks. */
  readonly acceptedDeps = new Map<string, Array<(module: unknown) => void>>();
  declines = false;
  /** Module ids this version required. */
  readonly imports = new Set<string>();
  /** Names this version's ESM imports need from each module id. */
  readonly importedNames = new Map<string, Set<string>>();
  readonly handles = new HandleTracker();
  /** Set while the module's code runs; `hot.state`, `hot.mailbox` and friends are only valid then. */
  initialising = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly file: string,
    readonly number: number,
    readonly scriptName: string,
  ) {}

  get stateful(): boolean {
    return this.state !== undefined || this.mailboxHandlers.length > 0;
  }

  /** Runs a call into this version, counting it until it returns, or until its promise settles. */
  run<T>(call: () => T): T {
    this.inFlight++;
    let result: T;
    try {
      result = call();
    } catch (error) {
      this.exit();
      throw error;
    }
    if (types.isPromise(result)) {
      const exit = () => this.exit();
      (result as Promise<unknown>).then(exit, exit);
    } else {
      this.exit();
    }
    return result;
  }

  /** Resolves once no call is running in this version. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private exit(): void {
    if (--this.inFlight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
