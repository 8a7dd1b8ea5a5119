// One reload across several processes, all or nothing: the coordinator of a cluster. It keeps the cluster's
// committed code (every file a committed reload shipped) and its epoch (committed reloads), and runs each reload
// as a transaction across its members: node:cluster workers (`reloadable run --workers N`, or the workers an app
// forks itself under the runtime) and, for an app that forks its own, the app's primary in process.
//
// The coordinator reads the changed files once and ships the same text to every member: none can catch a file
// half-saved where another did not. Each member loads and initialises its new versions while its old ones serve,
// and votes. All prepared: every member commits. One failed, went silent or died: every member rolls back, and
// the result names it. A second vote at the end of the settle window: a fault of the new code in one member then
// rolls every member back. A member that ends a transaction unlike the others (a fault while it waited for the
// decision) is replaced on the committed code; one that joins waits for the transaction under way to end, then
// starts on the committed code, never on what the disk holds after a rolled-back edit.
import type { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  ClusterParticipant,
  ClusterWorker,
  ReloadFailure,
  ReloadPhase,
  ReloadRequest,
  ReloadResult,
  RuntimeEvent,
  StatusRequest,
} from '../../../src-shared/control-protocol';
import { messageOf, ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import { original } from '../originals';
import { emptyResult, errorOf, roundMs } from '../reload/result';
import { closeUntakenOnExit } from './handoffs';
import { listen, post, type Answer, type Question, type Sources, type ToPrimary, type ToWorker } from './protocol';

/** A process taking part in the cluster's reloads. */
export interface Member {
  /** node:cluster's worker id; 0 for the coordinator's own process (an app's primary). */
  id: number;
  pid: number;
  /** The epoch whose code it runs. */
  epoch: number;
  state: ClusterWorker['state'];
  send(message: ToWorker): void;
  /** Stops it at once; it is started again (by its primary) on the cluster's code. Absent for the coordinator's own process. */
  kill?: () => void;
}

/** One member's side of a transaction, as the coordinator has heard it. */
interface Side {
  member: Member;
  prepared?: boolean;
  committedAt?: number;
  /** Requests its barrier held until its commit. */
  held?: number;
  settled?: boolean;
  result?: ReloadResult;
  /** Why it stopped taking part: it exited, or did not answer and was stopped. */
  gone?: string;
}

export interface CoordinatorOptions {
  project: string;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  /** `hold`: the hold barrier (protocol.ts); no new request starts on the old code after one started on the new. */
  barrier?: 'hold' | 'none';
  /** How long the barrier may hold a request. @default 1000 */
  holdMaxMs?: number;
  logger: Logger;
}

/** How many results `history()` keeps. */
const historySize = 50;
/** Past the timeouts a member itself keeps, how long the coordinator waits for its answer before it stops it. */
const graceMs = 1000;

export class ClusterCoordinator {
  readonly members = new Map<number, Member>();
  /** The cluster's committed code: every file a committed reload shipped, by absolute path. */
  private readonly snapshot = new Map<string, string | null>();
  epoch = 0;
  private nextId = 1;
  private nextQuestion = 1;
  private readonly questions = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void; member: Member }>();
  private readonly joining = new Map<Member, { resolve: () => void; reject: (error: Error) => void; promise: Promise<void> }>();
  private readonly results: ReloadResult[] = [];
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  /** Fires whenever a member says something or leaves: what transactions wait on. */
  private readonly heard = new EventEmitter();
  private round: Side[] | undefined;
  private roundId = 0;
  /** Transactions and members joining, one at a time: a member never starts half-way through a transaction. */
  private exclusive: Promise<unknown> = Promise.resolve();
  /** Files the app asked to reload, for the transaction that waits to run them. */
  private readonly requested = new Set<string>();

  constructor(private readonly options: CoordinatorOptions) {
    this.heard.setMaxListeners(0);
  }

  get busy(): boolean {
    return this.round !== undefined;
  }

  /** Members that run the app, in id order. */
  live(): Member[] {
    return [...this.members.values()].filter((member) => member.state !== 'starting').sort((a, b) => a.id - b.id);
  }

  /** Runs `work` when the transaction under way (and the members joining before it) are done. */
  serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /**
   * Takes in a node:cluster worker just forked: its messages go to `hear`, and it can be stopped. Returns the
   * member and the promise of `add`.
   */
  join(worker: Worker): { member: Member; joined: Promise<void> } {
    const member: Member = {
      id: worker.id,
      pid: worker.process.pid ?? 0,
      epoch: this.epoch,
      state: 'starting',
      send: (message: ToWorker) => post(worker.process, message),
      kill: () => worker.process.kill('SIGKILL'),
    };
    listen<ToPrimary>(worker.process, (message) => this.hear(member, message));
    closeUntakenOnExit(worker);
    return { member, joined: this.add(member) };
  }

  /**
   * Takes a member in. It says hello once it can load; it then gets the committed code, after the transaction
   * under way if any, and the promise resolves once its app runs (rejects when it cannot start, or leaves).
   */
  add(member: Member): Promise<void> {
    this.members.set(member.id, member);
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.joining.set(member, { ...settle, promise });
    return promise;
  }

  /** A member exited (`how`: its signal or exit code). */
  leave(member: Member, how: string): void {
    if (!this.members.has(member.id) || this.members.get(member.id) !== member) return;
    this.members.delete(member.id);
    this.joining.get(member)?.reject(new ReloadStepError(null, 'init', say.workerStartFailed(member.id, `it exited (${how}) before the app ran`)));
    this.joining.delete(member);
    for (const [id, question] of this.questions)
      if (question.member === member) {
        this.questions.delete(id);
        question.reject(new Error(`worker ${member.id} exited`));
      }
    const side = this.round?.find((each) => each.member === member);
    if (side && !side.result) side.gone ??= how;
    this.heard.emit('news');
  }

  hear(member: Member, said: ToPrimary): void {
    switch (said.type) {
      case 'hello': {
        // Started after the transaction under way, if any: its snapshot is the outcome's.
        const joined = this.joining.get(member)?.promise;
        void this.serialised(async () => {
          if (this.members.get(member.id) !== member) return;
          member.epoch = this.epoch;
          member.send({ type: 'snapshot', epoch: this.epoch, sources: [...this.snapshot] });
          // A start that takes longer holds reloads back no longer than a reload's own loading may take: a
          // reload that commits meanwhile makes this member's code outdated, and it is replaced once it runs.
          const limit = new Promise<void>((resolve) => original.setTimeout(resolve, this.options.initTimeoutMs ?? 10_000).unref());
          await Promise.race([joined?.catch(() => undefined), limit]);
        });
        break;
      }
      case 'started':
        member.state = 'live';
        this.joining.get(member)?.resolve();
        this.joining.delete(member);
        if (member.epoch !== this.epoch && member.kill) {
          this.options.logger.warn(say.workerOutdated(member.id, member.epoch, this.epoch));
          member.kill();
        }
        break;
      case 'start-failed':
        this.joining.get(member)?.reject(errorOf(said.error, say.workerStartFailed(member.id, said.error.message)));
        this.joining.delete(member);
        break;
      case 'answer': {
        const question = this.questions.get(said.id);
        this.questions.delete(said.id);
        if (said.error !== undefined) question?.reject(new Error(said.error));
        else question?.resolve(said.value!);
        break;
      }
      case 'event':
        // Faults and leaks from every member; what every member says alike (lifecycle), from the first one.
        if (said.event.type === 'lifecycle' && member !== this.live()[0]) return;
        this.emit(said.event);
        break;
      case 'reload-request': {
        // Every member asks alike: the files join one waiting transaction.
        const queued = this.requested.size > 0;
        for (const file of said.files) this.requested.add(file);
        if (!queued)
          void this.serialised(() => {
            const files = [...this.requested];
            this.requested.clear();
            return this.transact({ files });
          });
        break;
      }
      default: {
        // A late answer to a transaction that is over (its member was given up on) belongs to no round.
        if (said.tx !== this.roundId) return;
        const side = this.round?.find((each) => each.member === member);
        if (!side) return;
        if (said.type === 'prepared') side.prepared = true;
        else if (said.type === 'committed') {
          side.committedAt = said.at;
          side.held = said.held;
        } else if (said.type === 'settled') side.settled = true;
        else if (said.type === 'result') side.result = said.result;
        this.heard.emit('news');
      }
    }
  }

  /**
   * Takes the text of every module the members run into the committed code, where it is not there yet: a
   * member started again later loads what the others run, not a file edited on disk and never reloaded.
   */
  async captureRunningCode(): Promise<void> {
    await this.serialised(async () => {
      for (const member of this.live()) {
        try {
          const modules = (await this.ask(member, { kind: 'modules' })) as Array<[string, string]>;
          const missing = modules.map(([file]) => file).filter((file) => !this.snapshot.has(file));
          if (missing.length === 0) continue;
          for (const [file, text] of (await this.ask(member, { kind: 'texts', files: missing })) as Sources)
            if (text !== null) this.snapshot.set(file, text);
        } catch {
          continue;
        }
      }
    });
  }

  /** One transaction across every member; requests wait for the one running. */
  reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    if (params.dryRun) return this.dryRun(params);
    return this.serialised(() => this.transact(params));
  }

  history(): ReloadResult[] {
    return [...this.results];
  }

  get lastResult(): ReloadResult | undefined {
    return this.results.at(-1);
  }

  /** The members as `status` lists them. */
  workers(): ClusterWorker[] {
    return [...this.members.values()]
      .sort((a, b) => a.id - b.id)
      .map((each) => ({ worker: each.id, pid: each.pid, epoch: each.epoch, state: each.state }));
  }

  /** The modules as one member (of those `which` picks) has them; another's when that one leaves before it answers. */
  memberStatus(which: (member: Member) => boolean = () => true): Promise<StatusRequest.Result | undefined> {
    return this.firstAnswer({ kind: 'status' }, which) as Promise<StatusRequest.Result | undefined>;
  }

  /** Each live module's file and the hash of the source it runs, as one member has them (for a watcher). */
  liveSources(which: (member: Member) => boolean = () => true): Promise<Array<[file: string, hash: string]> | undefined> {
    return this.firstAnswer({ kind: 'modules' }, which) as Promise<Array<[string, string]> | undefined>;
  }

  /** The answer of the first live member (of those `which` picks) that answers; undefined when none does. */
  private async firstAnswer(question: Question, which: (member: Member) => boolean): Promise<Answer | undefined> {
    for (const member of this.live().filter(which)) {
      try {
        return await this.ask(member, question);
      } catch {
        continue;
      }
    }
    return undefined;
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits until `done` holds or `ms` passed; true when it held. */
  private until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (done()) finish(true);
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
      // What changed for any member: an app's primary and its workers may run different modules.
      files = params.files
        ? params.files.map((file) => path.resolve(this.options.project, file))
        : [...new Set((await Promise.all(members.map((member) => this.ask(member, { kind: 'changed' })))).flat() as string[])].sort();
    } catch (error) {
      return this.finish(this.refused(id, messageOf(error)));
    }
    // The code these files run now, where no committed reload shipped it yet: what a member started again
    // after this reload must load if it rolls back (the disk then holds the rejected edit).
    const unknown = files.filter((file) => !this.snapshot.has(file));
    for (const member of members) {
      const missing = unknown.filter((file) => !this.snapshot.has(file));
      if (missing.length === 0) break;
      const running = await this.ask(member, { kind: 'texts', files: missing }).catch(() => []);
      for (const [file, text] of running as Sources) if (text !== null) this.snapshot.set(file, text);
    }
    // Read once, the same text for every member.
    const sources: Sources = files.map((file) => [file, readOrNull(file)]);
    this.emit({ type: 'reload-started', id, changed: files.map((file) => path.relative(this.options.project, file).split(path.sep).join('/')) });
    const sides: Side[] = members.map((member) => ({ member }));
    this.round = sides;
    this.roundId = id;
    for (const side of sides) {
      side.member.state = 'reloading';
      const barrier = this.options.barrier === 'hold' ? { maxMs: this.options.holdMaxMs ?? 1000 } : undefined;
      side.member.send({ type: 'reload', tx: id, sources, ...(barrier ? { barrier } : {}) });
    }
    const { initTimeoutMs = 10_000, drainTimeoutMs = 5000, settleMs = 200 } = this.options;

    // Vote 1: every member prepared (new versions loaded and initialised, stateful modules drained)? A failure
    // known early ends the vote early: the members still loading roll back at once.
    await this.awaitSides(
      sides,
      (side) => side.prepared === true,
      initTimeoutMs + drainTimeoutMs + graceMs,
      () => failureOf(sides, 'prepare') !== undefined,
    );
    let failure = failureOf(sides, 'prepare');
    const noChange = sides.every((side) => side.result?.outcome === 'no-change');
    if (!noChange) {
      this.decide(sides, id, 'prepared', failure);
      if (!failure) {
        // Vote 2: every member's settle window passed without a fault of the new code?
        await this.awaitSides(sides, (side) => side.settled === true, settleMs + initTimeoutMs + graceMs);
        failure = failureOf(sides, 'settle');
        this.decide(sides, id, 'settled', failure);
      }
    }
    // Each member answers once its old versions retired (or its candidates were dropped).
    await this.awaitSides(sides, () => false, drainTimeoutMs + settleMs + initTimeoutMs + graceMs);
    const outcome = noChange ? 'no-change' : failure ? 'rolled-back' : 'committed';
    if (outcome === 'committed') {
      this.epoch++;
      for (const [file, text] of sources) this.snapshot.set(file, text);
    }
    const warnings: string[] = [];
    for (const side of sides) {
      if (side.gone || !side.result || side.result.outcome === outcome || side.result.outcome === 'no-change') continue;
      // A fault while it waited for the decision: it rolled back alone. It is replaced on the cluster's code.
      if (side.member.kill) {
        warnings.push(say.workerReplaced(side.member.id, side.result.outcome));
        side.member.kill();
      } else warnings.push(say.primaryDiffers(side.result.outcome));
    }
    for (const side of sides)
      if (!side.gone) {
        side.member.state = 'live';
        side.member.epoch = this.epoch;
      }
    this.round = undefined;
    return this.finish(
      combine({ id, startedAt, started, sides, outcome, failure, epoch: this.epoch, warnings, barrier: this.options.barrier === 'hold' }),
    );
  }

  /** Waits until every side did `step`, has its result or is gone; a side still silent then is stopped. */
  private async awaitSides(sides: Side[], step: (side: Side) => boolean, ms: number, enough = () => false): Promise<void> {
    const answered = (side: Side) => step(side) || side.result !== undefined || side.gone !== undefined;
    if (await this.until(() => sides.every(answered) || enough(), ms)) return;
    for (const side of sides)
      if (!answered(side)) {
        side.gone = `silent:${ms}`;
        side.member.kill?.();
      }
  }

  private decide(sides: Side[], tx: number, step: 'prepared' | 'settled', failure: ReloadFailure | undefined): void {
    for (const side of sides) {
      // A process that cannot be stopped (the app's own primary) is told even when it went silent: it rolls back.
      if (side.result || (side.gone && side.member.kill)) continue;
      side.member.send({ type: 'decision', tx, step, go: failure === undefined, ...(failure ? { error: failure } : {}) });
    }
  }

  private async dryRun(params: ReloadRequest.Params): Promise<ReloadResult> {
    const member = this.live()[0];
    if (!member) return this.refused(0, say.noWorkers());
    return (await this.ask(member, { kind: 'dry-run', params })) as ReloadResult;
  }

  /** Asks a member; one that does not answer within the init timeout (its event loop blocked) fails the question. */
  private ask(member: Member, question: Question): Promise<Answer> {
    const id = this.nextQuestion++;
    const ms = this.options.initTimeoutMs ?? 10_000;
    return new Promise<Answer>((resolve, reject) => {
      const timer = original.setTimeout(() => {
        this.questions.delete(id);
        reject(new Error(say.workerUnanswered(member.id, ms)));
      }, ms);
      timer.unref();
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          then(value);
        };
      this.questions.set(id, { resolve: settle(resolve), reject: settle(reject), member });
      member.send({ type: 'ask', id, question });
    });
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
    const on = result.cluster ? ` on ${result.cluster.participants.length} processes, epoch ${result.cluster.epoch}` : '';
    if (result.outcome === 'committed') logger.info(`reload #${result.id} committed${on}: ${result.loadOrder.join(' → ')}`);
    else if (result.outcome === 'rolled-back')
      logger.error(`reload #${result.id} rolled back${on} (${result.error?.phase}): ${result.error?.message}`);
    for (const warning of result.warnings) logger.warn(warning);
    return result;
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

