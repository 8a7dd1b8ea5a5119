import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { applyEdits, fixesFor } from '../../server/src/analysis/fixes';
import { decodeSource } from '../../server/src/analysis/source-store';
import { ts } from '../../server/src/analysis/typescript';
import { fixturesDir } from '../helpers/fixtures';

const repoRoot = path.resolve(__dirname, '../..');
const hotTypes = path.join(repoRoot, 'runtime/types/hot.d.ts');

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: ['node'],
  typeRoots: [path.join(repoRoot, 'node_modules/@types')],
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
};
const host = ts.createCompilerHost(options);
// Every file but the one under test is parsed once for the whole suite.
const parsed = new Map<string, ts.SourceFile | undefined>();
const getSourceFile = host.getSourceFile.bind(host);
const readFile = host.readFile.bind(host);
let underTest = { file: '', text: '' };
host.getSourceFile = (name, version, onError) => {
  if (path.resolve(name) === underTest.file) return ts.createSourceFile(name, underTest.text, version);
  if (!parsed.has(name)) parsed.set(name, getSourceFile(name, version, onError));
  return parsed.get(name);
};
host.readFile = (name) => (path.resolve(name) === underTest.file ? underTest.text : readFile(name));

/** TypeScript's errors in `file` when it holds `text`, with the runtime's `import.meta.hot` typings. */
function typeErrors(file: string, text: string): string[] {
  underTest = { file, text };
  const program = ts.createProgram([file, hotTypes], options, host);
  const source = program.getSourceFile(file)!;
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

const count = (analysis: ProjectAnalysis, file: string, code: string) => analysis.checkFile(file).filter((d) => d.code === code).length;

// Every fix offered for every hazard in the fixtures: applied, the hazard is gone and no type error appears.
for (const folder of fs.readdirSync(path.join(fixturesDir, 'hazards')).sort()) {
  describe(`quick fixes: ${folder}`, () => {
    const root = path.join(fixturesDir, 'hazards', folder);
    const analysis = ProjectAnalysis.open(root);
    for (const file of analysis.files) {
      const text = decodeSource(fs.readFileSync(file));
      let errorsBefore: string[] | undefined;
      const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      for (const diagnostic of analysis.checkFile(file)) {
        const fixes = fixesFor(sourceFile, diagnostic.code, diagnostic.start, diagnostic.end);
        for (const fix of fixes) {
          it(`${path.basename(file)}:${diagnostic.line} ${diagnostic.code}: ${fix.title}`, () => {
            const fixed = applyEdits(text, fix.edits);
            const reported = count(analysis, file, diagnostic.code);
            // The analysis is incremental: the same one analyses the fixed text, then the original again.
            analysis.setText(file, fixed);
            const afterFix = count(analysis, file, diagnostic.code);
            analysis.setText(file, text);
            assert.equal(afterFix, reported - 1, `still reported after the fix:\n${fixed}`);
            errorsBefore ??= typeErrors(file, text);
            assert.deepEqual(typeErrors(file, fixed), errorsBefore, `the fix broke the types:\n${fixed}`);
          });
        }
      }
    }
  });
}

describe('quick fixes offered', () => {
  const offered = (code: string, text: string, target: string) => {
    const sourceFile = ts.createSourceFile('/x/a.ts', text, ts.ScriptTarget.Latest, true);
    const start = text.indexOf(target);
    return fixesFor(sourceFile, code, start, start + target.length).map((fix) => applyEdits(text, fix.edits));
  };

  it('own a timer kept in a variable on the line after it, at its indentation', () => {
    const [own] = offered('unowned-timer', 'function f() {\n  const t = setInterval(() => {}, 10);\n}\n', 'setInterval(() => {}, 10)');
    assert.equal(own, 'function f() {\n  const t = setInterval(() => {}, 10);\n  import.meta.hot?.own(t);\n}\n');
  });

  it('own a whole chain of calls that return the handle', () => {
    const [own] = offered('unowned-handle', 'http.createServer().listen(3000).on("error", () => {});\n', 'http.createServer()');
    assert.equal(own, 'import.meta.hot?.own(http.createServer().listen(3000).on("error", () => {}));\n');
  });

  it('await a floating promise only where the code can wait', () => {
    assert.deepEqual(offered('floating-promise', 'save();\n', 'save();'), [
      'void save();\n',
      '// reloadable-ignore-next-line floating-promise -- TODO: say why this is safe\nsave();\n',
    ]);
    assert.equal(
      offered('floating-promise', 'async function f() {\n  a ? save() : 0;\n}\n', 'a ? save() : 0;')[0],
      'async function f() {\n  await (a ? save() : 0);\n}\n',
    );
  });

  it('offers only the suppression where no fix is safe', () => {
    assert.deepEqual(offered('layer-violation', "import { a } from './up';\n", "'./up'"), [
      "// reloadable-ignore-next-line layer-violation -- TODO: say why this is safe\nimport { a } from './up';\n",
    ]);
    assert.deepEqual(offered('not-a-code', 'x;\n', 'x'), []);
  });
});
