import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { RuntimeEvent } from '../../../src-shared/control-protocol';
import { TempApp } from '../../helpers/app';
import { eventually } from '../../helpers/wait';

let app: TempApp;
afterEach(() => app?.dispose());

const importer = (names: string) => `import { ${names} } from './service.js';\nexport { ${names} };\nimport.meta.hot?.accept();\n`;

describe('state, mailboxes and draining', () => {
  it('hands state over with the old state version, and the count goes on', async () => {
    const service = (version: number) =>
      `let count = 0;\nexport const seen: number[] = [];\n` +
      `import.meta.hot!.state({ version: ${version}, save: () => count, restore: (saved: number, from: number) => { count = saved; seen.push(from); } });\n` +
      `export const next = () => ++count;\nexport const froms = () => seen;\n`;
    app = new TempApp({ 'service.ts': service(1), 'main.ts': importer('next, froms') });
    const runtime = await app.start();
    const main = app.module('main.ts');
    main.next();
    main.next();
    app.write('service.ts', service(2));
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(main.next(), 3);
    assert.deepEqual(main.froms(), [1]);
    assert.equal(runtime.status().modules.find((module) => module.id === 'service.ts')!.version, 2);
  });

  it('delivers messages posted during a swap once, in order, to the new version', async () => {
    const service = (tag: string) =>
      `const handled: string[] = (globalThis as any).__handled ??= [];\n` +
      `export const box = import.meta.hot!.mailbox(async (message: number) => { await new Promise((r) => setTimeout(r, 1)); handled.push('${tag}:' + message); });\n`;
    app = new TempApp({ 'service.ts': service('v1'), 'main.ts': importer('box') });
    const runtime = await app.start();
    const { box } = app.module('main.ts');
    for (let i = 0; i < 5; i++) box.post(i);
    app.write('service.ts', service('v2'));
    // Posted while the module is suspended for its swap.
    runtime.subscribe((event) => {
      if (event.type === 'phase' && event.phase === 'drain') for (let i = 5; i < 10; i++) box.post(i);
    });
    const result = await runtime.reload();
    for (let i = 10; i < 12; i++) box.post(i);
    await eventually(() => (globalThis as any).__handled.length >= 12, 'the twelve messages to be handled');
    const handled: string[] = (globalThis as any).__handled;
    delete (globalThis as any).__handled;
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(
      handled.map((entry) => Number(entry.split(':')[1])),
      [...Array(12).keys()],
    );
    // Once a message was handled by v2, every later one was too.
    const firstNew = handled.findIndex((entry) => entry.startsWith('v2'));
    assert.ok(firstNew > 0 && handled.slice(firstNew).every((entry) => entry.startsWith('v2')));
    assert.equal(result.queued, 5);
  });

  it('lets a running call finish on its old version, then disposes it', async () => {
    const serviceOf = (tag: string) =>
      `export async function slow(ms: number) { await new Promise((r) => setTimeout(r, ms)); return '${tag}'; }\n` +
      `import.meta.hot!.dispose(() => { (globalThis as any).__disposedAt = Date.now(); });\n`;
    app = new TempApp({ 'service.ts': serviceOf('v1'), 'main.ts': importer('slow') });
    const runtime = await app.start();
    const service = app.module('service.ts');
    const running = service.slow(150);
    app.write('service.ts', serviceOf('v2'));
    const result = await runtime.reload();
    assert.equal(await running, 'v1');
    assert.equal(await service.slow(1), 'v2');
    assert.equal(result.drained, 1);
    assert.equal(result.forced, 0);
    assert.ok(typeof (globalThis as any).__disposedAt === 'number');
    delete (globalThis as any).__disposedAt;
  });

  it('retires a version anyway after the drain timeout, and says so', async () => {
    const service = (tag: string) => `export async function hang() { await new Promise(() => {}); }\nexport const tag = '${tag}';\n`;
    app = new TempApp({ 'service.ts': service('v1'), 'main.ts': importer('hang, tag') });
    const runtime = await app.start('main.ts', { drainTimeoutMs: 100 });
    void app.module('service.ts').hang();
    app.write('service.ts', service('v2'));
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(result.forced, 1);
    assert.equal(app.module('main.ts').tag, 'v2');
  });

  it('rolls a stateful module back when its calls do not drain, and the waiting calls reach the old version', async () => {
    const service = (tag: string) =>
      `let n = 0;\nimport.meta.hot!.state({ version: 1, save: () => n, restore: (s: number) => { n = s; } });\n` +
      `export async function work(ms: number) { await new Promise((r) => setTimeout(r, ms)); return '${tag}:' + ++n; }\n`;
    app = new TempApp({ 'service.ts': service('v1'), 'main.ts': importer('work') });
    const runtime = await app.start('main.ts', { drainTimeoutMs: 100 });
    const { work } = app.module('main.ts');
    const long = work(400);
    app.write('service.ts', service('v2'));
    const draining = new Promise<void>((resolve) => runtime.subscribe((event) => event.type === 'phase' && event.phase === 'drain' && resolve()));
    const reload = runtime.reload();
    // A call made while the module is suspended for its swap waits for the swap's outcome.
    await draining;
    const waiting = work(1);
    const result = await reload;
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'drain');
    assert.equal(await waiting, 'v1:1');
    assert.equal(await long, 'v1:2');
  });
});

