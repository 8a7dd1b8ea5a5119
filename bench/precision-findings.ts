// Prints, as JSON, every finding the analyser reports on one project folder of the precision corpus
// (bench/precision.mjs runs it once per project, each in its own process so one project's memory is not the next's).
import * as path from 'node:path';
import { ProjectAnalysis } from '../server/src/analysis/analyzer';

const folder = path.resolve(process.argv[2]!);
const analysis = ProjectAnalysis.open(folder);
const result = analysis.check();
const findings = result.diagnostics.map((diagnostic) => ({
  file: path.relative(folder, diagnostic.file),
  line: diagnostic.line,
  code: diagnostic.code,
  message: diagnostic.message,
}));
process.stdout.write(JSON.stringify({ files: result.files, findings }));
