// Transform cost per file, for `npm run bench`: the runtime's pipeline (oxc compile, then the rewrite) against
// esbuild's transform API (the runtime's transformer before) and TypeScript's transpileModule (what a runtime
// could use for decorators with metadata), on the repository's own TypeScript plus the conformance apps, whose
// Nest files carry decorators. Prints JSON: per transformer, per-file p50 and p95 in ms, and the total.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { compile, rewrite } from '../runtime/src/transform/index';

const root = path.join(import.meta.dirname, '..');
const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file && !file.endsWith('.d.ts') && !file.includes('fixtures/hazards'))
  .map((file) => path.join(root, file));
const sources = files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8'), decorators: /^\s*@\w/m.test(fs.readFileSync(file, 'utf8')) }));
const settings = { experimentalDecorators: true, emitDecoratorMetadata: true };

function measure(transform: (source: { file: string; text: string }) => unknown): { p50: number; p95: number; totalMs: number; failed: number } {
  const times: number[] = [];
  let failed = 0;
  for (let round = 0; round < 3; round++) {
    for (const source of sources) {
      const started = performance.now();
      try {
        transform(source);
      } catch {
        failed++;
      }
      if (round > 0) times.push(performance.now() - started);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
  return { p50: at(50), p95: at(95), totalMs: times.reduce((sum, time) => sum + time, 0) / 2, failed: failed / 3 };
}

const result = {
  files: sources.length,
  withDecorators: sources.filter((source) => source.decorators).length,
  bytes: sources.reduce((sum, source) => sum + source.text.length, 0),
  rows: [
    { name: 'oxc compile (runtime step 1)', ...measure(({ file, text }) => compile(file, text, file, 'esm', settings)) },
    {
      name: 'oxc compile + rewrite (the runtime)',
      ...measure(({ file, text }) => rewrite(compile(file, text, file, 'esm', settings).code, 'esm', false)),
    },
    {
      name: `esbuild ${esbuild.version} transformSync`,
      ...measure(({ file, text }) =>
        esbuild.transformSync(text, {
          loader: 'ts',
          sourcefile: file,
          sourcemap: 'external',
          format: 'esm',
          tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
        }),
      ),
    },
    {
      name: `TypeScript ${ts.version} transpileModule`,
      ...measure(({ file, text }) =>
        ts.transpileModule(text, {
          fileName: file,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            sourceMap: true,
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
          },
        }),
      ),
    },
  ],
};
process.stdout.write(JSON.stringify(result));
