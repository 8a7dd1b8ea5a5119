// The primary of `reloadable run --workers N`: a thin node:cluster primary that runs no app code. It owns the
// listening sockets (node:cluster's round-robin hands connections to the workers), the control endpoint and,
// through its coordinator (coordinator.ts), the cluster's committed code and its reloads. It forks N workers that
// each run the runtime (participant.ts), and starts a worker that died again on the committed code.
import cluster, { type Worker } from 'node:cluster';
import * as path from 'node:path';
import type { AppInfo, ReloadRequest, ReloadResult, RuntimeEvent, StatusRequest } from '../../../src-shared/control-protocol';
import { messageOf } from '../errors';
import type { Logger } from '../logger';
import { original } from '../originals';
import { ClusterCoordinator, type Member } from './coordinator';
import { workerVariable } from './protocol';

export interface PrimaryOptions {
  project: string;
  entry: string;
  workers: number;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  barrier?: 'hold' | 'none';
  logger: Logger;
  version?: string;
  /** What the workers run: the CLI's script and its arguments (`run <entry> …`). */
  exec: string;
  args: string[];
}

/** How long a worker may take to end after SIGTERM (its modules retire) before it is killed. */
const stopGraceMs = 1000;

export class ClusterPrimary {
  readonly info: AppInfo;
  readonly coordinator: ClusterCoordinator;
  private readonly byWorker = new Map<Worker, Member>();
  private stopping = false;
  private restarts = 0;

  private constructor(private readonly options: PrimaryOptions) {
    this.info = {
      pid: process.pid,
      project: options.project,
      entry: path.relative(options.project, options.entry).split(path.sep).join('/'),
      startedAt: new Date().toISOString(),
      runtime: options.version ?? '0.0.0',
    };
    this.coordinator = new ClusterCoordinator(options);
    cluster.setupPrimary({ exec: options.exec, args: options.args });
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
  }

  /** Forks the workers and waits until each runs the app; throws (after stopping them) when one cannot start. */
  static async start(options: PrimaryOptions): Promise<ClusterPrimary> {
    const primary = new ClusterPrimary(options);
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => primary.fork()));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      // Each worker said why; the primary says which stopped the start, and stops the others.
      options.logger.error(messageOf(failed.reason));
      await primary.close();
      throw failed.reason;
    }
    await primary.coordinator.captureRunningCode();
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

  reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    return this.coordinator.reload(params);
  }

  history(): ReloadResult[] {
    return this.coordinator.history();
  }

  async status(): Promise<StatusRequest.Result> {
    const { coordinator } = this;
    const base = (await coordinator.memberStatus()) ?? { layers: [], modules: [], edges: [], cycles: [], faults: [], state: 'running' as const };
    const lastResult = coordinator.lastResult;
    return {
      ...base,
      app: this.info,
      busy: coordinator.busy,
      ...(lastResult ? { lastResult } : {}),
      cluster: { epoch: coordinator.epoch, workers: coordinator.workers() },
    };
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.coordinator.subscribe(listener);
  }

  /** Stops every worker (each retires its modules) and waits for them, up to the drain timeout. */
  async close(): Promise<void> {
    this.stopping = true;
    const exits = [...this.byWorker.keys()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
          original.setTimeout(() => worker.process.kill('SIGKILL'), (this.options.drainTimeoutMs ?? 5000) + stopGraceMs).unref();
        }),
    );
    await Promise.all(exits);
  }

  /** Forks one worker; resolves once it runs the app on the cluster's committed code. */
  private fork(): Promise<void> {
    const worker = cluster.fork({ [workerVariable]: '1' });
    const { member, joined } = this.coordinator.join(worker);
    this.byWorker.set(worker, member);
    return joined;
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const member = this.byWorker.get(worker);
    if (!member) return;
    this.byWorker.delete(worker);
    const how = signal ?? `code ${code}`;
    const wasRunning = member.state !== 'starting';
    this.coordinator.leave(member, how);
    if (this.stopping || !wasRunning) return;
    this.options.logger.warn(`worker ${member.id} (pid ${member.pid}) exited (${how}): starting another on the cluster's code`);
    this.respawn();
  }

  /** Starts a worker in place of one that exited; one that cannot start is tried again, less and less often. */
  private respawn(): void {
    const delay = this.restarts === 0 ? 0 : Math.min(5000, 100 * 2 ** Math.min(this.restarts, 6));
    this.restarts++;
    original.setTimeout(() => {
      if (this.stopping) return;
      this.fork().then(
        () => (this.restarts = 0),
        (error: unknown) => {
          this.options.logger.error(messageOf(error));
          this.respawn();
        },
      );
    }, delay);
  }
}
