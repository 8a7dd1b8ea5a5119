// Workers an app forks itself (`cluster.fork()` in its primary) under `reloadable run`. Without this, such a
// worker would run the app's file with plain node (no runtime: TypeScript does not even load), and a reload of
// the primary would say "committed" while every worker served the old code. Here each forked worker runs the
// app's worker file under the runtime as a participant (participant.ts), and once one has joined, every reload
// is one transaction across the app's primary (in process) and its workers (coordinator.ts). Until the app
// forks, reloads are the runtime's own, as for any app.
import cluster, { type Worker } from 'node:cluster';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppInfo, ReloadRequest, ReloadResult, RuntimeEvent, StatusRequest } from '../../../src-shared/control-protocol';
import type { Logger } from '../logger';
import { runtimeFile } from '../location';
import type { Runtime } from '../runtime';
import { emptyResult } from '../reload/result';
import { ClusterCoordinator, type Member } from './coordinator';
import { Participant } from './participant';
import { ClusterSources } from './sources';
import type { Project } from '../modules/project';
import { isModuleFile } from '../transform';
import type { WatchedSources } from '../watch';
import { workerVariable, type ToPrimary, type ToWorker } from './protocol';

export interface AppWorkersOptions {
  project: string;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  exitOnError?: boolean;
  barrier?: 'hold' | 'none';
  logger: Logger;
}

export class AppWorkers {
  private readonly coordinator: ClusterCoordinator;
  private runtime: Runtime | undefined;
  private local: Member | undefined;
  /** Whether a worker ever joined: from then on the reloads (and their history) are the coordinator's. */
  private coordinated = false;
  /** The workers' live modules, for `--watch`. */
  private workerSources: ClusterSources | undefined;

  constructor(private readonly options: AppWorkersOptions) {
    this.coordinator = new ClusterCoordinator(options);
  }

  /**
   * Makes `cluster.fork()` start the app's worker file under the runtime, as a participant of this process's
   * reloads. Installed before the app's code runs.
   */
  install(): void {
    const fork = cluster.fork.bind(cluster);
    const cli = cliScript();
    cluster.fork = (env?: object) => {
      // What the app asked node:cluster to run (its `setupPrimary`, else this process's own file and arguments)…
      cluster.setupPrimary();
      const { exec = process.argv[1]!, args = process.argv.slice(2) } = cluster.settings;
      // …is run by the CLI in the worker, under the runtime.
      Object.assign(cluster.settings, { exec: cli, args: ['run', exec, ...this.flags(), '--', ...args] });
      let worker: Worker;
      try {
        worker = fork({ ...env, [workerVariable]: '1' });
      } finally {
        Object.assign(cluster.settings, { exec, args });
      }
      this.adopt(worker);
      return worker;
    };
  }

  /** The app's primary takes part once it runs. */
  attach(runtime: Runtime): void {
    this.runtime = runtime;
    const participant = new Participant((said: ToPrimary) => queueMicrotask(() => this.coordinator.hear(local, said)));
    participant.runtime = runtime;
    const local: Member = {
      id: 0,
      pid: process.pid,
      epoch: this.coordinator.epoch,
      state: 'live',
      send: (message: ToWorker) => queueMicrotask(() => participant.receive(message)),
    };
    this.local = local;
    this.coordinator.members.set(0, local);
  }

  get info(): AppInfo {
    return this.runtime!.info;
  }

  get exitReason(): string | undefined {
    return this.runtime?.exitReason;
  }

  /**
   * What `--watch` compares: this process's modules, and once the app has workers, theirs too (a module only
   * the workers load is watched as well). The workers' copy is taken again after each reload and each join.
   */
  watchedSources(local: WatchedSources, project: Pick<Project, 'dir' | 'settings'>): WatchedSources {
    const theirs = (this.workerSources = new ClusterSources(this.coordinator, project, (member) => member !== this.local));
    const clustered = () => this.clustered;
    return {
      // Any module file once the app has workers: the workers' copy may not have caught up with one that just joined.
      watches: (file) => local.watches(file) || (clustered() && (theirs.watches(file) || isModuleFile(file))),
      changedFiles: (files) => {
        const list = [...files];
        return [...new Set([...local.changedFiles(list), ...(clustered() ? theirs.changedFiles(list) : [])])];
      },
      lookAt: (file) => local.lookAt(file),
    };
  }

