// Starting the app: the entry and everything it imports load in one session whose versions go live at once.
// A start that fails leaves nothing behind (what its code started is stopped) and says why; the next reload
// is then a new start.
import type { ReloadFailure, ReloadResult } from '../../../src-shared/control-protocol';
import { messageOf, ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import { appContext, type ModuleRecord, type ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import { LoadSession } from '../modules/session';
import { WatchedLoad } from '../modules/watched-load';
import { evaluationOrder, liveOrder } from './plan';
import { emptyResult, roundMs } from './result';

/** How long the loading a start set going is watched: an app still starting after it keeps the async context on. */
const startWatchMs = 60_000;

export class AppStart {
  private error: ReloadFailure | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly entryFile: string,
    private readonly logger: Logger,
    /** Stops what a version of a failed start started. */
    private readonly dispose: (version: ModuleVersion) => Promise<void>,
    /** How long the start may take; none by default: a process starting is not a reload. */
    private readonly timeoutMs?: number,
  ) {}

  get started(): boolean {
    return this.error === undefined;
  }

  /** Why the last start failed, while the app waits for a fix. */
  get failure(): ReloadFailure | undefined {
    return this.error;
  }

  get entry(): ModuleRecord | undefined {
    return this.registry.records.ofFile(this.entryFile);
  }

  /** Loads the entry's graph; returns what stopped it. */
  async load(): Promise<unknown> {
    const entry = this.registry.recordFor(this.entryFile);
    const session = new LoadSession(new Set(), true, this.timeoutMs);
    const watched = new WatchedLoad((version) => session.versions.get(version.id) === version);
    process.argv[1] = this.entryFile;
    try {
      await appContext.exit(() => this.registry.load(session, [entry], (loaded) => evaluationOrder(this.registry, loaded.versions, entry)));
      this.error = undefined;
      // What the top level started (an un-awaited bootstrap, a framework's boot) is the start's too, until it ends.
      watched.endWhenIdle(startWatchMs);
      return undefined;
    } catch (error) {
      watched.end();
      this.registry.drop(session);
      for (const version of session.versions.values()) void this.dispose(version);
      this.error = {
        module: error instanceof ReloadStepError ? error.module : null,
        phase: error instanceof ReloadStepError ? error.phase : 'init',
        message: messageOf(error),
      };
      this.logger.error(
        say.cannotStart(messageOf(error), error instanceof ReloadStepError && error.cause instanceof Error ? error.cause.stack : undefined),
      );
      return error;
    } finally {
      session.end();
    }
  }

  /** The app failed to start: a reload is a new start. */
  async restart(id: number): Promise<ReloadResult> {
    const started = performance.now();
    for (const record of [...this.registry.records.values()]) if (!record.current) this.registry.records.delete(record.id);
    const error = await this.load();
    const entryId = this.registry.idOf(this.entryFile);
    const result = emptyResult(id, error ? 'rolled-back' : 'committed', [entryId], []);
    if (error) result.error = this.error!;
    result.loadOrder = error ? [] : liveOrder(this.registry, this.entry).map((version) => version.id);
    for (const versionId of result.loadOrder) result.versions[versionId] = this.registry.records.get(versionId)!.current!.number;
    result.durationMs = roundMs(performance.now() - started);
    if (!error) result.servingAfterMs = result.durationMs;
    return result;
  }
}
