import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { say } from './errors';
import { checkFormats, graphFormats } from './formats/names';

// Each command loads its implementation when it runs: `run`, `reload` and `status` must start fast and
// never pay for the analyser (ts-morph), and `check` never pays for the runtime. The analyser is a bundle of its
// own (out/analysis.cjs, TypeScript is most of it), which the bin loads: through V8's code cache where it can.
const runtime = () => import('./commands/runtime-commands');

/** How the CLI gets what it does not carry itself. */
export interface Loaders {
  /** The analyser: `check` and `graph`. */
  analysis(): Promise<typeof import('./commands/analysis-commands')>;
}

declare const RELOADABLE_VERSION: string;
const version = typeof RELOADABLE_VERSION === 'string' ? RELOADABLE_VERSION : '0.0.0-dev';

/** Exit codes: 0 success, 1 hazards of error severity (check), 2 the command could not run. */
export async function main(argv: string[], { analysis }: Loaders): Promise<number> {
  let exitCode = 0;
  const program = new Command('reloadable')
    .description('Safe hot reload of TypeScript on Node.js: reload hazards, the module graph, its reload order.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('check')
    .description('report reload hazards; exits 1 when one has error severity')
    .argument('[dir]', 'project folder', '.')
    .addOption(new Option('--format <format>', 'output format').choices(checkFormats).default('stylish'))
    .option('--no-types', 'skip the checks that need types (floating-promise, resources by type) for a faster run')
    .action(async (dir: string, options: { format: (typeof checkFormats)[number]; types: boolean }) => {
      const { ProjectAnalysis, runCheck } = await analysis();
      const project = ProjectAnalysis.open(projectFolder(dir));
      const interactive = process.stderr.isTTY === true;
      exitCode = runCheck(
        project,
        {
          format: options.format,
          types: options.types,
          color: process.stdout.isTTY === true && !process.env.NO_COLOR,
          version,
          progress: interactive && project.files.length > 200 ? process.stderr : undefined,
        },
        (text) => process.stdout.write(text),
      );
    });

  program
    .command('graph')
    .description('print the module graph, its cycles and its reload order')
    .argument('[dir]', 'project folder', '.')
    .addOption(new Option('--format <format>', 'output format').choices(graphFormats).default('json'))
    .option('--changed <files...>', 'preview the reload order of this change set instead of the whole graph')
    .action(async (dir: string, options: { format: (typeof graphFormats)[number]; changed?: string[] }) => {
      const { ProjectAnalysis, graphReport, drawnGraph, formatDot, formatMermaid } = await analysis();
      const project = ProjectAnalysis.open(projectFolder(dir));
      const changed = options.changed?.map((name) => moduleId(project, name));
      const report = graphReport(project, changed);
      const text =
        options.format === 'dot'
          ? formatDot(drawnGraph(project, report))
          : options.format === 'mermaid'
            ? formatMermaid(drawnGraph(project, report))
            : `${JSON.stringify(report, null, 2)}\n`;
      process.stdout.write(text);
    });

  program
    .command('run')
    .description('run an app under the runtime: its modules reload in place, driven by `reload`, the editor or --watch')
    .argument('<entry>', "the app's main module (.ts, .mts, .js, …)")
    .argument('[args...]', 'arguments for the app (after --), in its process.argv')
    .option('--watch', 'reload modules when their files change; a failed start waits for a fix')
    .option('--drain-timeout <ms>', 'how long retired versions may finish running calls', milliseconds)
    .option(
      '--init-timeout <ms>',
      "how long a reload's new code may take to load (top-level awaits, an un-awaited bootstrap until it listens again); the first start has none",
      milliseconds,
    )
    .option('--settle <ms>', 'how long after a commit a fault of the new code still rolls the reload back (0: none)', millisecondsOrZero)
    .option('--exit-on-error', "Node's default: an uncaught exception or unhandled rejection ends the process")
    .option(
      '--workers <n>',
      'run the app on n processes (node:cluster; `auto`: one per core) behind a primary that runs no app code; every reload is one transaction across them, all or nothing',
      workerCount,
    )
    .addOption(
      new Option(
        '--barrier <mode>',
        "with several processes, `hold`: new requests wait from each one's vote to its commit, so none starts on the old code after one started on the new",
      )
        .choices(['none', 'hold'])
        .default('none'),
    )
    .action(
      async (
        entry: string,
        args: string[],
        options: {
          watch?: boolean;
          drainTimeout?: number;
          initTimeout?: number;
          settle?: number;
          exitOnError?: boolean;
          workers?: number;
          barrier?: 'none' | 'hold';
        },
      ) => {
        const { runCommand } = await runtime();
        exitCode = await runCommand(entry, args, { ...options, watch: options.watch === true, exitOnError: options.exitOnError === true, version });
      },
    );

  program
    .command('reload')
    .description(
      'reload what changed in the running app (or the named files); exits 1 on rollback, 2 when no app runs, 3 when the app died during it',
    )
    .argument('[files...]', 'files to reload even if unchanged')
    .option('--project <dir>', "the app's project folder", '.')
    .option('--json', 'print the result as JSON')
    .option('--dry-run', 'print the reload order without reloading')
    .action(async (files: string[], options: { project: string; json?: boolean; dryRun?: boolean }) => {
      const { reloadCommand } = await runtime();
      exitCode = await reloadCommand(files, { project: options.project, json: options.json === true, dryRun: options.dryRun === true });
    });

  program
    .command('status')
    .description('show the running app: modules, versions, calls in flight, the last reload')
    .option('--project <dir>', "the app's project folder", '.')
    .option('--json', 'print the status as JSON')
    .action(async (options: { project: string; json?: boolean }) => {
      const { statusCommand } = await runtime();
      exitCode = await statusCommand({ project: options.project, json: options.json === true });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): number {
  const commanderCode = (error as { code?: string }).code;
  if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return 0;
  if (commanderCode?.startsWith('commander.')) return 2;
  // A ConfigError (src-shared/config) is known by its name: the analyser's bundle has a class of its own.
  const badConfig = error instanceof Error && error.name === 'ConfigError';
  if (badConfig || error instanceof InvalidArgumentError || error instanceof UsageError) {
    process.stderr.write(`reloadable: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`${say.crashed(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  return 2;
}

class UsageError extends Error {}

function milliseconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(say.badMilliseconds(value));
  return parsed;
}

function workerCount(value: string): number {
  if (value === 'auto') return os.availableParallelism();
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(say.badWorkers(value));
  return parsed;
}

function millisecondsOrZero(value: string): number {
  return value === '0' ? 0 : milliseconds(value);
}

function projectFolder(dir: string): string {
  const folder = path.resolve(dir);
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(say.noFolder(dir));
  return folder;
}

/** A `--changed` name: a path relative to the current folder, or a module id. */
function moduleId(analysis: ProjectAnalysis, name: string): string {
  const ids = new Set(analysis.files.map((file) => analysis.idOf(file)));
  for (const candidate of [analysis.idOf(path.resolve(name)), name.split(path.sep).join('/')]) {
    if (ids.has(candidate)) return candidate;
  }
  throw new UsageError(say.unknownModule(name));
}
