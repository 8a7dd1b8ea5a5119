// One process's part in a cluster's reloads: a runtime driven by the coordinator (coordinator.ts). Each reload
// comes with the sources the coordinator read once for every process, and runs as a transaction that asks the
// coordinator before its point of no return (all prepared: commit) and at the end of its settle window (all
// settled: retire). A worker of `reloadable run --workers N` (and one an app forks itself under the runtime)
// runs `runParticipant`: started on the cluster's committed code, it opens no control endpoint and watches no
// files. The app's own primary takes part in process, through the same class.
import cluster from 'node:cluster';
import type { ReloadFailure, ReloadResult } from '../../../src-shared/control-protocol';
import type { ReloadableConfig } from '../../../src-shared/config';
import { ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import { diskReads, sourceOverlay } from '../modules/sources';
import { onStopSignals, original } from '../originals';
import { errorOf } from '../reload/result';
import type { Coordinator } from '../reload/transaction';
import { Runtime, timeoutsOf } from '../runtime';
import { listen, post, workerVariable, type Barrier, type Question, type Sources, type ToPrimary, type ToWorker } from './protocol';

type Decision = Extract<ToWorker, { type: 'decision' }>;

/** Answers the coordinator's messages with a runtime: reloads, decisions, questions. */
export class Participant {
  private readonly decisions = new Map<string, (decision: Decision) => void>();
  /** Decisions that came before this process asked for them (another process failed first). */
  private readonly early = new Map<string, Decision>();
  /** Reloads run one after the other, in the order the coordinator sent them. */
  private reloads = Promise.resolve();
  runtime: Runtime | undefined;
  /** Files first read from disk during the reload under way: let go again if it rolls back. */
  private pinned: Set<string> | undefined;

  constructor(private readonly send: (message: ToPrimary) => void) {}

  /**
   * Keeps the text of every module this process reads from disk, as it ran it: a later load of the module (an
   * importer run again) uses the same text in every process, and the coordinator can ask what runs.
   */
  pinDiskReads(): void {
    diskReads.listener = (file, text) => {
      if (sourceOverlay.has(file)) return;
      sourceOverlay.set(file, text);
      this.pinned?.add(file);
    };
  }

  receive(message: ToWorker): void {
    switch (message.type) {
      case 'snapshot':
        break;
      case 'reload':
        this.reloads = this.reloads
          .then(() => this.reload(message.tx, message.sources, message.barrier))
          .catch((error: unknown) =>
            this.send({
              type: 'event',
              event: { type: 'log', level: 'error', message: `a reload failed here: ${error instanceof Error ? error.message : String(error)}` },
            }),
          );
        break;
      case 'decision': {
        const key = `${message.tx}:${message.step}`;
        const waiting = this.decisions.get(key);
        // Rolled back: requests held at the barrier go on to the old code, which still serves.
        if (!message.go) this.runtime?.releaseRequests();
        if (waiting) waiting(message);
        else {
          this.early.set(key, message);
          // Still loading while another process failed: this reload rolls back now, not once it is loaded.
          if (!message.go) this.runtime?.failReload(failureError(message.error));
        }
        break;
      }
      case 'ask':
        void this.answer(message.id, message.question);
        break;
    }
  }

  /** The coordinator's answer at one step of a transaction; a rejection carries the failure of the process that failed. */
  private decision(tx: number, step: Decision['step']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${tx}:${step}`;
      const decided = (message: Decision) => {
        this.decisions.delete(key);
        if (message.go) resolve();
        else reject(failureError(message.error));
      };
      const known = this.early.get(key);
      this.early.delete(key);
      if (known) decided(known);
      else this.decisions.set(key, decided);
    });
  }

  private async reload(tx: number, sources: Sources, barrier: Barrier | undefined): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    const before = new Map(sources.map(([file]) => [file, sourceOverlay.get(file)]));
    this.pinned = new Set();
    ship(sources);
    const coordinator: Coordinator = {
      prepared: () => {
        // From this vote to the commit, no new request starts here: none can start on the old code after
        // another process started one on the new.
        if (barrier) runtime.holdRequests(barrier.maxMs);
        this.send({ type: 'prepared', tx });
        return this.decision(tx, 'prepared');
      },
      committed: () => {
        const at = performance.timeOrigin + performance.now();
        this.send({ type: 'committed', tx, at, held: runtime.releaseRequests() });
      },
      settled: () => {
        this.send({ type: 'settled', tx });
        return this.decision(tx, 'settled');
      },
    };
    let result: ReloadResult;
    try {
      result = await runtime.reload({ files: sources.map(([file]) => file) }, coordinator);
    } finally {
      runtime.releaseRequests();
      for (const step of ['prepared', 'settled']) {
        this.decisions.delete(`${tx}:${step}`);
        this.early.delete(`${tx}:${step}`);
      }
    }
    // Not committed here: later loads (a module first imported later) read the code that runs, not the rejected one.
    if (result.outcome !== 'committed') {
      ship([...before].map(([file, text]) => [file, text ?? null]));
      for (const file of this.pinned) sourceOverlay.delete(file);
    }
    this.pinned = undefined;
    this.send({ type: 'result', tx, result });
  }

  private async answer(id: number, question: Question): Promise<void> {
    try {
      const runtime = this.runtime;
      if (!runtime) throw new Error('the app has not started here yet');
      const value =
        question.kind === 'status'
          ? runtime.status()
          : question.kind === 'changed'
            ? runtime.changedFiles()
            : question.kind === 'modules'
              ? await runtime.liveSources()
              : question.kind === 'texts'
                ? question.files.map((file): [string, string | null] => [file, sourceOverlay.get(file) ?? null])
                : await runtime.reload({ ...question.params, dryRun: true });
      this.send({ type: 'answer', id, value });
    } catch (error) {
      this.send({ type: 'answer', id, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Whether this process is a worker a cluster's coordinator forked: it runs the app as a participant. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[workerVariable] === '1';
}

export interface ParticipantOptions {
  project: string;
  entry: string;
  config: ReloadableConfig;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  exitOnError?: boolean;
  logger: Logger;
  version?: string;
}

/** Runs the app in a cluster worker: on the committed code its coordinator hands over, reloaded when it says. */
export async function runParticipant(options: ParticipantOptions): Promise<void> {
  const send = (message: ToPrimary) => post(process, message);
  const participant = new Participant(send);
  participant.pinDiskReads();
  let snapshot: ((message: Extract<ToWorker, { type: 'snapshot' }>) => void) | undefined;
  listen<ToWorker>(process, (message) => {
    if (message.type === 'snapshot') snapshot?.(message);
    else participant.receive(message);
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await participant.runtime?.close().catch(() => undefined);
    original.exit(code);
  };
  // The coordinator is gone (node:cluster ends its workers with it): this worker stops its app and ends too.
  process.once('disconnect', () => void stop(0));
  onStopSignals((exitCode) => void stop(exitCode));

  // The committed code first: a worker started again after a rolled-back edit must not load what is on disk.
  const start = await new Promise<Extract<ToWorker, { type: 'snapshot' }>>((resolve) => {
    snapshot = resolve;
    send({ type: 'hello' });
  });
  ship(start.sources);
  let runtime: Runtime;
  try {
    runtime = await Runtime.start({
      project: options.project,
      entry: options.entry,
      config: options.config,
      logger: options.logger,
      exitOnError: options.exitOnError === true,
      ...timeoutsOf(options),
      ...(options.version ? { version: options.version } : {}),
      requestReload: (files) => send({ type: 'reload-request', files }),
    });
  } catch (error) {
    // Said before the worker ends: the coordinator tells the user why.
    post<ToPrimary>(process, { type: 'start-failed', error: startFailure(error) }, () => original.exit(1));
    return;
  }
  participant.runtime = runtime;
  forwardEvents(runtime, send);
  send({ type: 'started', info: runtime.info });
}

/** What a participant's runtime reports that the coordinator passes on (its reloads are the coordinator's to report). */
export function forwardEvents(runtime: Runtime, send: (message: ToPrimary) => void): void {
  runtime.subscribe((event) => {
    if (event.type !== 'reload-started' && event.type !== 'reload-finished' && event.type !== 'phase') send({ type: 'event', event });
  });
}

function startFailure(error: unknown): ReloadFailure {
  return error instanceof ReloadStepError
    ? { module: error.module, phase: error.phase, message: error.message, ...error.location }
    : { module: null, phase: 'init', message: error instanceof Error ? error.message : String(error) };
}

/** Puts shipped sources in place of the files they stand for. */
function ship(sources: Sources): void {
  for (const [file, text] of sources) {
    if (text === null) sourceOverlay.delete(file);
    else sourceOverlay.set(file, text);
  }
}

/** Another process's failure, as the error that rolls this process's side back. */
function failureError(failure: ReloadFailure | undefined): ReloadStepError {
  return failure ? errorOf(failure) : new ReloadStepError(null, 'commit', say.clusterAborted());
}
