// Runs the oracle and prints each step as it finishes, then a summary per app.
//   node --import tsx test/oracle/cli.ts <app folder>…            each folder's oracle.json (each variant of it)
//   node --import tsx test/oracle/cli.ts --manifest bench/real-apps.json --apps /work/cache/apps [--only name]
// `--json <file>` writes the reports; `--fresh-faults` checks every fault against a fresh start too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { corpusApp, type CorpusApp } from './corpus';
import { Oracle, type AppReport, type StepReport } from './oracle';
import { formatStep, formatSummary } from './report';
import type { OracleSpec } from './spec';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const valued = new Set(['--json', '--manifest', '--apps', '--only']);
const folders = args.filter((arg, index) => !arg.startsWith('--') && !valued.has(args[index - 1]));

interface ManifestApp {
  name: string;
  env?: Record<string, string>;
  blocked?: string;
  oracle: OracleSpec;
}

function apps(): Array<CorpusApp & { runsDir?: string }> {
  const manifest = option('--manifest');
  if (!manifest) {
    return folders.flatMap((folder) => {
      const appDir = path.resolve(folder);
      return corpusApp(appDir, JSON.parse(fs.readFileSync(path.join(appDir, 'oracle.json'), 'utf8')) as OracleSpec);
    });
  }
  const root = path.resolve(option('--apps') ?? '/work/cache/apps');
  const listed = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { apps: ManifestApp[] }).apps;
  return listed
    .filter((app) => !option('--only') || app.name === option('--only'))
    .filter((app) => !app.blocked && fs.existsSync(path.join(root, app.name)))
    .map((app) => ({
      name: app.name,
      appDir: path.join(root, app.name),
      spec: { ...app.oracle, env: { ...app.env, ...app.oracle.env } },
      runsDir: path.join(root, app.name, '.oracle-runs'),
    }));
}

async function main(): Promise<void> {
  const reports: AppReport[] = [];
  const json = option('--json');
  for (const app of apps()) {
    const options = {
      name: app.name,
      appDir: app.appDir,
      runsDir: app.runsDir,
      freshFaults: args.includes('--fresh-faults'),
      onStep: (step: StepReport) => console.log(formatStep(app.name, step)),
    };
    const report = await new Oracle(options, app.spec).run();
    console.log(formatSummary(report));
    reports.push(report);
    if (json) fs.writeFileSync(json, JSON.stringify(reports, null, 2));
  }
}

// Stopped from outside: exit, so that the apps started are stopped with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

void main();
