// `node --import tsx test/oracle/cli.ts <app folder>… [--json report.json] [--fresh-faults]`: runs the oracle on
// each app folder that has an oracle.json (each variant of it) and prints each step as it finishes, then a summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { corpusApp } from './corpus';
import { Oracle, type AppReport, type StepReport } from './oracle';
import { formatStep, formatSummary } from './report';
import type { OracleSpec } from './spec';

const args = process.argv.slice(2);
const json = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const folders = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--json');

async function main(): Promise<void> {
  const reports: AppReport[] = [];
  for (const folder of folders) {
    const appDir = path.resolve(folder);
    const spec = JSON.parse(fs.readFileSync(path.join(appDir, 'oracle.json'), 'utf8')) as OracleSpec;
    for (const app of corpusApp(appDir, spec)) {
      const options = { name: app.name, appDir, freshFaults: args.includes('--fresh-faults'), onStep: (step: StepReport) => console.log(formatStep(app.name, step)) };
      const report = await new Oracle(options, app.spec).run();
      console.log(formatSummary(report));
      reports.push(report);
      if (json) fs.writeFileSync(json, JSON.stringify(reports, null, 2));
    }
  }
}

void main();