/** The failure that rolls every member back, if any: a member's own, its exit, its silence, or members that differ. */
function failureOf(sides: Side[], step: 'prepare' | 'settle'): ReloadFailure | undefined {
  const during = step === 'prepare' ? 'while it loaded the new versions' : 'while the new versions settled';
  const phase = step === 'prepare' ? 'init' : 'settle';
  for (const side of sides) {
    const worker = side.member.id;
    if (side.gone?.startsWith('silent:')) return { module: null, phase, message: say.workerSilent(worker, Number(side.gone.slice(7))) };
    if (side.gone) return { module: null, phase, message: say.workerGone(worker, side.gone, during) };
    const error = side.result?.outcome === 'rolled-back' ? side.result.error : undefined;
    if (error) return { ...error, message: worker === 0 ? say.primaryFailed(error.message) : say.workerFailed(worker, error.message) };
  }
  // A member that runs none of the changed modules has nothing to do (`no-change`) and takes no part.
  return undefined;
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
  barrier: boolean;
}

/** The members' results as one: the slowest member's phase times, every member's warnings and leaks, each one's part. */
function combine({ id, startedAt, started, sides, outcome, failure, epoch, warnings, barrier }: Outcome): ReloadResult {
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
    // A member with nothing to reload says why ("not a module of the running app"): only when no member had anything.
    warnings: [
      ...new Set([
        ...warnings,
        ...results.filter((result) => outcome === 'no-change' || result.outcome !== 'no-change').flatMap((result) => result.warnings),
      ]),
    ],
    leaks: results.flatMap((result) => result.leaks),
    cluster: {
      epoch,
      ...(outcome === 'committed' && commits.length > 0 ? { commitSpreadMs: roundMs(Math.max(...commits) - Math.min(...commits)) } : {}),
      ...(barrier ? { barrier: 'hold' as const, heldAtBarrier: sides.reduce((sum, side) => sum + (side.held ?? 0), 0) } : {}),
      participants,
    },
  };
  delete combined.error;
  delete combined.servingAfterMs;
  if (failure) combined.error = failure;
  if (outcome === 'committed' && serving.length > 0) combined.servingAfterMs = Math.max(...serving);
  return combined;
}
