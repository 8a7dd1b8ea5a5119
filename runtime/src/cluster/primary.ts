// The primary of `reloadable run --workers N`: a thin node:cluster primary that runs no app code. It owns the
// listening sockets (node:cluster's round-robin hands connections to the workers), the control endpoint and the
// cluster's committed code, and forks N workers that each run the runtime (participant.ts).
//
// A reload is one transaction across every worker, all or nothing. The primary reads the changed files once
// and ships the same text to every worker; each loads and initialises its new versions while its old ones serve,
// and votes. All prepared: every worker commits; one failed, went silent or died: every worker rolls back, and
// the result names that worker. A second vote at the end of the settle window: a fault of the new code in one
// worker then rolls back all. A worker that dies is started again on the committed code (never on what the disk
// holds after a rolled-back edit); one that ends a transaction unlike the others is replaced the same way.
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  AppInfo,
  ClusterParticipant,
  ReloadFailure,
  ReloadPhase,
  ReloadRequest,
  ReloadResult,
  RuntimeEvent,
  StatusRequest,
} from '../../../src-shared/control-protocol';
import { messageOf, say } from '../errors';
import type { Logger } from '../logger';
import { original } from '../originals';
import { emptyResult, roundMs } from '../reload/result';
import { isEnvelope, workerVariable, type Answer, type Envelope, type Question, type Sources, type ToPrimary, type ToWorker } from './protocol';

export interface PrimaryOptions {
  project: string;
  entry: string;
  workers: number;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  logger: Logger;
  version?: string;
  /** What the workers run: the CLI's script and its arguments (`run <entry> …`). */
  exec: string;
  args: string[];
}

interface Member {
  worker: Worker;
  id: number;
  pid: number;
  epoch: number;
  state: 'starting' | 'live' | 'reloading';
}

/** One worker's side of a transaction, as the primary has heard it. */
interface Side {
  member: Member;
  prepared?: boolean;
  committedAt?: number;
  settled?: boolean;
  result?: ReloadResult;
  /** Why it stopped taking part: it exited, or did not answer and was stopped. */
  gone?: string;
}

/** How many results `history()` keeps. */
const historySize = 50;
/** Past the timeouts a worker itself keeps, how long the primary waits for its answer before it stops it. */
const graceMs = 1000;

