import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { decodeSource } from '../../server/src/analysis/source-store';

export const fixturesDir = path.resolve(__dirname, '../fixtures');

/** A finding as the fixtures write it: `line:code`. */
export type Expectation = string;

const marker = /\s*\/\/ expect: ([\w-]+(?:, [\w-]+)*)\s*$/;

/** The expectations written inline: `// expect: code[, code]` at the end of the line a finding starts on. */
export function expectedFindings(file: string): Expectation[] {
  return decodeSource(fs.readFileSync(file))
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
  const bytes = fs.readFileSync(file);
  const lines = decodeSource(bytes)
    .split('\n')
    .map((line, index) => {
      const bare = line.replace(marker, '');
      const codes = byLine.get(index + 1);
      return codes ? `${bare} // expect: ${codes.join(', ')}` : bare;
    });
  // A UTF-16 fixture stays UTF-16 (little-endian, with its byte-order mark).
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe;
  fs.writeFileSync(file, utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\n'), 'utf16le')]) : lines.join('\n'));
}

export const updateFixtures = process.env.UPDATE_FIXTURES === '1';
