// The parse floor: TypeScript's parser alone over a corpus, twice in one process (cold, then warm).
// Prints JSON: { files, coldMs, warmMs }.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from '../server/src/analysis/typescript';

function modules(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return modules(file);
    return /\.tsx?$/.test(entry.name) && !/\.d\.ts$|\.spec\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

const files = modules(process.argv[2]!);
const texts = files.map((file) => fs.readFileSync(file, 'utf8'));
const pass = (): number => {
  const start = performance.now();
  files.forEach((file, index) => ts.createSourceFile(file, texts[index]!, ts.ScriptTarget.Latest, true));
  return performance.now() - start;
};
const coldMs = pass();
const warmMs = pass();
process.stdout.write(JSON.stringify({ files: files.length, coldMs, warmMs }));
