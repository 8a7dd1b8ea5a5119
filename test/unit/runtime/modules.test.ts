// What real apps use of the module system, each checked against what Node (and TypeScript) do.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TempApp } from '../../helpers/app';

let app: TempApp;
afterEach(() => app?.dispose());

describe('the module system', () => {
  it('imports JSON with and without import attributes, and reloads it when it changes', async () => {
    app = new TempApp({
      'config.json': `{ "name": "one", "port": 1 }`,
      'main.ts': `import config from './config.json' with { type: 'json' };\nimport plain from './config.json';\nexport const read = () => [config.name, plain.port];\n`,
    });
    const runtime = await app.start();
    assert.deepEqual(app.module('main.ts').read(), ['one', 1]);
    app.write('config.json', `{ "name": "two", "port": 2 }`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(app.module('main.ts').read(), ['two', 2]);
  });

  it('points import.meta and CommonJS file names at the real source file', async () => {
    app = new TempApp(
      {
        'esm/main.mts': `export const meta = [import.meta.url, import.meta.filename, import.meta.dirname];\nexport const resolved = import.meta.resolve('./other.mts');\n`,
        'esm/other.mts': `export {};\n`,
        'main.cts': `import { meta, resolved } from './esm/main.mjs';\nexport const names = [__filename, __dirname];\nexport const fromEsm = { meta, resolved };\nexport const resolvedByRequire = require.resolve('./esm/other.mts');\n`,
      },
      {},
    );
    await app.start('main.cts');
    const main = app.module('main.cts');
    assert.deepEqual(main.names, [app.path('main.cts'), app.dir]);
    assert.deepEqual(main.fromEsm.meta, [pathToFileURL(app.path('esm/main.mts')).href, app.path('esm/main.mts'), app.path('esm')]);
    assert.equal(main.fromEsm.resolved, pathToFileURL(app.path('esm/other.mts')).href);
    assert.equal(main.resolvedByRequire, app.path('esm/other.mts'));
  });

  it('resolves .js specifiers of .ts files, tsconfig paths, package.json imports and self-references through exports', async () => {
    app = new TempApp(
      {
        'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['src/lib/*'] } } }),
        'src/lib/a.ts': `export const a = 'a';\n`,
        'src/internal/b.ts': `export const b = 'b';\n`,
        'src/public/c.ts': `export const c = 'c';\n`,
        'src/main.ts': `import { a } from '@lib/a';\nimport { b } from '#internal/b';\nimport { c } from 'the-app/c';\nimport { a as again } from './lib/a.js';\nexport const all = a + b + c + again;\n`,
      },
      { name: 'the-app', type: 'module', imports: { '#internal/*': './src/internal/*.ts' }, exports: { './c': './src/public/c.ts' } },
    );
    await app.start('src/main.ts');
    assert.equal(app.module('src/main.ts').all, 'abca');
  });

  it('gives ES modules CommonJS exports as Node does: module.exports as default, its properties by name', async () => {
    app = new TempApp({
      'legacy.cjs': `module.exports = function legacy() { return 'called'; };\nmodule.exports.extra = 'extra';\n`,
      'object.cjs': `exports.named = 'named';\nexports.other = 2;\n`,
      'main.ts': `import legacy, { extra } from './legacy.cjs';\nimport * as object from './object.cjs';\nimport { named } from './object.cjs';\nexport const seen = [legacy(), extra, named, object.other, typeof object.default];\n`,
    });
    await app.start();
    assert.deepEqual(app.module('main.ts').seen, ['called', 'extra', 'named', 2, 'object']);
  });

  it('gives CommonJS TypeScript the esModuleInterop view, and its require the other app modules', async () => {
    app = new TempApp(
      {
        'esm-style.ts': `export default function greet() { return 'hi'; }\nexport const named = 'n';\n`,
        'plain.js': `module.exports = { value: 42 };\n`,
        'main.ts': `import greet, { named } from './esm-style';\nimport plain from './plain';\nconst required = require('./plain');\nexport const seen = [greet(), named, plain.value, required.value, require('./esm-style').named];\n`,
      },
      {},
    );
    await app.start();
    assert.deepEqual(app.module('main.ts').seen, ['hi', 'n', 42, 42, 'n']);
  });

  it('emits design:paramtypes for legacy decorators when the tsconfig asks, so constructor injection works', async () => {
    app = new TempApp(
      {
        'tsconfig.json': JSON.stringify({ compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true } }),
        'reflect.ts': `const store = new WeakMap<object, Map<string, unknown>>();\n(Reflect as any).metadata = (key: string, value: unknown) => (target: object) => { const map = store.get(target) ?? new Map(); map.set(key, value); store.set(target, map); };\n(Reflect as any).getMetadata = (key: string, target: object) => store.get(target)?.get(key);\n`,
        'service.ts': `export class Service { hello() { return 'hello'; } }\n`,
        'controller.ts': `import './reflect.js';\nimport { Service } from './service.js';\nconst Injectable = (): ClassDecorator => () => {};\n@Injectable()\nexport class Controller { constructor(readonly service: Service) {} }\n`,
        'main.ts': `import { Controller } from './controller.js';\nimport { Service } from './service.js';\nexport const types = () => (Reflect as any).getMetadata('design:paramtypes', Controller);\nexport const isService = () => types()[0] === Service;\n`,
      },
      {},
    );
    await app.start();
    assert.equal(app.module('main.ts').isService(), true);
  });

  it('runs standard decorators when the tsconfig does not ask for legacy ones', async () => {
    app = new TempApp({
      'main.ts': `const seen: string[] = [];\nfunction logged(value: any, context: ClassMethodDecoratorContext) { seen.push(String(context.name)); return value; }\nclass Thing { @logged run() { return 1; } }\nexport const names = () => [...seen, new Thing().run()];\n`,
    });
    await app.start();
    assert.deepEqual(app.module('main.ts').names(), ['run', 1]);
  });

  it('hands an app file a package imports itself to the runtime: reloaded, and the package sees the new version', async () => {
    app = new TempApp({
      'node_modules/loader-pkg/package.json': JSON.stringify({ name: 'loader-pkg', type: 'module', exports: './index.js' }),
      'node_modules/loader-pkg/index.js': `export async function load(file) { const module = await import(file); return module.default(); }\n`,
      'node_modules/require-pkg/package.json': JSON.stringify({ name: 'require-pkg', main: 'index.js' }),
      'node_modules/require-pkg/index.js': `exports.load = (file) => require(file).value;\n`,
      'plugin.ts': `export default function plugin() { return 'plugin-1'; }\n`,
      'value.cts': `export const value = 'value-1';\n`,
      'main.ts': `import { load } from 'loader-pkg';\nimport requirePkg from 'require-pkg';\nexport const loaded = await load(new URL('./plugin.ts', import.meta.url).href);\nexport const required = requirePkg.load(import.meta.dirname + '/value.cts');\n`,
    });
    const runtime = await app.start();
    assert.equal(app.module('main.ts').loaded, 'plugin-1');
    assert.equal(app.module('main.ts').required, 'value-1');
    const status = runtime.status();
    assert.ok(
      status.modules.some((module) => module.id === 'plugin.ts'),
      'the plugin is a module of the graph',
    );
    app.write('plugin.ts', `export default function plugin() { return 'plugin-2'; }\n`);
    app.write('value.cts', `export const value = 'value-2';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.ok(result.loadOrder.includes('main.ts'), 'the module that loaded them through the packages runs again');
    assert.equal(app.module('main.ts').loaded, 'plugin-2');
    assert.equal(app.module('main.ts').required, 'value-2');
  });

  it('starts a worker thread of a .ts file of the app', async () => {
    app = new TempApp({
      'worker.ts': `import { parentPort } from 'node:worker_threads';\nconst double = (n: number): number => n * 2;\nparentPort!.postMessage(double(21));\n`,
      'main.ts': `import { Worker } from 'node:worker_threads';\nexport const answer = await new Promise((resolve, reject) => { const worker = new Worker(new URL('./worker.ts', import.meta.url)); worker.once('message', resolve); worker.once('error', reject); });\n`,
    });
    await app.start('main.ts', { initTimeoutMs: 10_000 });
    assert.equal(app.module('main.ts').answer, 42);
  });

  it("compiles a worker thread as the main thread: the tsconfig's decorator metadata, .js naming .ts, tsconfig paths", async () => {
    const reflect = `const store = new WeakMap<object, Map<string, unknown>>();\n(Reflect as any).metadata = (key: string, value: unknown) => (target: object) => { const map = store.get(target) ?? new Map(); map.set(key, value); store.set(target, map); };\n(Reflect as any).getMetadata = (key: string, target: object) => store.get(target)?.get(key);\n`;
    app = new TempApp({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true, baseUrl: '.', paths: { '@lib/*': ['lib/*'] } },
      }),
      'reflect.ts': reflect,
      'lib/service.ts': `export class Service {}\n`,
      'worker.ts': `import { parentPort } from 'node:worker_threads';\nimport './reflect.js';\nimport { Service } from '@lib/service';\nconst Injectable = (): ClassDecorator => () => {};\n@Injectable()\nclass Controller { constructor(readonly service: Service) {} }\nconst types = (Reflect as any).getMetadata('design:paramtypes', Controller);\nparentPort!.postMessage(types?.[0] === Service ? 'Service' : String(types));\n`,
      'main.ts': `import { Worker } from 'node:worker_threads';\nexport const injected = await new Promise((resolve, reject) => { const worker = new Worker(new URL('./worker.ts', import.meta.url)); worker.once('message', resolve); worker.once('error', reject); });\n`,
    });
    await app.start('main.ts', { initTimeoutMs: 10_000 });
    assert.equal(app.module('main.ts').injected, 'Service');
  });

  it('starts a worker thread of a CommonJS app that requires its TypeScript without extensions, whatever flags the process has', async () => {
    app = new TempApp(
      {
        'helper.ts': `export const triple = (n: number): number => n * 3;\n`,
        'worker.ts': `const { parentPort } = require('node:worker_threads');\nconst { triple } = require('./helper');\nparentPort.postMessage(triple(14));\n`,
        'main.ts': `import { Worker } from 'node:worker_threads';\nimport * as path from 'node:path';\nexport const answer = new Promise((resolve, reject) => { const worker = new Worker(path.join(__dirname, 'worker.ts')); worker.once('message', resolve); worker.once('error', reject); });\n`,
      },
      {},
    );
    // The app's process runs with a flag a worker refuses (a V8 option), as `node --max-old-space-size=… reloadable run` does.
    process.execArgv.push('--max-old-space-size=512');
    try {
      await app.start('main.ts', { initTimeoutMs: 10_000 });
      assert.equal(await app.module('main.ts').answer, 42);
    } finally {
      process.execArgv.pop();
    }
  });

  it('keeps a global polyfill a package installs once, as under plain Node', async () => {
    app = new TempApp({
      'node_modules/polyfill-pkg/package.json': JSON.stringify({ name: 'polyfill-pkg', main: 'index.js' }),
      'node_modules/polyfill-pkg/index.js': `globalThis.__polyfillLoads = (globalThis.__polyfillLoads ?? 0) + 1;\n`,
      'dep.ts': `import 'polyfill-pkg';\nexport const tag = 1;\n`,
      'main.ts': `import 'polyfill-pkg';\nimport { tag } from './dep.js';\nexport const seen = () => tag;\n`,
    });
    const runtime = await app.start();
    app.write('dep.ts', `import 'polyfill-pkg';\nexport const tag = 2;\n`);
    await runtime.reload();
    assert.equal((globalThis as any).__polyfillLoads, 1);
    delete (globalThis as any).__polyfillLoads;
  });
});
