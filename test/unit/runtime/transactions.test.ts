import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, it } from 'node:test';
import { TempApp } from '../../helpers/app';
import { eventually } from '../../helpers/wait';

let app: TempApp;
afterEach(() => app?.dispose());

// A layered app whose modules only read their imports when called: nothing but the changed module runs again.
const layered = {
  'core/store.ts': `export const label = 'v1';\nexport function value() { return 1; }\n`,
  'services/service.ts': `import { label } from '../core/store.js';\nexport function describe() { return 'service:' + label; }\n`,
  'http/routes.ts': `import { describe } from '../services/service.js';\nexport function handle() { return describe(); }\n`,
  'main.ts': `import { handle } from './http/routes.js';\nexport const entry = () => handle();\n`,
};

// The same app, but each module hands what it imports to something at its top level (as an app registers
// its routes with a framework): a change must run every module above it again.
const spine = {
  'core/store.ts': `export const label = 'v1';\n`,
  'services/service.ts': `import { label } from '../core/store.js';\nconst prefix = 'service:' + label;\nexport function describe() { return prefix; }\n`,
  'http/routes.ts': `import { describe } from '../services/service.js';\nexport const routes = { '/': describe };\n`,
  'main.ts': `import { routes } from './http/routes.js';\nexport const app = new Map(Object.entries(routes));\nexport const entry = () => app.get('/')!();\n`,
};