export class ClusterPrimary {
  readonly info: AppInfo;
  private readonly members = new Map<number, Member>();
  /** The cluster's committed code: every file a committed reload shipped, by absolute path. */
  private readonly snapshot = new Map<string, string | null>();
  private epoch = 0;
  private nextId = 1;
  private nextQuestion = 1;
  private readonly questions = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void; member: Member }>();
  private readonly results: ReloadResult[] = [];
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  /** Fires whenever a worker says something or exits: what transactions wait on. */
  private readonly heard = new EventEmitter();
  private round: Side[] | undefined;
  /** Transactions and (re)starts of workers, one at a time: a worker never starts half-way through a transaction. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private stopping = false;
  /** Files the app asked to reload, for the transaction that waits to run them. */
  private readonly requested = new Set<string>();
  private restarts = 0;

  private constructor(private readonly options: PrimaryOptions) {
    this.info = {
      pid: process.pid,
      project: options.project,
      entry: path.relative(options.project, options.entry).split(path.sep).join('/'),
      startedAt: new Date().toISOString(),
      runtime: options.version ?? '0.0.0',
    };
    this.heard.setMaxListeners(0);
    cluster.setupPrimary({ exec: options.exec, args: options.args });
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
  }

  /** Forks the workers and waits until each runs the app; throws (after stopping them) when one cannot start. */
  static async start(options: PrimaryOptions): Promise<ClusterPrimary> {
    const primary = new ClusterPrimary(options);
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => primary.fork()));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      await primary.close();
      throw failed.reason;
    }
    return primary;
  }

  get started(): boolean {
    return true;
  }

  get moduleCount(): number {
    return 0;
  }

  get exitReason(): string | undefined {
    return undefined;
  }

  get workerCount(): number {
    return this.members.size;
  }

  /** One transaction across every worker; requests wait for the one running. */
  reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    if (params.dryRun) return this.dryRun(params);
    return this.serialised(() => this.transact(params));
  }

  history(): ReloadResult[] {
    return [...this.results];
  }

  async status(): Promise<StatusRequest.Result> {
    // The modules as one worker has them; another's when that one exits before it answers.
    let base: Omit<StatusRequest.Result, 'app' | 'busy'> = { layers: [], modules: [], edges: [], cycles: [], faults: [], state: 'running' };
    for (const member of this.live()) {
      try {
        base = (await this.ask(member, { kind: 'status' })) as StatusRequest.Result;
        break;
      } catch {
        continue;
      }
    }
    const workers = [...this.members.values()].map((each) => ({ worker: each.id, pid: each.pid, epoch: each.epoch, state: each.state }));
    const lastResult = this.results.at(-1);
    return {
      ...base,
      app: this.info,
      busy: this.round !== undefined,
      ...(lastResult ? { lastResult } : {}),
      cluster: { epoch: this.epoch, workers },
    };
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every worker (each retires its modules) and waits for them, up to the drain timeout. */
  async close(): Promise<void> {
    this.stopping = true;
    const exits = [...this.members.values()].map(
      (member) =>
        new Promise<void>((resolve) => {
          if (member.worker.isDead()) return resolve();
          member.worker.once('exit', () => resolve());
          member.worker.process.kill('SIGTERM');
          original.setTimeout(() => member.worker.process.kill('SIGKILL'), (this.options.drainTimeoutMs ?? 5000) + graceMs).unref();
        }),
    );
    await Promise.all(exits);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  private live(): Member[] {
    return [...this.members.values()].filter((member) => member.state !== 'starting').sort((a, b) => a.id - b.id);
  }

  /** Forks one worker, hands it the committed code and waits until its app runs. */
  private fork(): Promise<Member> {
    const worker = cluster.fork({ [workerVariable]: '1' });
    const member: Member = { worker, id: worker.id, pid: worker.process.pid ?? 0, epoch: this.epoch, state: 'starting' };
    this.members.set(worker.id, member);
    return new Promise<Member>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(say.workerStartFailed(member.id, `it exited (${signal ?? `code ${code}`}) before the app ran`)));
      worker.once('exit', onExit);
      worker.on('message', (message: unknown) => {
        if (!isEnvelope<ToPrimary>(message)) return;
        const said = message.reloadable;
        if (said.type === 'hello') {
          member.epoch = this.epoch;
          this.send(member, { type: 'snapshot', epoch: this.epoch, sources: [...this.snapshot] });
        } else if (said.type === 'started') {
          worker.off('exit', onExit);
          member.state = 'live';
          resolve(member);
        } else if (said.type === 'start-failed') {
          worker.off('exit', onExit);
          reject(new Error(say.workerStartFailed(member.id, said.error.message)));
        } else this.hear(member, said);
      });
    });
  }

  private hear(member: Member, said: ToPrimary): void {
    if (said.type === 'answer') {
      const question = this.questions.get(said.id);
      this.questions.delete(said.id);
      if (said.error !== undefined) question?.reject(new Error(said.error));
      else question?.resolve(said.value!);
    } else if (said.type === 'reload-request') {
      // Every worker asks alike: the files join one waiting transaction.
      const queued = this.requested.size > 0;
      for (const file of said.files) this.requested.add(file);
      if (!queued)
        void this.serialised(() => {
          const files = [...this.requested];
          this.requested.clear();
          return this.transact({ files });
        });
    } else if (said.type === 'event') {
      // Faults and leaks from every worker; what every worker says alike (lifecycle), from the first one.
      if (said.event.type === 'lifecycle' && member !== this.live()[0]) return;
      this.emit(said.event);
    } else {
      const side = this.round?.find((each) => each.member === member);
      if (!side || !('tx' in said)) return;
      if (said.type === 'prepared') side.prepared = true;
      else if (said.type === 'committed') side.committedAt = said.at;
      else if (said.type === 'settled') side.settled = true;
      else if (said.type === 'result') side.result = said.result;
      this.heard.emit('news');
    }
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const member = this.members.get(worker.id);
    if (!member) return;
    this.members.delete(worker.id);
    for (const [id, question] of this.questions)
      if (question.member === member) {
        this.questions.delete(id);
        question.reject(new Error(`worker ${member.id} exited`));
      }
    const side = this.round?.find((each) => each.member === member);
    if (side && !side.result) side.gone ??= `${signal ?? `code ${code}`}`;
    this.heard.emit('news');
    if (this.stopping || member.state === 'starting') return;
    this.options.logger.warn(`worker ${member.id} (pid ${member.pid}) exited (${signal ?? `code ${code}`}): starting another on the cluster's code`);
    this.respawn();
  }

  /** Starts a worker in place of one that exited, after the transaction under way; one that cannot start is tried again, less and less often. */
  private respawn(): void {
    const delay = this.restarts === 0 ? 0 : Math.min(5000, 100 * 2 ** Math.min(this.restarts, 6));
    this.restarts++;
    original.setTimeout(() => {
      if (this.stopping) return;
      void this.serialised(() => this.fork()).then(
        () => (this.restarts = 0),
        (error: unknown) => {
          this.options.logger.error(messageOf(error));
          this.respawn();
        },
      );
    }, delay);
  }

  /** Waits until `done` holds or `ms` passed; true when it held. */
  private until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        finish(true);
      };
      const timer = original.setTimeout(() => finish(done()), ms);
      const finish = (held: boolean) => {
        clearTimeout(timer);
        this.heard.off('news', check);
        resolve(held);
      };
      this.heard.on('news', check);
    });
  }

  private async transact(params: ReloadRequest.Params): Promise<ReloadResult> {
    const id = this.nextId++;
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const members = this.live();
    if (members.length === 0) return this.finish(this.refused(id, say.noWorkers()));
    let files: string[];
    try {
      files = params.files
        ? params.files.map((file) => path.resolve(this.options.project, file))
        : ((await this.ask(members[0]!, { kind: 'changed' })) as string[]);
    } catch (error) {
      return this.finish(this.refused(id, messageOf(error)));
    }
    // Read once, the same text for every worker: none can catch a file half-saved where another did not.
    const sources: Sources = files.map((file) => [file, readOrNull(file)]);
    this.emit({ type: 'reload-started', id, changed: files.map((file) => this.idOf(file)) });
    const sides: Side[] = members.map((member) => ({ member }));
    this.round = sides;
    for (const side of sides) {
      side.member.state = 'reloading';
      this.send(side.member, { type: 'reload', tx: id, sources });
    }
    const { initTimeoutMs = 10_000, drainTimeoutMs = 5000, settleMs = 200 } = this.options;

    // Vote 1: every worker prepared (its new versions loaded and initialised, its stateful modules drained)?
    // A failure known early ends the vote early: the workers still loading roll back at once.
    await this.awaitSides(
      sides,
      (side) => side.prepared === true,
      initTimeoutMs + drainTimeoutMs + graceMs,
      () => this.failureOf(sides, 'prepare') !== undefined,
    );
    let failure = this.failureOf(sides, 'prepare');
    const noChange = sides.every((side) => side.result?.outcome === 'no-change');
    if (!noChange) {
      this.decide(sides, id, 'prepared', failure);
      if (!failure) {
        // Vote 2: every worker's settle window passed without a fault of the new code?
        await this.awaitSides(sides, (side) => side.settled === true, settleMs + initTimeoutMs + graceMs);
        failure = this.failureOf(sides, 'settle');
        this.decide(sides, id, 'settled', failure);
      }
    }
    // Each worker answers once its old versions retired (or its candidates were dropped).
    await this.awaitSides(sides, () => false, drainTimeoutMs + settleMs + initTimeoutMs + graceMs);
    const outcome = noChange ? 'no-change' : failure ? 'rolled-back' : 'committed';
    if (outcome === 'committed') {
      this.epoch++;
      for (const [file, text] of sources) this.snapshot.set(file, text);
    }
    const warnings: string[] = [];
    for (const side of sides) {
      if (side.gone || !side.result || side.result.outcome === outcome) continue;
      // A fault while it waited for the decision: it rolled back alone. It is replaced on the cluster's code.
      warnings.push(say.workerReplaced(side.member.id, side.result.outcome));
      side.member.worker.process.kill('SIGKILL');
    }
    for (const side of sides)
      if (!side.gone) {
        side.member.state = 'live';
        side.member.epoch = this.epoch;
      }
    this.round = undefined;
    return this.finish(combine({ id, startedAt, started, sides, outcome, failure, epoch: this.epoch, warnings }));
  }

  /** Waits until every side did `step`, has its result or is gone; a side still silent then is stopped. */
  private async awaitSides(sides: Side[], step: (side: Side) => boolean, ms: number, enough = () => false): Promise<void> {
    const answered = (side: Side) => step(side) || side.result !== undefined || side.gone !== undefined;
    if (await this.until(() => sides.every(answered) || enough(), ms)) return;
    for (const side of sides)
      if (!answered(side)) {
        side.gone = `silent:${ms}`;
        side.member.worker.process.kill('SIGKILL');
      }
  }

  /** The failure that rolls every worker back, if any: a worker's own, its exit, its silence, or workers that differ. */
  private failureOf(sides: Side[], step: 'prepare' | 'settle'): ReloadFailure | undefined {
    const during = step === 'prepare' ? 'while it loaded the new versions' : 'while the new versions settled';
    for (const side of sides) {
      const worker = side.member.id;
      if (side.gone?.startsWith('silent:'))
        return { module: null, phase: step === 'prepare' ? 'init' : 'settle', message: say.workerSilent(worker, Number(side.gone.slice(7))) };
      if (side.gone) return { module: null, phase: step === 'prepare' ? 'init' : 'settle', message: say.workerGone(worker, side.gone, during) };
      const error = side.result?.outcome === 'rolled-back' ? side.result.error : undefined;
      if (error) return { ...error, message: say.workerFailed(worker, error.message) };
    }
    const differing = sides.filter((side) => side.result?.outcome === 'no-change').map((side) => side.member.id);
    if (differing.length > 0) return { module: null, phase: 'plan', message: say.workersDiffer(differing) };
    return undefined;
  }

  private decide(sides: Side[], tx: number, step: 'prepared' | 'settled', failure: ReloadFailure | undefined): void {
    for (const side of sides) {
      if (side.gone || side.result) continue;
      this.send(side.member, { type: 'decision', tx, step, go: failure === undefined, ...(failure ? { error: failure } : {}) });
    }
  }

  private async dryRun(params: ReloadRequest.Params): Promise<ReloadResult> {
    const member = this.live()[0];
    if (!member) return this.refused(0, say.noWorkers());
    return (await this.ask(member, { kind: 'dry-run', params })) as ReloadResult;
  }

  private ask(member: Member, question: Question): Promise<Answer> {
    const id = this.nextQuestion++;
    return new Promise<Answer>((resolve, reject) => {
      this.questions.set(id, { resolve, reject, member });
      this.send(member, { type: 'ask', id, question });
    });
  }

  private send(member: Member, message: ToWorker): void {
    if (member.worker.isConnected()) member.worker.send({ reloadable: message } satisfies Envelope<ToWorker>);
  }

  private refused(id: number, message: string): ReloadResult {
    const result = emptyResult(id, 'rolled-back', [], []);
    result.error = { module: null, phase: 'plan', message };
    return result;
  }

  private finish(result: ReloadResult): ReloadResult {
    this.results.push(result);
    if (this.results.length > historySize) this.results.shift();
    this.emit({ type: 'reload-finished', result });
    const { logger } = this.options;
    const workers = result.cluster ? ` on ${result.cluster.participants.length} workers, epoch ${result.cluster.epoch}` : '';
    if (result.outcome === 'committed') logger.info(`reload #${result.id} committed${workers}: ${result.loadOrder.join(' → ')}`);
    else if (result.outcome === 'rolled-back')
      logger.error(`reload #${result.id} rolled back${workers} (${result.error?.phase}): ${result.error?.message}`);
    for (const warning of result.warnings) logger.warn(warning);
    return result;
  }

  private idOf(file: string): string {
    return path.relative(this.options.project, file).split(path.sep).join('/');
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.warn(`an event subscriber threw: ${messageOf(error)}`);
      }
    }
  }
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

