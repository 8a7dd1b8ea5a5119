// When the smallest plan cannot be shown to equal a fresh start, the runtime runs more and says so; and a
// server's hand-over waits for the new version's loading, an un-awaited bootstrap included.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { TempApp } from '../../helpers/app';
import { freePort } from '../../helpers/net';

let app: TempApp;
afterEach(() => app?.dispose());

// A framework as Fastify and NestJS are: plugins registered now run later, during an asynchronous boot that
// `listen()` starts; what they register (routes holding handlers) lives in the instance, wherever it was made;
// an instance listens once.
const framework = {
  'node_modules/mini-framework/package.json': JSON.stringify({ name: 'mini-framework', type: 'module', exports: './index.js' }),
  'node_modules/mini-framework/index.js': `export function create() {
  const plugins = [];
  const routes = new Map();
  let listening = false;
  return {
    register(plugin) { plugins.push(plugin); },
    get(path, handler) { routes.set(path, handler); },
    async listen() {
      if (listening) throw new Error('already listening');
      listening = true;
      for (const plugin of plugins) { await new Promise((resolve) => setImmediate(resolve)); await plugin(this); }
    },
    handle(path) { return routes.get(path)(); },
  };
}
`,
};

const split = {
  ...framework,
  'handler.ts': `export function hello() { return 'hello-1'; }\n`,
  'routes.ts': `import { hello } from './handler.js';\nexport default async function routes(app: any) { app.get('/', hello); }\n`,
  'app.ts': `import { create } from 'mini-framework';\nimport routes from './routes.js';\nexport const app = create();\napp.register(routes);\n`,
  'main.ts': `import { app } from './app.js';\nawait app.listen();\nexport const answer = () => app.handle('/');\n`,
};

