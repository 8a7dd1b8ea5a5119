// A worker of `reloadable run --workers N`: today's runtime, started on the cluster's committed code and driven
// by the primary. It opens no control endpoint and watches no files; each reload comes from the primary with
// the sources it read once for every worker, and runs as a transaction that asks the primary before its point
// of no return (all prepared: commit) and at the end of its settle window (all settled: retire).
import { ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import { sourceOverlay } from '../modules/sources';
import { original } from '../originals';
import type { Coordinator } from '../reload/transaction';
import { Runtime } from '../runtime';
import { isEnvelope, type Envelope, type Question, type Sources, type ToPrimary, type ToWorker } from './protocol';
import type { ReloadFailure, ReloadResult } from '../../../src-shared/control-protocol';

export interface ParticipantOptions {
  project: string;
  entry: string;
  config: import('../../../src-shared/config').ReloadableConfig;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  exitOnError?: boolean;
  logger: Logger;
  version?: string;
}

type Decision = Extract<ToWorker, { type: 'decision' }>;

export async function runParticipant(options: ParticipantOptions): Promise<void> {
  const send = (message: ToPrimary) => {
    if (process.connected) process.send!({ reloadable: message } satisfies Envelope<ToPrimary>);
  };
  const decisions = new Map<string, (decision: Decision) => void>();
  const early = new Map<string, Decision>();
  let runtime: Runtime | undefined;
  let snapshot: ((message: Extract<ToWorker, { type: 'snapshot' }>) => void) | undefined;
  // Reloads run one after the other, in the order the primary sent them.
  let reloads = Promise.resolve();

  const receive = (message: ToWorker) => {
    switch (message.type) {
      case 'snapshot':
        snapshot?.(message);
        break;
      case 'reload':
        reloads = reloads.then(() => reload(message.tx, message.sources));
        break;
      case 'decision': {
        // A decision may come before this worker asked for it (another worker failed first): it is kept.
        const key = `${message.tx}:${message.step}`;
        const waiting = decisions.get(key);
        if (waiting) waiting(message);
        else {
          early.set(key, message);
          // Still loading while another worker failed: this worker's reload rolls back now, not once it is loaded.
          if (!message.go) runtime?.failReload(failureError(message.error));
        }
        break;
      }
      case 'ask':
        void answer(message.id, message.question);
        break;
    }
  };
  process.on('message', (message: unknown) => {
    if (isEnvelope<ToWorker>(message)) receive(message.reloadable);
  });
  // The primary is gone (node:cluster ends its workers with it): this worker stops its app and ends too.
  process.once('disconnect', () => void stop(0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) original.processOnce(signal, () => void stop(signal === 'SIGINT' ? 130 : 143));

  let stopping = false;
  async function stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    await runtime?.close().catch(() => undefined);
    original.exit(code);
  }

  /** The primary's answer at one step of a transaction; a rejection carries the failure of the worker that failed. */
  const decision = (tx: number, step: Decision['step']) =>
    new Promise<void>((resolve, reject) => {
      const key = `${tx}:${step}`;
      const decided = (message: Decision) => {
        decisions.delete(key);
        if (message.go) resolve();
        else reject(failureError(message.error));
      };
      const known = early.get(key);
      early.delete(key);
      if (known) decided(known);
      else decisions.set(key, decided);
    });

  async function reload(tx: number, sources: Sources): Promise<void> {
    if (!runtime) return;
    const before = new Map(sources.map(([file]) => [file, sourceOverlay.get(file)]));
    ship(sources);
    const coordinator: Coordinator = {
      prepared: () => {
        send({ type: 'prepared', tx });
        return decision(tx, 'prepared');
      },
      committed: () => send({ type: 'committed', tx, at: performance.timeOrigin + performance.now() }),
      settled: () => {
        send({ type: 'settled', tx });
        return decision(tx, 'settled');
      },
    };
    let result: ReloadResult;
    try {
      result = await runtime.reload({ files: sources.map(([file]) => file) }, coordinator);
    } finally {
      for (const step of ['prepared', 'settled']) {
        decisions.delete(`${tx}:${step}`);
        early.delete(`${tx}:${step}`);
      }
    }
    // Not committed here: later loads (a module first imported later) read the code that runs, not the rejected one.
    if (result.outcome !== 'committed')
      for (const [file, text] of before) {
        if (text === undefined) sourceOverlay.delete(file);
        else sourceOverlay.set(file, text);
      }
    send({ type: 'result', tx, result });
  }

  async function answer(id: number, question: Question): Promise<void> {
    try {
      if (!runtime) throw new Error('the app has not started in this worker yet');
      const value =
        question.kind === 'status'
          ? runtime.status()
          : question.kind === 'changed'
            ? runtime.changedModules().map((module) => runtime!.registry.fileOf(module))
            : await runtime.reload({ ...question.params, dryRun: true });
      send({ type: 'answer', id, value });
    } catch (error) {
      send({ type: 'answer', id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  // The committed code first: a worker started again after a rolled-back edit must not load what is on disk.
  const start = await new Promise<Extract<ToWorker, { type: 'snapshot' }>>((resolve) => {
    snapshot = resolve;
    send({ type: 'hello' });
  });
  ship(start.sources);
  let started: Runtime;
  try {
    started = await Runtime.start({
      project: options.project,
      entry: options.entry,
      config: options.config,
      logger: options.logger,
      exitOnError: options.exitOnError === true,
      ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
      ...(options.initTimeoutMs !== undefined ? { initTimeoutMs: options.initTimeoutMs } : {}),
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      ...(options.version ? { version: options.version } : {}),
      requestReload: (files) => send({ type: 'reload-request', files }),
    });
  } catch (error) {
    const failure: ReloadFailure =
      error instanceof ReloadStepError
        ? { module: error.module, phase: error.phase, message: error.message, ...error.location }
        : { module: null, phase: 'init', message: error instanceof Error ? error.message : String(error) };
    // Said before the worker ends: the primary tells the user why.
    process.send!({ reloadable: { type: 'start-failed', error: failure } } satisfies Envelope<ToPrimary>, () => original.exit(1));
    return;
  }
  runtime = started;
  started.subscribe((event) => {
    if (event.type !== 'reload-started' && event.type !== 'reload-finished' && event.type !== 'phase') send({ type: 'event', event });
  });
  send({ type: 'started', info: started.info });
}

/** Puts shipped sources in place of the files they stand for. */
function ship(sources: Sources): void {
  for (const [file, text] of sources) {
    if (text === null) sourceOverlay.delete(file);
    else sourceOverlay.set(file, text);
  }
}

function failureError(failure: ReloadFailure | undefined): ReloadStepError {
  if (!failure) return new ReloadStepError(null, 'commit', say.clusterAborted());
  const location =
    failure.file !== undefined && failure.line !== undefined ? { file: failure.file, line: failure.line, column: failure.column ?? 1 } : undefined;
  return new ReloadStepError(failure.module, failure.phase, failure.message, location);
}
