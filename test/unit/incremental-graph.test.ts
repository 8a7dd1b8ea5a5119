import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';

const folders: string[] = [];
after(() => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

/** A project on disk: a config with two layers and the given modules under src/. */
function project(modules: Record<string, string>): string {
  const folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-graph-')));
  folders.push(folder);
  fs.writeFileSync(
    path.join(folder, 'reloadable.config.json'),
    JSON.stringify({
      layers: [
        { name: 'low', include: ['src/low/**'] },
        { name: 'high', include: ['src/high/**'] },
      ],
    }),
  );
  for (const [name, text] of Object.entries(modules)) write(folder, name, text);
  return folder;
}

function write(folder: string, name: string, text: string): string {
  const file = path.join(folder, 'src', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const ids = (files: string[], folder: string) => files.map((file) => path.relative(path.join(folder, 'src'), file));
const edgeList = (analysis: ProjectAnalysis) => analysis.graph().edges.map((edge) => `${edge.from} -> ${edge.to}`);

describe('the module graph kept across edits', () => {
  it('keeps the graph when an edit leaves the imports alone, and moves the import sites with the text', () => {
    const folder = project({
      'low/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
      'low/b.ts': "import { a } from './a';\nexport const b = () => a();\n",
    });
    const analysis = ProjectAnalysis.open(folder);
    analysis.check();
    const graph = analysis.graph();
    const file = path.join(folder, 'src/low/b.ts');
    analysis.setText(file, `// moved down\n\n${fs.readFileSync(file, 'utf8')}setTimeout(() => undefined, 1);\n`);
    assert.equal(analysis.graph(), graph, 'the same graph, not a rebuilt one');
    assert.deepEqual(analysis.takeGraphChanges(), []);
    const cycle = analysis.checkFile(path.join(folder, 'src/low/a.ts')).find((d) => d.code === 'import-cycle')!;
    assert.equal(cycle.related[0]!.line, 3, "b.ts's import of a.ts, where it is now");
  });

  it('rebuilds when an import changes and names the modules whose findings changed', () => {
    const folder = project({
      'low/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
      'low/b.ts': "import { c } from './c';\nexport const b = () => c();\n",
      'low/c.ts': 'export const c = () => 1;\n',
      'high/d.ts': "import { a } from '../low/a';\nexport const d = () => a();\n",
    });
    const analysis = ProjectAnalysis.open(folder);
    analysis.check();
    analysis.takeGraphChanges();
    const c = path.join(folder, 'src/low/c.ts');
    analysis.setText(c, "import { a } from './a';\nexport const c = () => a();\n");
    assert.deepEqual(analysis.cycles(), [['src/low/a.ts', 'src/low/b.ts', 'src/low/c.ts']]);
    assert.deepEqual(ids(analysis.takeGraphChanges(), folder), ['low/a.ts', 'low/b.ts', 'low/c.ts']);
    assert.deepEqual(ids(analysis.cycleMatesOf(c), folder), ['low/a.ts', 'low/b.ts']);
    assert.ok(
      analysis.checkFile(path.join(folder, 'src/low/b.ts')).some((d) => d.code === 'import-cycle'),
      'b.ts is in the new cycle without being edited',
    );
  });

  it('resolves existing imports again when a module appears or disappears', () => {
    const folder = project({ 'high/main.ts': "import { helper } from '../low/helper';\nhelper();\n" });
    const analysis = ProjectAnalysis.open(folder);
    analysis.check();
    assert.deepEqual(edgeList(analysis), []);
    const helper = write(folder, 'low/helper.ts', 'export const helper = () => 1;\n');
    analysis.setText(helper, undefined);
    assert.deepEqual(edgeList(analysis), ['src/high/main.ts -> src/low/helper.ts']);
    assert.deepEqual(ids(analysis.takeGraphChanges(), folder), ['high/main.ts', 'low/helper.ts']);
    assert.deepEqual(ids(analysis.dependentsOf(helper), folder), ['high/main.ts']);
    fs.rmSync(helper);
    analysis.remove(helper);
    assert.deepEqual(edgeList(analysis), []);
    assert.deepEqual(ids(analysis.takeGraphChanges(), folder), ['high/main.ts']);
  });

  it('counts the importers of a barrel among the dependents of what it re-exports', () => {
    const folder = project({
      'low/impl.ts': 'export const work = async () => 1;\n',
      'low/index.ts': "export * from './impl';\n",
      'high/user.ts': "import { work } from '../low';\nwork();\n",
      'high/direct.ts': "import { work } from '../low/impl';\nvoid work();\n",
    });
    const analysis = ProjectAnalysis.open(folder);
    assert.deepEqual(ids(analysis.dependentsOf(path.join(folder, 'src/low/impl.ts')), folder), ['high/direct.ts', 'high/user.ts', 'low/index.ts']);
  });

  it('ends every sequence of edits, creations and deletions where a fresh analysis of the same files starts', () => {
    const names = ['low/a.ts', 'low/b.ts', 'low/c.ts', 'high/d.ts', 'high/e.ts'];
    const edit = fc.record({
      module: fc.constantFrom(...names),
      // undefined deletes the module; otherwise the modules it imports, at run time or for types only.
      imports: fc.option(fc.array(fc.record({ to: fc.constantFrom(...names), typeOnly: fc.boolean() }), { maxLength: 3 }), { nil: undefined }),
      padding: fc.nat(3),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
        const folder = project({ 'low/a.ts': 'export const a = 1;\n', 'high/d.ts': "import { a } from '../low/a';\nexport const d = a;\n" });
        const kept = ProjectAnalysis.open(folder);
        kept.check({ types: false });
        for (const { module, imports, padding } of edits) {
          const file = path.join(folder, 'src', module);
          if (imports === undefined) {
            fs.rmSync(file, { force: true });
            kept.remove(file);
            continue;
          }
          const lines = imports.map(({ to, typeOnly }, index) => {
            const specifier = path.posix.relative(path.posix.dirname(module), to).replace(/\.ts$/, '');
            return `import ${typeOnly ? 'type ' : ''}* as m${index} from '${specifier.startsWith('.') ? specifier : `./${specifier}`}';${typeOnly ? '' : `\nexport const v${index} = m${index};`}`;
          });
          const text = `${'\n'.repeat(padding)}${lines.join('\n')}\nexport const x = 1;\n`;
          const existed = fs.existsSync(file);
          write(folder, module, text);
          // An editor's buffer for a module that exists; a watcher's notice for a new one.
          kept.setText(file, existed ? text : undefined);
          kept.graph();
        }
        const fresh = ProjectAnalysis.open(folder);
        assert.deepEqual(kept.graph(), fresh.graph());
        assert.deepEqual(kept.cycles(), fresh.cycles());
        for (const file of fresh.files) assert.deepEqual(kept.checkFile(file, { types: false }), fresh.checkFile(file, { types: false }), file);
      }),
      { numRuns: 60 },
    );
  });
});