describe('lifecycle events and owned resources', () => {
  it('emits after-load, commit, before-unload and after-unload in that order', async () => {
    const listen = `for (const event of ['after-load', 'commit', 'before-unload', 'after-unload', 'rollback'] as const) import.meta.hot!.on(event, () => ((globalThis as any).__events ??= []).push(event + '@' + import.meta.hot!.version));\n`;
    app = new TempApp({ 'service.ts': `${listen}export const x = 1;\n`, 'main.ts': importer('x') });
    const runtime = await app.start();
    const events: RuntimeEvent[] = [];
    runtime.subscribe((event) => events.push(event));
    app.write('service.ts', `${listen}export const x = 2;\n`);
    await runtime.reload();
    const seen: string[] = (globalThis as any).__events;
    delete (globalThis as any).__events;
    assert.deepEqual(seen, ['after-load@1', 'after-load@2', 'commit@1', 'commit@2', 'before-unload@1', 'before-unload@2', 'after-unload@2']);
    assert.deepEqual(
      events.filter((event) => event.type === 'lifecycle').map((event) => (event as { event: string }).event),
      ['after-load', 'commit', 'before-unload', 'after-unload'],
    );
  });

  it('never lets a throwing or rejecting listener break the reload', async () => {
    const listen = `import.meta.hot!.on('commit', () => { throw new Error('listener bug'); });\nimport.meta.hot!.on('before-unload', async () => { throw new Error('async bug'); });\n`;
    app = new TempApp({ 'service.ts': `${listen}export const x = 1;\n`, 'main.ts': importer('x') });
    const runtime = await app.start();
    const errors: string[] = [];
    runtime.subscribe((event) => event.type === 'listener-error' && errors.push(event.message));
    app.write('service.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    await eventually(() => errors.length === 2, "both listeners' errors");
    assert.equal(result.outcome, 'committed');
    assert.equal(app.module('main.ts').x, 2);
    assert.deepEqual(errors.sort(), ['async bug', 'listener bug']);
  });

  it('closes owned timers, listeners and resources when the version retires', async () => {
    const service =
      `import { EventEmitter } from 'node:events';\nexport const bus = (globalThis as any).__bus ??= new EventEmitter();\n` +
      `export const timer = import.meta.hot!.setInterval(() => {}, 60_000);\n` +
      `import.meta.hot!.listen(bus, 'ping', () => {});\n` +
      `export const resource = import.meta.hot!.own({ closed: false, close() { this.closed = true; } });\n`;
    app = new TempApp({ 'service.ts': service, 'main.ts': importer('bus') });
    const runtime = await app.start();
    const old = runtime.registry.records.get('service.ts')!.current!.exports as any;
    const bus = old.bus;
    assert.equal(bus.listenerCount('ping'), 1);
    app.write('service.ts', `export const bus = (globalThis as any).__bus;\n`);
    const result = await runtime.reload();
    delete (globalThis as any).__bus;
    assert.equal(result.outcome, 'committed');
    assert.equal(old.timer._destroyed, true);
    assert.equal(bus.listenerCount('ping'), 0);
    assert.equal(old.resource.closed, true);
    assert.deepEqual(result.leaks, []);
  });

  it('stops what a retired version started without the hot API: interval, process listener, server, child process, watcher', async () => {
    app = new TempApp({
      'service.ts':
        `import { createServer } from 'node:net';\nimport { spawn } from 'node:child_process';\nimport { watch } from 'node:fs';\nexport const x = 1;\n` +
        `export const interval = setInterval(() => {}, 60_000);\nexport const listener = () => {};\nprocess.on('SIGUSR2', listener);\n` +
        `export const server = createServer().listen(0, '127.0.0.1');\n` +
        `export const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);\n` +
        `export const watcher = watch(import.meta.dirname);\n`,
      'main.ts': importer('x'),
    });
    const runtime = await app.start();
    const old = app.module('service.ts');
    const { interval, listener, server, child, watcher } = old;
    await new Promise((resolve) => (server.listening ? resolve(undefined) : server.once('listening', resolve)));
    let watcherClosed = false;
    watcher.once('close', () => (watcherClosed = true));
    app.write('service.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.leaks, []);
    assert.equal(interval._destroyed, true);
    assert.equal(process.listeners('SIGUSR2').includes(listener), false);
    assert.equal(server.listening, false);
    assert.notEqual(child.exitCode ?? child.signalCode, null, 'the child process ended');
    assert.equal(watcherClosed, true);
  });

  it('reports what it could not stop with the line that made it: a child process that ignores SIGTERM', async () => {
    app = new TempApp({
      'service.ts':
        `import { spawn } from 'node:child_process';\nexport const x = 1;\n\n` +
        `export const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)']);\n`,
      'main.ts': importer('x'),
    });
    const runtime = await app.start();
    const { child } = app.module('service.ts');
    await new Promise((resolve) => child.stdout.once('data', resolve));
    app.write('service.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    child.kill('SIGKILL');
    assert.deepEqual(
      result.leaks.map((leak) => `${leak.kind}:${leak.line}:${leak.file === app.path('service.ts')}`),
      ['child-process:4:true'],
    );
  });

  it("says what a stopped worker thread's exit listener threw with the retirement, not as a fault of the app", async () => {
    // A logger's transport thread (pino's thread-stream) reports its thread gone when the thread exits.
    app = new TempApp({
      'service.ts':
        `import { Worker } from 'node:worker_threads';\nexport const x = 1;\n` +
        `export const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });\n` +
        `export const heard: number[] = [];\n` +
        `worker.on('exit', () => { throw new Error('the transport thread exited'); });\n` +
        `worker.on('exit', (code) => heard.push(code));\n`,
      'main.ts': importer('x'),
    });
    const runtime = await app.start();
    const { worker, heard } = app.module('service.ts');
    await new Promise((resolve) => worker.once('online', resolve));
    app.write('service.ts', `export const x = 2;\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.match(
      result.warnings.join('\n'),
      /worker thread \d+: stopped with its version; a listener of its exit then threw: the transport thread exited/,
    );
    // Every listener heard the exit, the one after the throwing one too; nothing was reported as the app's fault.
    assert.equal(heard.length, 1);
    assert.deepEqual(runtime.status().faults, []);
  });

  it('hands an owned resource to the new version that owns it too, instead of closing it', async () => {
    const service = `export const server = import.meta.hot!.own((import.meta.hot!.data.server as any) ?? { closed: false, close() { this.closed = true; } });\nimport.meta.hot!.data.server = server;\n`;
    app = new TempApp({ 'service.ts': service, 'main.ts': importer('server') });
    const runtime = await app.start();
    const server = (runtime.registry.records.get('service.ts')!.current!.exports as any).server;
    app.write('service.ts', `${service}\n// edited\n`);
    await runtime.reload();
    assert.equal(server.closed, false);
    await runtime.close();
    assert.equal(server.closed, true);
  });
});
