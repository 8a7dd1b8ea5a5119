import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { fixturesDir } from '../helpers/fixtures';

describe('module graph of a NodeNext project', () => {
  const analysis = ProjectAnalysis.open(path.join(fixturesDir, 'projects/resolution'));
  const edges = analysis.graph().edges.map((edge) => `${edge.from} -> ${edge.to} ${edge.kind}${edge.typeOnly ? ' type-only' : ''}`);

  it('keeps imports whose bindings are used as values and erases the ones used only as types', () => {
    assert.ok(edges.includes('src/main.ts -> src/lib/helper.ts static'));
    assert.ok(edges.includes('src/main.ts -> src/lib/options.ts static'), 'a mixed import with a value binding survives');
    assert.ok(edges.includes('src/main.ts -> src/lib/shapes.ts static type-only'), '`import type` is erased');
    assert.ok(edges.includes('src/main.ts -> src/lib/only-types.ts static type-only'), 'a class used only in a type annotation is erased');
  });

  it('follows re-exports, dynamic imports, side-effect imports, paths and .js specifiers of .ts files', () => {
    assert.deepEqual(edges, [
      'src/feature/index.ts -> src/feature/widget.tsx reexport',
      'src/lib/common.cjs -> src/lib/data.mjs require',
      'src/lib/helper.ts -> src/lib/legacy.cts static',
      'src/lib/legacy.cts -> src/lib/common.cjs require',
      'src/main.ts -> src/feature/index.ts static',
      'src/main.ts -> src/lib/alias.ts static',
      'src/main.ts -> src/lib/helper.ts static',
      'src/main.ts -> src/lib/hidden.ts reexport type-only',
      'src/main.ts -> src/lib/lazy.ts dynamic',
      'src/main.ts -> src/lib/only-types.ts static type-only',
      'src/main.ts -> src/lib/options.ts static',
      'src/main.ts -> src/lib/reexported.ts reexport',
      'src/main.ts -> src/lib/shapes.ts static type-only',
      'src/main.ts -> src/lib/side-effect.ts static',
      'src/main.ts -> src/lib/type-reexport.ts reexport type-only',
    ]);
  });

  it('lists every module of the tsconfig, .tsx, .cts, .cjs and .mjs included', () => {
    const ids = analysis.graph().modules.map((module) => module.id);
    for (const id of ['src/feature/widget.tsx', 'src/lib/legacy.cts', 'src/lib/common.cjs', 'src/lib/data.mjs']) assert.ok(ids.includes(id), id);
  });

  it('re-analyses an edited module: a value use turns a type-only edge into a runtime edge', () => {
    const file = path.join(analysis.folder, 'src/main.ts');
    const edited = ProjectAnalysis.open(analysis.folder);
    const text = fs.readFileSync(file, 'utf8');
    edited.setText(file, `${text}\nexport const shapeValue = new OnlyTypes();\n`);
    const edge = edited.graph().edges.find((e) => e.from === 'src/main.ts' && e.to === 'src/lib/only-types.ts');
    assert.equal(edge?.typeOnly, false);
  });
});

describe('module graph of a TypeScript project without allowJs', () => {
  it("lists its JavaScript modules and resolves require('./x.cjs') and import = require('./x.js') from TypeScript", () => {
    const analysis = ProjectAnalysis.open(path.join(fixturesDir, 'projects/typescript-only'));
    const edges = analysis.graph().edges.map((edge) => `${edge.from} -> ${edge.to} ${edge.kind}`);
    assert.deepEqual(edges, ['src/main.ts -> src/legacy.js require', 'src/main.ts -> src/settings.cjs require']);
  });
});
