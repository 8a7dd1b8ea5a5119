// `run`, `reload` and `status`: the runtime and thin clients of its control endpoint. Loaded only when one
// of them runs, so they never pay for the analyser.
import cluster from 'node:cluster';
import * as path from 'node:path';
import { styleText } from 'node:util';
import {
  isClusterWorker,
  projectOf,
  ReloadStepError,
  runApp,
  runCluster,
  runClusterWorker,
  type Logger,
  type RunOptions,
} from '../../../runtime/src/index';
import { ControlClient, lastExited, runningApps } from '../../../runtime/src/client';
import type { DiscoveryFile } from '../../../src-shared/control-protocol';
import { formatReloadResult, formatStatus } from '../formats/runtime';
import { say } from '../errors';

const stderrLogger = (color: boolean, who = ''): Logger => {
  const tag = (format: 'cyan' | 'yellow' | 'red') => (color ? styleText(format, '[reloadable]') : '[reloadable]');
  return {
    info: (message) => process.stderr.write(`${tag('cyan')} ${who}${message}\n`),
    warn: (message) => process.stderr.write(`${tag('yellow')} ${who}${message}\n`),
    error: (message) => process.stderr.write(`${tag('red')} ${who}${message}\n`),
  };
};

export interface RunCommandOptions {
  watch: boolean;
  drainTimeout?: number;
  initTimeout?: number;
  settle?: number;
  exitOnError: boolean;
  version: string;
  workers?: number;
  barrier?: 'none' | 'hold';
}

/** Starts the app; resolves once it runs (the process then lives as long as the app). Returns the exit code. */
export async function runCommand(entry: string, args: string[], options: RunCommandOptions): Promise<number> {
  const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
  const worker = isClusterWorker();
  const logger = stderrLogger(color, worker ? `worker ${cluster.worker?.id ?? '?'}: ` : '');
  // A primary's workers run this same command line.
  const cliArgs = process.argv.slice(2);
  // The app sees the arguments meant for it, as if it had been started with `node <entry> …`.
  process.argv.splice(2, process.argv.length, ...args);
  const runOptions: RunOptions = {
    entry,
    watch: options.watch,
    exitOnError: options.exitOnError,
    logger,
    version: options.version,
    ...(options.drainTimeout !== undefined ? { drainTimeoutMs: options.drainTimeout } : {}),
    ...(options.initTimeout !== undefined ? { initTimeoutMs: options.initTimeout } : {}),
    ...(options.settle !== undefined ? { settleMs: options.settle } : {}),
    ...(options.barrier ? { barrier: options.barrier } : {}),
  };
  try {
    if (worker) {
      await runClusterWorker(runOptions);
      return 0;
    }
    if (options.workers !== undefined) {
      const app = await runCluster({ ...runOptions, workers: options.workers, exec: process.argv[1]!, args: cliArgs });
      logger.info(
        `${app.runtime.info.entry} running (pid ${process.pid}, the primary of ${options.workers} worker${options.workers === 1 ? '' : 's'})${options.watch ? ', watching for changes' : ''}`,
      );
      return 0;
    }
    const app = await runApp(runOptions);
    const modules = app.runtime.moduleCount;
    const state = app.runtime.started ? 'running' : 'waiting for a fix';
    logger.info(`${app.runtime.info.entry} ${state} (pid ${process.pid}, ${modules} modules)${options.watch ? ', watching for changes' : ''}`);
    return 0;
  } catch (error) {
    if (error instanceof ReloadStepError) return 1;
    throw error;
  }
}

export interface ClientOptions {
  project?: string;
  json: boolean;
}

/** The projects `--project` may mean: the folder itself, or (below the project, where the entry is) the one above. */
function projectsOf(projectOption: string | undefined): string[] {
  const project = path.resolve(projectOption ?? '.');
  const parent = projectOf(path.join(project, 'x'));
  return parent !== project ? [project, parent] : [project];
}

async function connect(projectOption: string | undefined): Promise<{ client: ControlClient; app: DiscoveryFile } | undefined> {
  const projects = projectsOf(projectOption);
  const app = projects.flatMap((project) => runningApps(project))[0];
  if (!app) {
    const exited = projects.map((project) => lastExited(project)).find((found) => found !== undefined);
    process.stderr.write(`reloadable: ${exited ? say.notRunningAnyMore(exited.entry, describeExit(exited)) : say.noRuntime(projects[0]!)}\n`);
    return undefined;
  }
  return { client: await ControlClient.connect(app, 'cli'), app };
}

function describeExit(app: DiscoveryFile): string {
  if (!app.exit) return 'the process is gone; it could not say why (killed?)';
  return `exited with code ${app.exit.code}${app.exit.reason ? `: ${app.exit.reason}` : ''}`;
}

export async function reloadCommand(files: string[], options: ClientOptions & { dryRun: boolean }): Promise<number> {
  const connected = await connect(options.project);
  if (!connected) return 2;
  const { client, app } = connected;
  try {
    const absolute = files.map((file) => path.resolve(file));
    const closed = new Promise<'closed'>((resolve) => client.onClose(() => resolve('closed')));
    const result = await Promise.race([client.reload({ ...(absolute.length > 0 ? { files: absolute } : {}), dryRun: options.dryRun }), closed]);
    if (result === 'closed') {
      const exited = lastExited(app.project);
      process.stderr.write(
        `reloadable: ${say.diedDuringReload(app.entry, exited?.pid === app.pid ? describeExit(exited) : 'the process is gone')}\n`,
      );
      return 3;
    }
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatReloadResult(result));
    return result.outcome === 'rolled-back' ? 1 : 0;
  } catch (error) {
    const exited = lastExited(app.project);
    if (exited?.pid !== app.pid) throw error;
    process.stderr.write(`reloadable: ${say.diedDuringReload(app.entry, describeExit(exited))}\n`);
    return 3;
  } finally {
    client.close();
  }
}

export async function statusCommand(options: ClientOptions): Promise<number> {
  const connected = await connect(options.project);
  if (!connected) return 2;
  const { client } = connected;
  try {
    const status = await client.status();
    process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return 0;
  } finally {
    client.close();
  }
}
