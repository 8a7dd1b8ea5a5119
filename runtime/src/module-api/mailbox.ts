// `import.meta.hot.mailbox(handler)`: a queue whose messages are handled one at a time, in order, by the
// live version's handler. During a swap the queue pauses; the message being handled finishes on the old
// version (it counts as a call in flight), and the rest go to the new version once it is committed.
import type { MailboxHandler } from './registrations';

/** Whose handler a mailbox runs: a module version, whose `call` counts the message as a call in flight. */
export interface MailboxOwner {
  readonly id: string;
  call<T>(call: () => T): T;
}

export class Mailbox {
  /** What app code holds: the same object across every version of the module. */
  readonly port: { post(message: unknown): void };
  private readonly queue: unknown[] = [];
  private handler: MailboxHandler | undefined;
  private owner: MailboxOwner | undefined;
  private paused = false;
  private pumping = false;
  /** Messages posted while paused, since the last `resume`. */
  postedWhilePaused = 0;

  constructor(
    readonly module: string,
    readonly index: number,
    private readonly onError: (owner: MailboxOwner, error: unknown) => void,
  ) {
    this.port = Object.freeze({ post: (message: unknown) => this.post(message) });
  }

  get waiting(): number {
    return this.queue.length;
  }

  get hasHandler(): boolean {
    return this.handler !== undefined;
  }

  bind(owner: MailboxOwner, handler: MailboxHandler): void {
    this.owner = owner;
    this.handler = handler;
    this.schedule();
  }

  unbind(owner: MailboxOwner): void {
    if (this.owner !== owner) return;
    this.owner = undefined;
    this.handler = undefined;
  }

  post(message: unknown): void {
    this.queue.push(message);
    if (this.paused) this.postedWhilePaused++;
    this.schedule();
  }

  pause(): void {
    this.paused = true;
    this.postedWhilePaused = 0;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.pumping || this.paused || !this.handler || this.queue.length === 0) return;
    this.pumping = true;
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    while (!this.paused && this.handler && this.owner && this.queue.length > 0) {
      const owner = this.owner;
      const handler = this.handler;
      const message = this.queue.shift();
      try {
        await owner.call(() => handler(message));
      } catch (error) {
        this.onError(owner, error);
      }
    }
    this.pumping = false;
  }
}
