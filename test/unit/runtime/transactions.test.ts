import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TempApp } from '../../helpers/app';

let app: TempApp;
afterEach(() => app?.dispose());

const layered = {
  'core/store.ts': `export const label = 'v1';\nexport function value() { return 1; }\n`,
  'services/service.ts': `import { label } from '../core/store.js';\nexport function describe() { return 'service:' + label; }\n`,
  'http/routes.ts': `import { describe } from '../services/service.js';\nexport function handle() { return describe(); }\n`,
  'main.ts': `import { handle } from './http/routes.js';\nexport const entry = handle;\n`,
};

describe('reload transactions', () => {
  it('retires callers first and loads callees first along the graph', async () => {
    app = new TempApp(layered);
    const runtime = app.start();
    app.write('core/store.ts', `export const label = 'v2';\nexport function value() { return 2; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.changed, ['core/store.ts']);
    assert.deepEqual(result.loadOrder, ['core/store.ts', 'services/service.ts', 'http/routes.ts', 'main.ts']);
    assert.deepEqual(result.unloadOrder, ['main.ts', 'http/routes.ts', 'services/service.ts', 'core/store.ts']);
    assert.equal(app.module('http/routes.ts').handle(), 'service:v2');
  });

  it('stops propagation at a module that accepts itself, as in Vite', async () => {
    app = new TempApp({ ...layered, 'core/store.ts': `export const label = 'v1';\nimport.meta.hot?.accept();\n` });
    const runtime = app.start();
    app.write('core/store.ts', `export const label = 'v2';\nimport.meta.hot?.accept();\n`);
    const result = await runtime.reload();
    assert.deepEqual(result.loadOrder, ['core/store.ts']);
    // The importer was not run again, yet it reads the new export: exports are live.
    assert.equal(app.module('http/routes.ts').handle(), 'service:v2');
  });

  it('reloads a cycle as one unit, in id order', async () => {
    app = new TempApp({
      'a.ts': `import { b } from './b.js';\nexport const a = () => 'a' + b();\nimport.meta.hot?.accept();\n`,
      'b.ts': `import { a } from './a.js';\nexport const b = () => 'b';\nexport const callA = () => a();\nimport.meta.hot?.accept();\n`,
      'main.ts': `import { a } from './a.js';\nexport { a };\n`,
    });
    const runtime = app.start();
    app.write('b.ts', `import { a } from './a.js';\nexport const b = () => 'B';\nexport const callA = () => a();\nimport.meta.hot?.accept();\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.loadOrder, ['a.ts', 'b.ts']);
    assert.equal(app.module('main.ts').a(), 'aB');
  });

  it('keeps a reference taken before the reload pointing at the new code', async () => {
    app = new TempApp({ 'main.ts': `export function greet() { return 'hello'; }\nexport class Greeter { hi() { return 'hi'; } }\nexport const config = { name: 'one' };\nimport.meta.hot?.accept();\n` });
    const runtime = app.start();
    const { greet, Greeter, config } = app.module('main.ts');
    app.write('main.ts', `export function greet() { return 'bonjour'; }\nexport class Greeter { hi() { return 'salut'; } }\nexport const config = { name: 'two' };\nimport.meta.hot?.accept();\n`);
    assert.equal((await runtime.reload()).outcome, 'committed');
    assert.equal(greet(), 'bonjour');
    assert.equal(new Greeter().hi(), 'salut');
    assert.equal(config.name, 'two');
  });

  it('answers a dry run with the order and changes nothing', async () => {
    app = new TempApp(layered);
    const runtime = app.start();
    const result = await runtime.reload({ files: [app.path('services/service.ts')], dryRun: true });
    assert.equal(result.outcome, 'planned');
    assert.deepEqual(result.loadOrder, ['services/service.ts', 'http/routes.ts', 'main.ts']);
    assert.equal(runtime.status().modules.find((module) => module.id === 'services/service.ts')!.version, 1);
  });

  it('reports no-change when no file changed', async () => {
    app = new TempApp(layered);
    const runtime = app.start();
    assert.equal((await runtime.reload()).outcome, 'no-change');
  });

  it('merges requests made during a reload into the next transaction', async () => {
    app = new TempApp({
      'a.ts': `export const a = 1;\nimport.meta.hot?.accept();\n`,
      'b.ts': `export const b = 1;\nimport.meta.hot?.accept();\n`,
      'c.ts': `export const c = 1;\nimport.meta.hot?.accept();\n`,
      'main.ts': `import { a } from './a.js';\nimport { b } from './b.js';\nimport { c } from './c.js';\nexport const sum = () => a + b + c;\n`,
    });
    const runtime = app.start();
    const first = runtime.reload({ files: [app.path('a.ts')] });
    const second = runtime.reload({ files: [app.path('b.ts')] });
    const third = runtime.reload({ files: [app.path('c.ts')] });
    const [r1, r2, r3] = await Promise.all([first, second, third]);
    assert.deepEqual(r1.changed, ['a.ts']);
    assert.equal(r2, r3, 'the waiting requests share one result');
    assert.deepEqual(r2.changed, ['b.ts', 'c.ts']);
  });

  it('refuses a change that reaches a module that declines', async () => {
    app = new TempApp({ 'dep.ts': `export const x = 1;\n`, 'main.ts': `import { x } from './dep.js';\nimport.meta.hot?.decline();\nexport const y = x;\n` });
    const runtime = app.start();
    app.write('dep.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'plan');
    assert.equal(result.error?.module, 'main.ts');
    assert.equal(app.module('dep.ts').x, 1);
  });

  it('refuses files outside the root and ignores files the app does not load', async () => {
    app = new TempApp(layered);
    const runtime = app.start();
    const outside = await runtime.reload({ files: ['/etc/passwd'] });
    assert.equal(outside.outcome, 'rolled-back');
    assert.match(outside.error!.message, /outside the app's root/);
    app.write('unused.ts', 'export const z = 1;\n');
    const unknown = await runtime.reload({ files: [app.path('unused.ts')] });
    assert.equal(unknown.outcome, 'no-change');
    assert.match(unknown.warnings[0]!, /not a module of the running app/);
  });

  it('retires modules the new code no longer imports', async () => {
    app = new TempApp({ 'old.ts': `export const x = 1;\n`, 'main.ts': `import { x } from './old.js';\nexport const y = () => x;\n` });
    const runtime = app.start();
    app.write('main.ts', `export const y = () => 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.ok(result.unloadOrder.includes('old.ts'));
    assert.equal(runtime.registry.records.has('old.ts'), false);
  });
});
