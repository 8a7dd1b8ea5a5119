// A load the runtime watches until everything that runs on from its top levels has finished: an un-awaited
// bootstrap, a framework's boot. Meanwhile the async context is on, so that work is known as the load's (what it
// reads, what it starts, whose fault it is). Once the loading is idle the context goes off again: an app that
// serves pays nothing for it. Loading that never settles (an endless loop started at load) keeps the context on,
// and is watched no longer after a while.
import { original } from '../originals';
import { LoadingWatch } from './loading-watch';
import { openAsyncContext, type ModuleVersion } from './module';

export class WatchedLoad {
  readonly watch: LoadingWatch;
  private readonly closeContext: () => void;
  private ended = false;

  constructor(
    /** The versions whose loading this is. */
    owns: (version: ModuleVersion) => boolean,
  ) {
    this.closeContext = openAsyncContext();
    this.watch = new LoadingWatch(owns);
  }

  /** Ends once the loading is idle; past `capMs` it is watched no longer and the context stays on. */
  endWhenIdle(capMs: number): void {
    if (this.ended) return;
    const idle = this.watch.whenIdle();
    const cap = original.setTimeout(() => {
      idle.cancel();
      this.watch.stop();
    }, capMs);
    cap.unref();
    void idle.promise.then(() => {
      clearTimeout(cap);
      this.end();
    });
  }

  /** Ends now: the load failed or was dropped, and what it started was stopped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.watch.stop();
    this.closeContext();
  }
}
