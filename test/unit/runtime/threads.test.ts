// Worker threads the app starts take part in a reload: a change to a file a thread loaded runs the module
// that started the thread again, so a new thread starts on the new code; the reload commits once that thread
// is up, and rolls back (the old thread still serving) when it throws, exits or hangs while loading.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { formatReloadResult } from '../../../cli/src/formats/runtime';
import { TempApp } from '../../helpers/app';
import { eventually } from '../../helpers/wait';

/** A main module that starts a thread on `worker` and asks it questions; the thread's id tells one thread from the next. */
const starter = (worker: string, more = '') =>
  `import { Worker } from 'node:worker_threads';\n` +
  `const worker = new Worker(new URL('./${worker}', import.meta.url));\n${more}` +
  `export const threadId = worker.threadId;\n` +
  `export function ask(n: number): Promise<string> {\n` +
  `  return new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(n); });\n` +
  `}\n`;

const answering = (imports: string, answer: string) =>
  `import { parentPort } from 'node:worker_threads';\n${imports}\nparentPort!.on('message', (n: number) => parentPort!.postMessage(${answer}));\n`;

/** A thread that answers with a word from a module only it loads. */
const threadApp = () =>
  new TempApp({
    'lib.ts': `export const word = 'one';\n`,
    'worker.ts': answering(`import { word } from './lib.js';`, '`${word}:${n}`'),
    'main.ts': starter('worker.ts'),
  });

