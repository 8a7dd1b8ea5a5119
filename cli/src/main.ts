import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../../src-shared/config';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { checkFormats, runCheck, type CheckFormat } from './commands/check';
import { graphReport } from './commands/graph';
import { formatDot, formatMermaid } from './formats/graph';
import { say } from './errors';

declare const RELOADABLE_VERSION: string;
const version = typeof RELOADABLE_VERSION === 'string' ? RELOADABLE_VERSION : '0.0.0-dev';
const graphFormats = ['json', 'dot', 'mermaid'] as const;

/** Exit codes: 0 success, 1 hazards of error severity (check), 2 the command could not run. */
export async function main(argv: string[]): Promise<number> {
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
    .option('--no-types', 'skip the type-aware rule (floating-promise) for a faster run')
    .action((dir: string, options: { format: CheckFormat; types: boolean }) => {
      const analysis = ProjectAnalysis.open(projectFolder(dir));
      const interactive = process.stderr.isTTY === true;
      exitCode = runCheck(
        analysis,
        {
          format: options.format,
          types: options.types,
          color: process.stdout.isTTY === true && !process.env.NO_COLOR,
          version,
          progress: interactive && analysis.files.length > 200 ? process.stderr : undefined,
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
    .action((dir: string, options: { format: (typeof graphFormats)[number]; changed?: string[] }) => {
      const analysis = ProjectAnalysis.open(projectFolder(dir));
      const changed = options.changed?.map((name) => moduleId(analysis, name));
      const report = graphReport(analysis, changed);
      const text = options.format === 'dot' ? formatDot(report) : options.format === 'mermaid' ? formatMermaid(report) : `${JSON.stringify(report, null, 2)}\n`;
      process.stdout.write(text);
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
  if (error instanceof ConfigError || error instanceof InvalidArgumentError || error instanceof UsageError) {
    process.stderr.write(`reloadable: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`${say.crashed(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  return 2;
}

class UsageError extends Error {}

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
