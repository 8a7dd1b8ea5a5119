// The calls running in one module version, and the gate its exported async functions wait at while a
// stateful module is suspended for its swap. The rewritten code of the version's async functions keeps the
// count itself, in the fewest characters a call can pay: `n++` on entry, `x()` once its promise settles, and
// while the gate `g` is shut, `d(key, this, args)` instead of running. Those four names are the generated
// code's protocol with this class (transform/rewrite.ts writes them); the runtime reads the rest.
export class CallCounter {
  /** Calls running now. Written by generated code (`n++`); read `inFlight`. */
  n = 0;
  /** Shut while the version is suspended. Read by generated code; set through `suspend`/`resume`. */
  g = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deferCall: (key: string, self: unknown, args: ArrayLike<unknown>) => Promise<unknown>) {}

  /** Generated code: a call settled. */
  x(): void {
    if (--this.n === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Generated code: a call of exported async function `key` arrived while the gate was shut. */
  d(key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown> {
    return this.deferCall(key, self, args);
  }

  get inFlight(): number {
    return this.n;
  }

  /** Counts a call the generated code cannot see (a request, a lifecycle listener, a mailbox handler). */
  enter(): void {
    this.n++;
  }

  /** Ends a call counted with `enter`. */
  exit(): void {
    this.x();
  }

  /** Shuts the gate: calls of the exported async functions wait (see `d`) until `resume`. */
  suspend(): void {
    this.g = true;
  }

  resume(): void {
    this.g = false;
  }

  /** Resolves once nothing runs in the version. */
  whenIdle(): Promise<void> {
    if (this.n <= 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