interface Outcome {
  id: number;
  startedAt: string;
  started: number;
  sides: Side[];
  outcome: ReloadResult['outcome'];
  failure: ReloadFailure | undefined;
  epoch: number;
  warnings: string[];
}

/** The workers' results as one: the slowest worker's phase times, every worker's warnings and leaks, each participant's part. */
function combine({ id, startedAt, started, sides, outcome, failure, epoch, warnings }: Outcome): ReloadResult {
  const results = sides.map((side) => side.result).filter((result): result is ReloadResult => result !== undefined);
  const base = results.find((result) => result.outcome === outcome) ?? results[0] ?? emptyResult(id, outcome, [], []);
  const phases: Partial<Record<ReloadPhase, number>> = {};
  for (const result of results)
    for (const [phase, ms] of Object.entries(result.phases) as Array<[ReloadPhase, number]>) phases[phase] = Math.max(phases[phase] ?? 0, ms);
  const participants: ClusterParticipant[] = sides.map((side) => ({
    worker: side.member.id,
    pid: side.member.pid,
    outcome: side.gone || !side.result ? 'gone' : side.result.outcome,
    phases: side.result?.phases ?? {},
    ...(side.result?.error ? { error: side.result.error } : {}),
  }));
  const commits = sides.map((side) => side.committedAt).filter((at): at is number => at !== undefined);
  const serving = results.map((result) => result.servingAfterMs).filter((ms): ms is number => ms !== undefined);
  const combined: ReloadResult = {
    ...base,
    id,
    outcome,
    startedAt,
    durationMs: roundMs(performance.now() - started),
    phases,
    drained: results.reduce((sum, result) => sum + result.drained, 0),
    queued: results.reduce((sum, result) => sum + result.queued, 0),
    forced: results.reduce((sum, result) => sum + result.forced, 0),
    warnings: [...new Set([...warnings, ...results.flatMap((result) => result.warnings)])],
    leaks: results.flatMap((result) => result.leaks),
    cluster: {
      epoch,
      ...(outcome === 'committed' && commits.length > 0 ? { commitSpreadMs: roundMs(Math.max(...commits) - Math.min(...commits)) } : {}),
      participants,
    },
  };
  delete combined.error;
  delete combined.servingAfterMs;
  if (failure) combined.error = failure;
  if (outcome === 'committed' && serving.length > 0) combined.servingAfterMs = Math.max(...serving);
  return combined;
}
