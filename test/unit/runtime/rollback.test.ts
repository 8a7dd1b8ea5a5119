import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TempApp } from '../../helpers/app';

let app: TempApp;
afterEach(() => app?.dispose());

// The old version logs when it is disposed and keeps a timer, so "untouched" can be checked.
const service = (label: string) => `
export const disposed: string[] = (globalThis as any).__disposed ??= [];
export function label() { return '${label}'; }
const timer = import.meta.hot!.setInterval(() => {}, 60_000);
import.meta.hot!.dispose(() => { disposed.push('${label}'); });
export const timerAlive = () => (timer as any)._destroyed === false;
`;
const main = `import { label } from './service.js';\nexport const current = () => label();\nimport.meta.hot?.accept();\n`;

async function expectRollback(replacement: string, phase: string, pattern: RegExp, options = {}) {
  app = new TempApp({ 'service.ts': service('v1'), 'main.ts': main });
  const runtime = app.start('main.ts', options);
  const before = app.module('service.ts');
  app.write('service.ts', replacement);
  const result = await runtime.reload();
  assert.equal(result.outcome, 'rolled-back');
  assert.equal(result.error?.phase, phase);
  assert.match(result.error!.message, pattern);
  // The old version serves, was never disposed, and still owns its open timer.
  assert.equal(app.module('main.ts').current(), 'v1');
  assert.deepEqual(before.disposed, []);
  assert.equal(before.timerAlive(), true);
  assert.equal(runtime.status().modules.find((module) => module.id === 'service.ts')!.version, 1);
  return result;
}

describe('rollback leaves the old version live and untouched', () => {
  afterEach(() => delete (globalThis as any).__disposed);

  it('on a syntax error, with its position', async () => {
    const result = await expectRollback(`export function label( { return 'x' }\n`, 'transform', /service\.ts:1:\d+/);
    assert.equal(result.error?.module, 'service.ts');
    assert.equal(result.error?.line, 1);
  });

  it('on an init that throws, pointing at the throwing line', async () => {
    const result = await expectRollback(`export function label() { return 'v2'; }\n\nthrow new Error('no database');\n`, 'init', /threw while initialising: no database/);
    assert.equal(result.error?.line, 3);
    assert.equal(result.error?.file, app.path('service.ts'));
  });

  it('on an init that never ends, after the init timeout', async () => {
    await expectRollback(`export function label() { return 'v2'; }\nwhile (true) {}\n`, 'init', /did not finish initialising within 200 ms/, { initTimeoutMs: 200 });
  });

  it('on a missing export an importer needs', async () => {
    const result = await expectRollback(`export function renamed() { return 'v2'; }\n`, 'link', /main\.ts imports `label` from service\.ts/);
    assert.equal(result.error?.module, 'main.ts');
  });

  it('on a file caught empty in the middle of a save', async () => {
    const result = await expectRollback('', 'link', /main\.ts imports `label` from service\.ts/);
    assert.equal(result.error?.module, 'main.ts');
  });

  it('on a CommonJS-compiled module that lost an export its importer used', async () => {
    // No "type": "module": esbuild compiles service.ts as CommonJS, whose export list is not fixed.
    app = new TempApp({ 'service.ts': `export function label() { return 'v1'; }\n`, 'main.ts': main }, {});
    const runtime = app.start('main.ts');
    app.write('service.ts', '');
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'link');
    assert.equal(app.module('main.ts').current(), 'v1');
    // A CommonJS module may still add exports it never had.
    app.write('service.ts', `export function label() { return 'v2'; }\nexport const extra = 1;\n`);
    assert.equal((await runtime.reload()).outcome, 'committed');
    assert.equal(app.module('main.ts').current(), 'v2');
  });

  it('on top-level await, with a message that says why and what to do', async () => {
    await expectRollback(`export function label() { return 'v2'; }\nawait Promise.resolve();\n`, 'transform', /top-level await is not supported/);
  });

  it('on a restore that throws, after the old version drained', async () => {
    app = new TempApp({
      'service.ts': `let count = 41;\nimport.meta.hot!.state({ version: 1, save: () => count, restore: (saved: number) => { count = saved; } });\nexport const next = () => ++count;\n`,
      'main.ts': `import { next } from './service.js';\nexport const call = () => next();\nimport.meta.hot?.accept();\n`,
    });
    const runtime = app.start();
    app.write('service.ts', `let count = 0;\nimport.meta.hot!.state({ version: 2, save: () => count, restore: () => { throw new Error('schema changed'); } });\nexport const next = () => ++count;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'restore');
    assert.match(result.error!.message, /schema changed/);
    assert.equal(app.module('main.ts').call(), 42);
  });

  it('closes what a dropped candidate started and reports what it leaked', async () => {
    app = new TempApp({ 'service.ts': service('v1'), 'main.ts': main });
    const runtime = app.start();
    const leaks: string[] = [];
    runtime.subscribe((event) => event.type === 'leak' && leaks.push(event.leak.description));
    app.write('service.ts', `export function label() { return 'v2'; }\nsetInterval(() => {}, 60_000).unref();\nimport.meta.hot!.setInterval(() => {}, 60_000);\nthrow new Error('late failure');\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(leaks, ['setInterval every 60000 ms']);
  });

  it('stays up when the next reload fixes the error', async () => {
    await expectRollback(`export function label( {\n`, 'transform', /Unexpected|Expected/);
    app.write('service.ts', service('v3'));
    const result = await app.runtime!.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(app.module('main.ts').current(), 'v3');
    assert.deepEqual(app.module('service.ts').disposed, ['v1']);
  });
});