describe('worker threads in a reload', () => {
  let app: TempApp | undefined;
  afterEach(async () => {
    await app?.dispose();
    app = undefined;
  });

  it('starts the thread again on the new code when a file only the thread loads changes', async () => {
    app = threadApp();
    const runtime = await app.start('main.ts');
    const main = () => app!.module('main.ts');
    assert.equal(await main().ask(1), 'one:1');
    const first = main().threadId;
    app.write('lib.ts', `export const word = 'two';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    assert.deepEqual(result.loadOrder, ['main.ts']);
    assert.match(result.widened?.reason ?? '', /lib\.ts runs in a worker thread main\.ts started/);
    // The CLI says why more ran than what changed.
    assert.match(formatReloadResult(result), /\n {2}also ran: lib\.ts runs in a worker thread main\.ts started/);
    assert.equal(await main().ask(2), 'two:2');
    assert.notEqual(main().threadId, first);
    // The old thread was terminated with the version that started it: nothing leaked.
    assert.deepEqual(result.leaks, []);
  });

  it('rolls back, the old thread still answering, when the new thread throws while loading; names the file and line', async () => {
    app = threadApp();
    const runtime = await app.start('main.ts');
    const main = () => app!.module('main.ts');
    const first = main().threadId;
    // Once the thread answers, it has loaded its files: the edit below is the reload's, not its start's.
    assert.equal(await main().ask(0), 'one:0');
    app.write('lib.ts', `export const word = 'two';\nthrow new Error('lib is broken');\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.match(
      result.error?.message ?? '',
      /worker thread \d+ on worker\.ts started by main\.ts failed while loading: lib is broken \(lib\.ts:2:\d+\)/,
    );
    assert.equal(result.error?.module, 'main.ts');
    assert.equal(main().threadId, first);
    assert.equal(await main().ask(3), 'one:3');
    // The fix commits.
    app.write('lib.ts', `export const word = 'three';\n`);
    const fixed = await runtime.reload();
    assert.equal(fixed.outcome, 'committed', JSON.stringify(fixed.error));
    assert.equal(await main().ask(4), 'three:4');
  });

  it('starts a thread that failed at the start again once its file is fixed', async () => {
    app = new TempApp({
      'lib.ts': `export const word: string = (() => {\n  throw new Error('not written yet');\n})();\n`,
      'worker.ts': answering(`import { word } from './lib.js';`, '`${word}:${n}`'),
      'main.ts': starter('worker.ts', `export const failed = new Promise((resolve) => worker.once('error', (error) => resolve(error.message)));\n`),
    });
    const runtime = await app.start('main.ts');
    assert.equal(await app.module('main.ts').failed, 'not written yet');
    app.write('lib.ts', `export const word = 'written';\n`);
    // The thread's report of what it loaded travels apart from its error: the fix counts once the report is in.
    const lib = app.path('lib.ts');
    await eventually(() => runtime.changedFiles().includes(lib), 'the thread to have reported lib.ts');
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    assert.deepEqual(result.loadOrder, ['main.ts']);
    assert.equal(await app.module('main.ts').ask(1), 'written:1');
  });

  it('rolls back when the new thread exits with an error code, or does not finish loading in time', async () => {
    app = new TempApp({
      'worker.ts': answering('', '`one:${n}`'),
      'main.ts': starter('worker.ts'),
    });
    const runtime = await app.start('main.ts', { initTimeoutMs: 500 });
    const main = () => app!.module('main.ts');
    assert.equal(await main().ask(0), 'one:0');
    app.write('worker.ts', `process.exit(3);\n`);
    const exited = await runtime.reload();
    assert.equal(exited.outcome, 'rolled-back');
    assert.match(exited.error?.message ?? '', /exited with code 3 before its entry module was loaded/);
    app.write('worker.ts', `while (true) {}\n`);
    const hung = await runtime.reload();
    assert.equal(hung.outcome, 'rolled-back');
    assert.match(hung.error?.message ?? '', /did not finish loading within 500 ms/);
    assert.equal(await main().ask(5), 'one:5');
  });

  it('commits a thread whose entry waits at its top level for messages, and one of a plain .mjs file', async () => {
    app = new TempApp({
      'loop.ts':
        `import { parentPort } from 'node:worker_threads';\nimport { on } from 'node:events';\nimport { word } from './lib.js';\n` +
        `for await (const [n] of on(parentPort!, 'message')) parentPort!.postMessage(\`\${word}:\${n}\`);\n`,
      'plain.mjs': `import { parentPort } from 'node:worker_threads';\nimport { word } from './lib.js';\nparentPort.on('message', (n) => parentPort.postMessage(\`plain \${word}:\${n}\`));\n`,
      'lib.ts': `export const word = 'one';\n`,
      'main.ts': `export * as loop from './loop-starter.js';\nexport * as plain from './plain-starter.js';\n`,
      'loop-starter.ts': starter('loop.ts'),
      'plain-starter.ts': starter('plain.mjs'),
    });
    const runtime = await app.start('main.ts');
    const main = () => app!.module('main.ts');
    assert.equal(await main().loop.ask(1), 'one:1');
    assert.equal(await main().plain.ask(1), 'plain one:1');
    app.write('lib.ts', `export const word = 'two';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    assert.deepEqual([...result.loadOrder].sort(), ['loop-starter.ts', 'plain-starter.ts']);
    assert.equal(await main().loop.ask(2), 'two:2');
    assert.equal(await main().plain.ask(2), 'plain two:2');
  });

  it('follows a CommonJS thread that requires its TypeScript', async () => {
    app = new TempApp(
      {
        'helper.ts': `export const triple = (n: number): number => n * 3;\n`,
        'worker.ts': `const { parentPort } = require('node:worker_threads');\nconst { triple } = require('./helper');\nparentPort.on('message', (n: number) => parentPort.postMessage(triple(n)));\n`,
        'main.ts':
          `import { Worker } from 'node:worker_threads';\nimport * as path from 'node:path';\nconst worker = new Worker(path.join(__dirname, 'worker.ts'));\n` +
          `export function ask(n: number): Promise<number> { return new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(n); }); }\n`,
      },
      {},
    );
    const runtime = await app.start('main.ts');
    assert.equal(await app.module('main.ts').ask(2), 6);
    app.write('helper.ts', `export const triple = (n: number): number => n * 30;\n`);
    const result = await runtime.reload({ files: [app.path('helper.ts')] });
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    assert.equal(await app.module('main.ts').ask(2), 60);
  });
});
