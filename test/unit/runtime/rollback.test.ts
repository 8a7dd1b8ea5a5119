import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TempApp } from '../../helpers/app';
import { eventually } from '../../helpers/wait';

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
  const runtime = await app.start('main.ts', options);
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
    const result = await expectRollback(
      `export function label() { return 'v2'; }\n\nthrow new Error('no database');\n`,
      'init',
      /threw while initialising: no database/,
    );
    assert.equal(result.error?.line, 3);
    assert.equal(result.error?.file, app.path('service.ts'));
  });

  it('and code of the rolled-back version that calls process.exit() afterwards does not end the process', async () => {
    // A framework's listen callback or a server's 'close' handler of the rejected version runs once its rollback
    // closed what it started: an exit there is not the app's.
    await expectRollback(
      [
        "import { createServer } from 'node:net';",
        "export function label() { return 'v2'; }",
        'const server = createServer().listen(0);',
        "server.on('close', () => { (globalThis as any).__exitCalled = true; process.exit(1); });",
        "throw new Error('no database');",
        '',
      ].join('\n'),
      'init',
      /no database/,
    );
    await eventually(() => (globalThis as any).__exitCalled === true, 'the closed server of the rolled-back version to call process.exit');
    delete (globalThis as any).__exitCalled;
    assert.equal(app.module('main.ts').current(), 'v1');
  });

  it('on an init that never ends, after the init timeout', async () => {
    await expectRollback(`export function label() { return 'v2'; }\nwhile (true) {}\n`, 'init', /did not finish initialising within 200 ms/, {
      initTimeoutMs: 200,
    });
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
    const runtime = await app.start('main.ts');
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

  it('on a top-level await that rejects, as an init that throws', async () => {
    await expectRollback(
      `export function label() { return 'v2'; }\nawait Promise.reject(new Error('no config'));\n`,
      'init',
      /threw while initialising: no config/,
    );
  });

  it('on a top-level await that outlasts the init timeout', async () => {
    await expectRollback(
      `export function label() { return 'v2'; }\nawait new Promise(() => {});\n`,
      'init',
      /did not finish initialising within 200 ms/,
      { initTimeoutMs: 200 },
    );
  });

  // Throws in callbacks and unhandled rejections are tested in real processes (test/integration): the test
  // runner treats them as its own failures.

  it('on process.exit() while the new version loads, and the process stays up', async () => {
    await expectRollback(`export function label() { return 'v2'; }\nprocess.exit(1);\n`, 'init', /service\.ts v2 called process\.exit\(1\)/);
  });

  it('on a top-level await in a CommonJS module, with a message that says what to do', async () => {
    app = new TempApp({ 'service.ts': `export function label() { return 'v1'; }\n`, 'main.ts': main }, {});
    const runtime = await app.start('main.ts');
    app.write('service.ts', `export function label() { return 'v2'; }\nawait Promise.resolve();\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'transform');
    assert.match(result.error!.message, /top-level await needs an ES module/);
  });

  it('on a restore that throws, after the old version drained', async () => {
    app = new TempApp({
      'service.ts': `let count = 41;\nimport.meta.hot!.state({ version: 1, save: () => count, restore: (saved: number) => { count = saved; } });\nexport const next = () => ++count;\n`,
      'main.ts': `import { next } from './service.js';\nexport const call = () => next();\nimport.meta.hot?.accept();\n`,
    });
    const runtime = await app.start();
    app.write(
      'service.ts',
      `let count = 0;\nimport.meta.hot!.state({ version: 2, save: () => count, restore: () => { throw new Error('schema changed'); } });\nexport const next = () => ++count;\n`,
    );
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'restore');
    assert.match(result.error!.message, /schema changed/);
    assert.equal(app.module('main.ts').call(), 42);
  });

  it('stops whatever a dropped candidate started, with or without the hot API', async () => {
    app = new TempApp({ 'service.ts': service('v1'), 'main.ts': main });
    const runtime = await app.start();
    const leaks: string[] = [];
    runtime.subscribe((event) => event.type === 'leak' && leaks.push(event.leak.description));
    app.write(
      'service.ts',
      `export function label() { return 'v2'; }\n(globalThis as any).__plain = setInterval(() => {}, 60_000);\n` +
        `(globalThis as any).__owned = import.meta.hot!.setInterval(() => {}, 60_000);\nprocess.on('SIGUSR2', (globalThis as any).__listener = () => {});\nthrow new Error('late failure');\n`,
    );
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    const globals = globalThis as any;
    await eventually(() => globals.__plain._destroyed && globals.__owned._destroyed, "the dropped candidate's timers to stop");
    assert.equal(globals.__plain._destroyed, true);
    assert.equal(globals.__owned._destroyed, true);
    assert.equal(process.listeners('SIGUSR2').includes(globals.__listener), false);
    delete globals.__plain;
    delete globals.__owned;
    delete globals.__listener;
    assert.deepEqual(leaks, []);
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
