// `run`, `reload` and `status`: the runtime and thin clients of its control endpoint. Loaded only when one
// of them runs, so they never pay for the analyser.
import * as path from 'node:path';
import { projectOf, runApp } from '../../../runtime/src/run';
import { ControlClient } from '../../../runtime/src/control/client';
import { runningApps } from '../../../runtime/src/control/discovery';
import type { Logger } from '../../../runtime/src/runtime';
import { ReloadStepError } from '../../../runtime/src/errors';
import { formatReloadResult, formatStatus } from '../formats/runtime';
import { say } from '../errors';

const stderrLogger = (color: boolean): Logger => {
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    info: (message) => process.stderr.write(`${paint(36, '[reloadable]')} ${message}\n`),
    warn: (message) => process.stderr.write(`${paint(33, '[reloadable]')} ${message}\n`),
    error: (message) => process.stderr.write(`${paint(31, '[reloadable]')} ${message}\n`),
  };
};

export interface RunCommandOptions {
  watch: boolean;
  drainTimeout?: number;
  initTimeout?: number;
  version: string;
}

/** Starts the app; resolves once it runs (the process then lives as long as the app). Returns the exit code. */
export async function runCommand(entry: string, options: RunCommandOptions): Promise<number> {
  const logger = stderrLogger(process.stderr.isTTY === true && !process.env.NO_COLOR);
  try {
    const app = await runApp({
      entry,
      watch: options.watch,
      logger,
      version: options.version,
      ...(options.drainTimeout !== undefined ? { drainTimeoutMs: options.drainTimeout } : {}),
      ...(options.initTimeout !== undefined ? { initTimeoutMs: options.initTimeout } : {}),
    });
    const modules = app.runtime.registry.records.size;
    logger.info(`${app.runtime.info.entry} running (pid ${process.pid}, ${modules} modules)${options.watch ? ', watching for changes' : ''}`);
    return 0;
  } catch (error) {
    if (error instanceof ReloadStepError) {
      const cause = error.cause instanceof Error && error.phase === 'init' ? `\n${error.cause.stack}` : '';
      logger.error(`cannot start: ${error.message}${cause}`);
      return 1;
    }
    throw error;
  }
}

export interface ClientOptions {
  project?: string;
  json: boolean;
}

async function connect(projectOption: string | undefined): Promise<ControlClient | undefined> {
  const project = path.resolve(projectOption ?? '.');
  const apps = runningApps(project);
  if (apps.length === 0) {
    // `--project` may name a folder below the project (where the entry is); look upwards once.
    const parent = projectOf(path.join(project, 'x'));
    if (parent !== project) apps.push(...runningApps(parent));
  }
  const app = apps[0];
  if (!app) {
    process.stderr.write(`reloadable: ${say.noRuntime(project)}\n`);
    return undefined;
  }
  return ControlClient.connect(app, 'cli');
}

export async function reloadCommand(files: string[], options: ClientOptions & { dryRun: boolean }): Promise<number> {
  const client = await connect(options.project);
  if (!client) return 2;
  try {
    const absolute = files.map((file) => path.resolve(file));
    const result = await client.reload({ ...(absolute.length > 0 ? { files: absolute } : {}), dryRun: options.dryRun });
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatReloadResult(result));
    return result.outcome === 'rolled-back' ? 1 : 0;
  } finally {
    client.close();
  }
}

export async function statusCommand(options: ClientOptions): Promise<number> {
  const client = await connect(options.project);
  if (!client) return 2;
  try {
    const status = await client.status();
    process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return 0;
  } finally {
    client.close();
  }
}
