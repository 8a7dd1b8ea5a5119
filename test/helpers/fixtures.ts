import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';

export const fixturesDir = path.resolve(__dirname, '../fixtures');

/** A finding as the fixtures write it: `line:code`. */
export type Expectation = string;

const marker = /\s*\/\/ expect: ([\w-]+(?:, [\w-]+)*)\s*$/;

/** The expectations written inline: `// expect: code[, code]` at the end of the line a finding starts on. */
export function expectedFindings(file: string): Expectation[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => (line.match(marker)?.[1]!.split(', ') ?? []).map((code) => `${index + 1}:${code}`))
    .sort();
}

/** Analyses a fixture folder as one project and returns each file's findings as `line:code`. */
export function actualFindings(folder: string): Map<string, Expectation[]> {
  const analysis = ProjectAnalysis.open(folder);
  const byFile = new Map<string, Expectation[]>(analysis.files.map((file) => [file, []]));
  for (const diagnostic of analysis.check().diagnostics) byFile.get(diagnostic.file)!.push(`${diagnostic.line}:${diagnostic.code}`);
  for (const list of byFile.values()) list.sort();
  return byFile;
}

/** With UPDATE_FIXTURES=1, rewrites a fixture's inline expectations to what the analyser found. */
export function rewriteExpectations(file: string, findings: readonly Expectation[]): void {
  const byLine = new Map<number, string[]>();
  for (const finding of findings) {
    const [line, code] = finding.split(':') as [string, string];
    byLine.set(Number(line), [...(byLine.get(Number(line)) ?? []), code]);
  }
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((line, index) => {
    const bare = line.replace(marker, '');
    const codes = byLine.get(index + 1);
    return codes ? `${bare} // expect: ${codes.join(', ')}` : bare;
  });
  fs.writeFileSync(file, lines.join('\n'));
}

export const updateFixtures = process.env.UPDATE_FIXTURES === '1';