describe('a plan widened where it cannot be shown equivalent', () => {
  it("runs the whole app again when a handler a framework's boot read changes, and says why", async () => {
    app = new TempApp(split);
    const runtime = await app.start();
    assert.equal(app.module('main.ts').answer(), 'hello-1');
    app.write('handler.ts', `export function hello() { return 'hello-2'; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.equal(app.module('main.ts').answer(), 'hello-2');
    assert.ok(result.widened, 'the result says the plan was widened');
    assert.deepEqual(result.widened.modules, ['main.ts']);
    assert.match(result.widened.reason, /main\.ts read .*handler\.ts/);
    assert.deepEqual([...result.loadOrder].sort(), ['app.ts', 'handler.ts', 'main.ts', 'routes.ts']);
  });

  it('runs again the module that made the instance an edited entry started, as a fresh start would', async () => {
    app = new TempApp(split);
    const runtime = await app.start();
    app.write('main.ts', `import { app } from './app.js';\nawait app.listen();\nexport const answer = () => app.handle('/') + '!';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.equal(app.module('main.ts').answer(), 'hello-1!');
    assert.ok(result.loadOrder.includes('app.ts'), 'the instance was made anew');
  });

  it('keeps the smallest plan where every module read its imports in its own top level', async () => {
    app = new TempApp({
      'handler.ts': `export function hello() { return 'hello-1'; }\n`,
      'routes.ts': `import { hello } from './handler.js';\nexport const routes = new Map([['/', hello]]);\n`,
      'main.ts': `import { routes } from './routes.js';\nexport const answer = () => routes.get('/')!();\n`,
    });
    const runtime = await app.start();
    app.write('handler.ts', `export function hello() { return 'hello-2'; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(result.widened, undefined);
    assert.deepEqual(result.loadOrder, ['handler.ts', 'routes.ts']);
    assert.equal(app.module('main.ts').answer(), 'hello-2');
  });

  it('runs again a module that registered a handler it does not import, through a function it calls at its top level', async () => {
    app = new TempApp({
      'handlers.ts': `export function hello() { return 'hello-1'; }\n`,
      'register.ts': `import { hello } from './handlers.js';\nexport function register(table: Map<string, () => string>) { table.set('/', hello); }\n`,
      'main.ts': `import { register } from './register.js';\nconst table = new Map<string, () => string>();\nregister(table);\nexport const answer = () => table.get('/')!();\n`,
    });
    const runtime = await app.start();
    app.write('handlers.ts', `export function hello() { return 'hello-2'; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(app.module('main.ts').answer(), 'hello-2');
    assert.deepEqual(result.loadOrder, ['handlers.ts', 'main.ts']);
  });
});

/** GET / on the port; the body, or the error's code. */
function fetchText(port: number): Promise<string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** An entry that does not await its bootstrap, which waits `ms` (a database) before it listens on `port`. */
const bootstrap = (answer: string, ms: number, port: number) =>
  `import { createServer } from 'node:http';\n` +
  `async function bootstrap() {\n  await new Promise((resolve) => setTimeout(resolve, ${ms}));\n` +
  `  createServer((_, res) => res.end('${answer}')).listen(${port}, '127.0.0.1');\n}\nbootstrap();\n`;

describe("a server's hand-over", () => {
  it('waits for an un-awaited bootstrap to listen again, however long it awaits, and no request fails', async () => {
    const port = await freePort();
    app = new TempApp({ 'main.ts': bootstrap('v1', 50, port) });
    const runtime = await app.start('main.ts', { initTimeoutMs: 5000 });
    while ((await fetchText(port)) !== 'v1');
    app.write('main.ts', bootstrap('v2', 700, port));
    const answers: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) answers.push(await fetchText(port));
    })();
    const result = await runtime.reload();
    polling = false;
    await poller;
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.deepEqual(result.warnings, []);
    assert.equal(await fetchText(port), 'v2');
    assert.ok(answers.length > 0);
    assert.deepEqual(
      answers.filter((answer) => answer !== 'v1' && answer !== 'v2'),
      [],
      'every request was answered',
    );
  });

  it('gives the old address up once the new version finished loading elsewhere', async () => {
    const [port, other] = [await freePort(), await freePort()];
    app = new TempApp({ 'main.ts': bootstrap('v1', 10, port) });
    const runtime = await app.start('main.ts', { initTimeoutMs: 5000 });
    while ((await fetchText(port)) !== 'v1');
    app.write('main.ts', bootstrap('v2', 100, other));
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.match(result.warnings.join('\n'), /did not listen on .* again/);
    assert.equal(await fetchText(other), 'v2');
    assert.equal(await fetchText(port), 'ECONNREFUSED');
  });

  it('rolls back, naming what was still pending, when the new version neither listens nor finishes in time', async () => {
    const port = await freePort();
    app = new TempApp({ 'main.ts': bootstrap('v1', 10, port) });
    const runtime = await app.start('main.ts', { initTimeoutMs: 300 });
    while ((await fetchText(port)) !== 'v1');
    app.write('main.ts', bootstrap('v2', 60_000, port));
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'listen');
    assert.match(result.error!.message, /did not listen on .* within 300 ms.*main\.ts \(.*(awaited promise|timer)/);
    assert.equal(await fetchText(port), 'v1');
  });

  it('rolls back a listen whose host does not resolve, and the old server keeps serving', async () => {
    const port = await freePort();
    app = new TempApp({
      'main.ts': `import { createServer } from 'node:http';\ncreateServer((_, res) => res.end('v1')).listen(${port}, '127.0.0.1');\n`,
    });
    const runtime = await app.start('main.ts');
    while ((await fetchText(port)) !== 'v1');
    app.write(
      'main.ts',
      `import { createServer } from 'node:http';\ncreateServer((_, res) => res.end('v2')).listen(${port}, 'no-such-host.invalid');\n`,
    );
    const result = await runtime.reload();
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.phase, 'listen');
    assert.equal(await fetchText(port), 'v1');
  });
});
