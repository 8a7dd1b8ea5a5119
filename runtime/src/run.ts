// `reloadable run <entry>`: finds the app's project, loads the entry under the runtime, opens the control
// endpoint and, with `--watch`, reloads on save. Ctrl-C retires every module before the process exits.
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfig } from '../../src-shared/config';
import { discoveryFolder } from './control/discovery';
import { openControlEndpoint, privateFolder, type ControlEndpoint } from './control/server';
import { say } from './errors';
import { onStopSignals, original } from './originals';
import type { Logger } from './logger';
import { Runtime, timeoutsOf } from './runtime';
import { watchProject } from './watch';
import { AppWorkers } from './cluster/app-workers';
import { ClusterPrimary } from './cluster/primary';
import { ClusterSources } from './cluster/sources';
import { Project } from './modules/project';
import { runParticipant } from './cluster/participant';

export interface RunOptions {
  entry: string;
  watch?: boolean;
  drainTimeoutMs?: number;
  initTimeoutMs?: number;
  settleMs?: number;
  exitOnError?: boolean;
  /** Several processes (`--workers`, or workers the app forks): `hold` holds new requests from each one's vote to its commit. */
  barrier?: 'hold' | 'none';
  logger: Logger;
  version?: string;
}

export interface RunningApp {
  runtime: Runtime | ClusterPrimary;
  endpoint: ControlEndpoint;
  stop(): Promise<void>;
}

/** The app's project: the nearest folder above the entry with a reloadable.config.json or package.json. */
export function projectOf(entry: string): string {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'reloadable.config.json')) || fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.dirname(entry);
  }
}

/**
 * Starts the app. Throws ConfigError, or an Error naming the module and the fix, when it cannot start; with
 * `watch`, a failed start waits for a fix instead.
 */
export async function runApp(options: RunOptions): Promise<RunningApp> {
  const entry = path.resolve(options.entry);
  if (!fs.existsSync(entry)) throw new Error(say.entryMissing(options.entry));
  const project = projectOf(entry);
  const { config } = configOf(project);
  // A discovery folder others could write to is refused before the app starts, not after.
  privateFolder(discoveryFolder(project));
  // Workers the app forks itself run under the runtime and take part in its reloads.
  const workers = new AppWorkers({
    project,
    logger: options.logger,
    exitOnError: options.exitOnError === true,
    ...timeoutsOf(options),
    ...(options.barrier ? { barrier: options.barrier } : {}),
  });
  workers.install();
  const runtime = await Runtime.start({
    // What the app asks for (`import.meta.hot.invalidate()`) reaches its workers too, once it has some.
    requestReload: (files) => void workers.reload({ files }),
    project,
    entry,
    config,
    logger: options.logger,
    waitForFix: options.watch === true,
    exitOnError: options.exitOnError === true,
    ...timeoutsOf(options),
    ...(options.version ? { version: options.version } : {}),
  });
  workers.attach(runtime);
  let endpoint: ControlEndpoint;
  try {
    endpoint = await openControlEndpoint(workers, options.logger);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const watcher = options.watch
    ? watchProject(
        // The runtime's own compile settings: no second read of the tsconfig.
        workers.watchedSources(runtime.sources, { dir: project, settings: runtime.registry.options.settings }),
        (files) => workers.reload({ files }),
        path.resolve(project, config.root),
      )
    : undefined;
  // "watching" is only said once it is true: a save right after start must not go unseen.
  if (watcher) await once(watcher, 'ready');
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await watcher?.close();
      await endpoint.close();
      await runtime.close();
    })());
  onStopSignals((exitCode) => void stop().finally(() => original.exit(exitCode)));
  return { runtime, endpoint, stop };
}

/** The project's config; a malformed one throws a ConfigError that says where. */
function configOf(project: string) {
  return readConfig(project, (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
}

export interface ClusterRunOptions extends RunOptions {
  workers: number;
  /** What the workers run: the CLI's script and its arguments (`run <entry> …`). */
  exec: string;
  args: string[];
}

/**
 * Starts the app on `workers` processes behind a primary that runs no app code (cluster/primary.ts); the
 * control endpoint is the primary's, and every reload is one transaction across the workers.
 */
export async function runCluster(options: ClusterRunOptions): Promise<RunningApp> {
  const entry = path.resolve(options.entry);
  if (!fs.existsSync(entry)) throw new Error(say.entryMissing(options.entry));
  const project = projectOf(entry);
  // A malformed config is said before any worker starts.
  const { config } = configOf(project);
  privateFolder(discoveryFolder(project));
  const primary = await ClusterPrimary.start({
    project,
    entry,
    workers: options.workers,
    logger: options.logger,
    exec: options.exec,
    args: options.args,
    ...(options.barrier ? { barrier: options.barrier } : {}),
    ...timeoutsOf(options),
    ...(options.version ? { version: options.version } : {}),
  });
  let endpoint: ControlEndpoint;
  try {
    endpoint = await openControlEndpoint(primary, options.logger);
  } catch (error) {
    await primary.close();
    throw error;
  }
  // --watch: the primary watches, each save one transaction across the workers.
  let watcher: ReturnType<typeof watchProject> | undefined;
  if (options.watch) {
    const sources = new ClusterSources(primary.coordinator, new Project(project));
    await sources.refresh();
    watcher = watchProject(
      sources,
      async (files) => {
        const result = await primary.reload({ files });
        await sources.refresh();
        return result;
      },
      path.resolve(project, config.root),
    );
    await once(watcher, 'ready');
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await watcher?.close();
      await endpoint.close();
      await primary.close();
    })());
  onStopSignals((exitCode) => void stop().finally(() => original.exit(exitCode)));
  return { runtime: primary, endpoint, stop };
}

/** Runs the app in a worker of `runCluster`'s primary: started on the cluster's code, reloaded when the primary says. */
export async function runClusterWorker(options: RunOptions): Promise<void> {
  const entry = path.resolve(options.entry);
  const project = projectOf(entry);
  const { config } = configOf(project);
  await runParticipant({
    project,
    entry,
    config,
    logger: options.logger,
    exitOnError: options.exitOnError === true,
    ...timeoutsOf(options),
    ...(options.version ? { version: options.version } : {}),
  });
}
