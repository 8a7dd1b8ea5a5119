// What one module version registered through `import.meta.hot`: dispose callbacks, the resources it owns,
// its state handler, its mailbox handlers, and what it accepts or declines. The API writes it while the
// version runs; reloads read it (the plan, the swap, retirement).

export interface StateHandler {
  version: number;
  save(): unknown;
  restore(saved: unknown, fromVersion: number): void;
}

export type MailboxHandler = (message: unknown) => unknown;

export type AcceptCallback = (module: unknown) => void;

export class HotRegistrations {
  readonly disposers: Array<(data: Record<string, unknown>) => unknown> = [];
  /** Closed in reverse order when the version retires, unless a newer version took them over. */
  readonly owned: object[] = [];
  stateHandler: StateHandler | undefined;
  /** By creation order: the n-th `hot.mailbox()` call of every version feeds the same mailbox. */
  readonly mailboxHandlers: MailboxHandler[] = [];
  selfAccepts = false;
  readonly selfAcceptCallbacks: AcceptCallback[] = [];
  /** Imports this version accepts, by module id, with their callbacks. */
  readonly acceptedDeps = new Map<string, AcceptCallback[]>();
  declines = false;

  /** A stateful version is suspended for its swap: it keeps state through `hot.state` or takes messages. */
  get stateful(): boolean {
    return this.stateHandler !== undefined || this.mailboxHandlers.length > 0;
  }

  own(resource: object): void {
    if (!this.owned.includes(resource)) this.owned.push(resource);
  }

  /** Stops owning `resource` (a newer version owns it now); whether it was owned. */
  disown(resource: object): boolean {
    const index = this.owned.indexOf(resource);
    if (index < 0) return false;
    this.owned.splice(index, 1);
    return true;
  }
}
