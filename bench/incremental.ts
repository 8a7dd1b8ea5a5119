// Re-analyses one edited module of a project through the analysis API the language server uses, and prints
// the p50/p95 of the syntactic and the type-aware passes as JSON. Run with: node --import tsx bench/incremental.ts DIR
import * as fs from 'node:fs';
import { ProjectAnalysis } from '../server/src/analysis/analyzer';
import { appended, editTargets } from './server-edits';
import { percentile } from './stats';

const folder = process.argv[2]!;
const edits = Number(process.argv[3] ?? 30);
const analysis = ProjectAnalysis.open(folder);
analysis.check();
const { target } = editTargets(folder);
const syntactic: number[] = [];
const typed: number[] = [];
for (let i = 0; i < edits; i++) {
  const file = target(i);
  const text = fs.readFileSync(file, 'utf8');
  analysis.setText(file, `${text}${appended(i)}`);
  let start = performance.now();
  analysis.checkFile(file, { types: false });
  syntactic.push(performance.now() - start);
  start = performance.now();
  analysis.checkFile(file, { types: true });
  typed.push(performance.now() - start);
  analysis.setText(file, text);
}
const result = {
  syntactic: { p50: percentile(syntactic, 50), p95: percentile(syntactic, 95) },
  typed: { p50: percentile(typed, 50), p95: percentile(typed, 95) },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