describe('which modules a reload runs again', () => {
  it('runs only the changed module when its importers read it when called', async () => {
    app = new TempApp(layered);
    const runtime = await app.start();
    app.write('core/store.ts', `export const label = 'v2';\nexport function value() { return 2; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.loadOrder, ['core/store.ts']);
    assert.equal(app.module('main.ts').entry(), 'service:v2');
  });

  it('runs again every module whose loading consumed a changed value, callees first, callers retired first', async () => {
    app = new TempApp(spine);
    const runtime = await app.start();
    assert.equal(app.module('main.ts').entry(), 'service:v1');
    app.write('core/store.ts', `export const label = 'v2';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.loadOrder, ['core/store.ts', 'services/service.ts', 'http/routes.ts', 'main.ts']);
    assert.deepEqual(result.unloadOrder, ['main.ts', 'http/routes.ts', 'services/service.ts', 'core/store.ts']);
    assert.equal(app.module('main.ts').entry(), 'service:v2');
  });

  it('counts a value read while loading after an await as consumed too (a bootstrap that awaits first)', async () => {
    app = new TempApp({
      'dep.ts': `export const tag = 'one';\n`,
      'main.ts': `import { tag } from './dep.js';\nexport let seen = '';\nasync function boot() { await new Promise((r) => setTimeout(r, 5)); seen = tag; }\nexport const booted = boot();\n`,
    });
    const runtime = await app.start();
    await app.module('main.ts').booted;
    app.write('dep.ts', `export const tag = 'two';\n`);
    const result = await runtime.reload();
    assert.deepEqual(result.loadOrder, ['dep.ts', 'main.ts']);
    await app.module('main.ts').booted;
    assert.equal(app.module('main.ts').seen, 'two');
  });

  it('stops propagation at a module that accepts itself, as in Vite', async () => {
    app = new TempApp({ ...spine, 'core/store.ts': `export const label = 'v1';\nimport.meta.hot?.accept();\n` });
    const runtime = await app.start();
    app.write('core/store.ts', `export const label = 'v2';\nimport.meta.hot?.accept();\n`);
    const result = await runtime.reload();
    assert.deepEqual(result.loadOrder, ['core/store.ts']);
    assert.equal(app.module('core/store.ts').label, 'v2');
  });

  it('refuses a change that reaches a module that declines', async () => {
    app = new TempApp({
      'dep.ts': `export const x = 1;\n`,
      'main.ts': `import { x } from './dep.js';\nimport.meta.hot?.decline();\nexport const y = x;\n`,
    });
    const runtime = await app.start();
    app.write('dep.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'plan');
    assert.equal(result.error?.module, 'main.ts');
    assert.equal(app.module('dep.ts').x, 1);
  });

  it('answers a dry run with the order the reload then applies, and changes nothing', async () => {
    app = new TempApp(spine);
    const runtime = await app.start();
    app.write('services/service.ts', spine['services/service.ts'].replace("'service:'", "'svc:'"));
    const planned = await runtime.reload({ dryRun: true });
    assert.equal(planned.outcome, 'planned');
    assert.equal(runtime.status().modules.find((module) => module.id === 'services/service.ts')!.version, 1);
    const applied = await runtime.reload();
    assert.deepEqual(planned.loadOrder, ['services/service.ts', 'http/routes.ts', 'main.ts']);
    assert.deepEqual(applied.loadOrder, planned.loadOrder);
    assert.deepEqual(applied.unloadOrder, planned.unloadOrder);
  });

  it('reports no-change when no file changed', async () => {
    app = new TempApp(layered);
    const runtime = await app.start();
    assert.equal((await runtime.reload()).outcome, 'no-change');
  });

  it('merges requests made during a reload into the next transaction', async () => {
    app = new TempApp({
      'a.ts': `export const a = 1;\n`,
      'b.ts': `export const b = 1;\n`,
      'c.ts': `export const c = 1;\n`,
      'main.ts': `import { a } from './a.js';\nimport { b } from './b.js';\nimport { c } from './c.js';\nexport const sum = () => a + b + c;\n`,
    });
    const runtime = await app.start();
    const first = runtime.reload({ files: [app.path('a.ts')] });
    const second = runtime.reload({ files: [app.path('b.ts')] });
    const third = runtime.reload({ files: [app.path('c.ts')] });
    const [r1, r2, r3] = await Promise.all([first, second, third]);
    assert.deepEqual(r1.changed, ['a.ts']);
    assert.equal(r2, r3, 'the waiting requests share one result');
    assert.deepEqual(r2.changed, ['b.ts', 'c.ts']);
  });

  it('refuses files outside the root and ignores files the app does not load', async () => {
    app = new TempApp(layered);
    const runtime = await app.start();
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
    const runtime = await app.start();
    app.write('main.ts', `export const y = () => 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.ok(result.unloadOrder.includes('old.ts'));
    assert.equal(runtime.registry.records.has('old.ts'), false);
  });

  it('commits a change that deletes a module and its last import together', async () => {
    app = new TempApp({ 'old.ts': `export const x = 1;\n`, 'main.ts': `import { x } from './old.js';\nexport const y = () => x;\n` });
    const runtime = await app.start();
    app.write('main.ts', `export const y = () => 2;\n`);
    app.remove('old.ts');
    const result = await runtime.reload({ files: [app.path('main.ts'), app.path('old.ts')] });
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.equal(app.module('main.ts').y(), 2);
    assert.equal(runtime.registry.records.has('old.ts'), false);
  });

  it('rolls back a deletion while a module still imports it, naming the importer', async () => {
    app = new TempApp({ 'old.ts': `export const x = 1;\n`, 'main.ts': `import { x } from './old.js';\nexport const y = () => x;\n` });
    const runtime = await app.start();
    app.remove('old.ts');
    const result = await runtime.reload({ files: [app.path('old.ts')] });
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'link');
    assert.match(result.error!.message, /old\.ts was deleted but main\.ts still imports it/);
    assert.equal(app.module('main.ts').y(), 1);
  });
});

describe('exports keep their identity', () => {
  it('is one value everywhere: ===, instanceof, constructor and WeakMap keys agree between modules', async () => {
    app = new TempApp({
      'registry.ts': `export const metadata = new WeakMap<object, string>();\nexport function Controller(path: string) { return (target: object) => { metadata.set(target, path); }; }\n`,
      'controller.ts': `import { metadata } from './registry.js';\nexport class Ctrl {}\nmetadata.set(Ctrl, '/users');\nexport const own = () => metadata.get(Ctrl);\n`,
      'main.ts': `import { Ctrl } from './controller.js';\nimport { metadata } from './registry.js';\nexport const seen = () => metadata.get(Ctrl);\nexport const same = (value: unknown) => value === Ctrl;\nexport const make = () => new Ctrl();\nexport { Ctrl };\n`,
    });
    await app.start();
    const main = app.module('main.ts');
    const controller = app.module('controller.ts');
    assert.equal(main.seen(), '/users');
    assert.equal(controller.own(), '/users');
    assert.ok(main.same(controller.Ctrl));
    assert.equal(main.Ctrl, controller.Ctrl);
    const made = main.make();
    assert.ok(made instanceof controller.Ctrl);
    assert.equal(made.constructor, controller.Ctrl);
  });

  it('reads the newest version at call time: a namespace held before the reload sees the new exports', async () => {
    app = new TempApp({
      'main.ts': `export function greet() { return 'hello'; }\nexport class Greeter { hi() { return 'hi'; } }\nexport const config = { name: 'one' };\n`,
    });
    const runtime = await app.start();
    const namespace = app.module('main.ts');
    const before = namespace.Greeter;
    app.write(
      'main.ts',
      `export function greet() { return 'bonjour'; }\nexport class Greeter { hi() { return 'salut'; } }\nexport const config = { name: 'two' };\n`,
    );
    assert.equal((await runtime.reload()).outcome, 'committed');
    assert.equal(namespace.greet(), 'bonjour');
    assert.equal(new namespace.Greeter().hi(), 'salut');
    assert.equal(namespace.config.name, 'two');
    assert.notEqual(namespace.Greeter, before, 'a new version is a new class, as a fresh start would make');
  });
});

describe('evaluation order', () => {
  it('evaluates and reloads a cycle in the order the entry first reached it, as Node does', async () => {
    const log = `((globalThis as any).__order ??= []).push`;
    app = new TempApp({
      'a.ts': `import { b } from './b.js';\n${log}('a');\nexport const a = () => 'a' + b();\n`,
      'b.ts': `import { a } from './a.js';\n${log}('b');\nexport const b = () => 'b';\nexport const callA = () => a();\n`,
      'main.ts': `import { a } from './a.js';\nexport const run = a();\n`,
    });
    const runtime = await app.start();
    assert.deepEqual((globalThis as any).__order, ['b', 'a']);
    (globalThis as any).__order = [];
    app.write('b.ts', `import { a } from './a.js';\n${log}('b');\nexport const b = () => 'B';\nexport const callA = () => a();\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.loadOrder, ['b.ts', 'a.ts', 'main.ts']);
    assert.deepEqual((globalThis as any).__order, ['b', 'a']);
    delete (globalThis as any).__order;
    assert.equal(app.module('main.ts').run, 'aB');
  });

  it('lets a cycle member call a hoisted function of a module that has not run yet', async () => {
    app = new TempApp({
      'a.ts': `import { fromB } from './b.js';\nexport function fromA() { return 'A'; }\nexport const both = fromB();\n`,
      'b.ts': `import { fromA } from './a.js';\nexport function fromB() { return 'B'; }\nexport const early = fromA();\n`,
      'main.ts': `import { both } from './a.js';\nimport { early } from './b.js';\nexport const seen = both + early;\n`,
    });
    await app.start();
    assert.equal(app.module('main.ts').seen, 'BA');
  });

  it('evaluates modules that await at their top level in the order Node does: siblings do not wait for each other', async () => {
    const log = `(globalThis.__steps ??= []).push`;
    const files = {
      'slow.mjs': `${log}('slow:start');\nawait new Promise((r) => setTimeout(r, 30));\n${log}('slow:end');\nexport const slow = 1;\n`,
      'fast.mjs': `${log}('fast:start');\nawait new Promise((r) => setTimeout(r, 5));\n${log}('fast:end');\nexport const fast = 2;\n`,
      'after-slow.mjs': `import { slow } from './slow.mjs';\n${log}('after-slow');\nexport const afterSlow = slow;\n`,
      'plain.mjs': `${log}('plain');\nexport const plain = 3;\n`,
      'main.mjs': `import { afterSlow } from './after-slow.mjs';\nimport { fast } from './fast.mjs';\nimport { plain } from './plain.mjs';\n${log}('main');\nexport const sum = afterSlow + fast + plain;\nexport const steps = globalThis.__steps;\n`,
      'print.mjs': `import { steps } from './main.mjs';\nconsole.log(JSON.stringify(steps));\n`,
    };
    app = new TempApp(files);
    const underNode = JSON.parse(execFileSync(process.execPath, [app.path('print.mjs')], { encoding: 'utf8' })) as string[];
    await app.start('main.mjs');
    assert.deepEqual((globalThis as any).__steps, underNode);
    assert.deepEqual(underNode.slice(0, 4), ['slow:start', 'fast:start', 'plain', 'fast:end'], 'Node runs the siblings while one awaits');
    delete (globalThis as any).__steps;
    assert.equal(app.module('main.mjs').sum, 6);
  });
});

describe('one reload at a time', () => {
  it('starts a waiting reload as soon as the running one committed: the settle window ends early', async () => {
    app = new TempApp({ 'dep.ts': `export const x = 1;\n`, 'main.ts': `import { x } from './dep.js';\nexport const read = () => x;\n` });
    const runtime = await app.start('main.ts', { settleMs: 5000 });
    app.write('dep.ts', `export const x = 2;\n`);
    const first = runtime.reload();
    await new Promise<void>((resolve) => runtime.subscribe((event) => event.type === 'phase' && event.phase === 'settle' && resolve()));
    app.write('dep.ts', `export const x = 3;\n`);
    const started = performance.now();
    const second = runtime.reload();
    await eventually(() => app.module('main.ts').read() === 3, 'the second reload to commit');
    assert.ok(performance.now() - started < 4000, "the second reload did not wait out the first one's settle window");
    assert.equal((await first).outcome, 'committed');
    runtime.reload({ files: [app.path('main.ts')] }).catch(() => undefined);
    assert.equal((await second).outcome, 'committed');
  });
});