  /** Whether reloads go through the coordinator: the app has workers now. */
  private get clustered(): boolean {
    return this.local !== undefined && this.coordinator.members.size > 1;
  }

  async reload(params: ReloadRequest.Params = {}): Promise<ReloadResult> {
    // Asked for while the app is still starting (its first load is under way): nothing runs yet to reload.
    if (!this.runtime) return emptyResult(0, 'no-change', [], []);
    if (!this.clustered) return this.runtime.reload(params);
    const result = await this.coordinator.reload(params);
    await this.workerSources?.refresh();
    return result;
  }

  history(): ReloadResult[] {
    return this.coordinated ? this.coordinator.history() : this.runtime!.history();
  }

  async status(): Promise<StatusRequest.Result> {
    const status = this.runtime!.status();
    if (!this.coordinated) return status;
    // The primary's modules, and those only its workers run (as a worker has them).
    const worker = await this.coordinator.memberStatus((member) => member !== this.local);
    const known = new Set(status.modules.map((module) => module.id));
    const edges = new Set(status.edges.map((edge) => `${edge.from}\n${edge.to}`));
    const lastResult = this.coordinator.lastResult;
    return {
      ...status,
      modules: [...status.modules, ...(worker?.modules.filter((module) => !known.has(module.id)) ?? [])],
      edges: [...status.edges, ...(worker?.edges.filter((edge) => !edges.has(`${edge.from}\n${edge.to}`)) ?? [])],
      cycles: [...status.cycles, ...(worker?.cycles.filter((cycle) => !cycle.some((id) => known.has(id))) ?? [])],
      faults: [...status.faults, ...(worker?.faults ?? [])],
      busy: status.busy || this.coordinator.busy,
      ...(lastResult ? { lastResult } : {}),
      cluster: { epoch: this.coordinator.epoch, workers: this.coordinator.workers() },
    };
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    // This process's own events, but for its part of a cluster's reloads (the coordinator reports those whole);
    // the workers' faults and leaks, and the cluster's reloads, from the coordinator.
    const own = this.runtime!.subscribe((event) => {
      if (this.coordinated && (event.type === 'reload-started' || event.type === 'reload-finished' || event.type === 'phase')) return;
      listener(event);
    });
    const cluster = this.coordinator.subscribe(listener);
    return () => {
      own();
      cluster();
    };
  }

  private adopt(worker: Worker): void {
    this.coordinated = true;
    const { member, joined } = this.coordinator.join(worker);
    worker.once('exit', (code: number | null, signal: string | null) => this.coordinator.leave(member, signal ?? `code ${code}`));
    joined.then(
      async () => {
        await this.coordinator.captureRunningCode();
        await this.workerSources?.refresh();
      },
      (error: unknown) => this.options.logger.error(error instanceof Error ? error.message : String(error)),
    );
  }

  /** The `run` options this process was started with, for its workers. */
  private flags(): string[] {
    const { drainTimeoutMs, initTimeoutMs, settleMs, exitOnError } = this.options;
    return [
      ...(drainTimeoutMs !== undefined ? ['--drain-timeout', String(drainTimeoutMs)] : []),
      ...(initTimeoutMs !== undefined ? ['--init-timeout', String(initTimeoutMs)] : []),
      ...(settleMs !== undefined ? ['--settle', settleMs === 0 ? '0' : String(settleMs)] : []),
      ...(exitOnError ? ['--exit-on-error'] : []),
    ];
  }
}

/** The `reloadable` command of this runtime's package. */
function cliScript(): string {
  const dir = path.dirname(runtimeFile);
  const candidates = [
    path.join(dir, '../bin/reloadable.cjs'),
    path.join(dir, '../../runtime/bin/reloadable.cjs'),
    path.join(dir, '../../bin/reloadable.cjs'),
  ];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`the runtime's bin/reloadable.cjs is missing (looked in ${candidates.join(', ')})`);
  return found;
}
