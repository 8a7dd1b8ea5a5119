// Every request gets an answer, even when its handler throws; long-lived connections (WebSocket, event
// streams) move to the new code after a reload; an entry that starts a server another module made reloads.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { TempApp } from '../../helpers/app';
import { freePort } from '../../helpers/net';
import { eventually } from '../../helpers/wait';

let app: TempApp;
afterEach(() => app?.dispose());

/** GET path: the status, the `connection` header and the body; or the error's code. */
function get(port: number, path: string): Promise<{ status: number; connection: string | undefined; body: string } | string> {
  return new Promise((resolve) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body }));
    })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      .end();
  });
}

describe('every fault gets an answer', () => {
  it("answers 500 and closes the connection when a plain handler throws (an 'error' nobody listens to), and reports it", async () => {
    const port = await freePort();
    app = new TempApp({
      'main.ts':
        `import { createServer } from 'node:http';\nimport { EventEmitter } from 'node:events';\n` +
        `createServer((req, res) => { if (req.url === '/boom') new EventEmitter().emit('error', new Error('nobody listens')); res.end('ok'); }).listen(${port}, '127.0.0.1');\n`,
    });
    const runtime = await app.start('main.ts');
    await eventually(async () => typeof (await get(port, '/')) === 'object', 'the app to listen');
    const answer = await get(port, '/boom');
    assert.deepEqual(answer, { status: 500, connection: 'close', body: '' });
    assert.deepEqual(await get(port, '/'), { status: 200, connection: 'close', body: 'ok' });
    const faults = runtime.status().faults;
    assert.equal(faults.length, 1);
    assert.match(faults[0]!.message, /nobody listens/);
  });
});

describe('long-lived connections after a reload', () => {
  it('closes a WebSocket opened before the commit, and the client that reconnects talks to the new code', async () => {
    const port = await freePort();
    app = new TempApp({
      'reply.ts': `export function reply(text: string) { return 'v1:' + text; }\n`,
      'main.ts':
        `import { createServer } from 'node:http';\nimport { WebSocketServer } from 'ws';\nimport { reply } from './reply.js';\n` +
        `const server = createServer();\nconst wss = new WebSocketServer({ server });\n` +
        `wss.on('connection', (socket) => { const answer = reply; socket.on('message', (data) => socket.send(answer(String(data)))); });\n` +
        `server.listen(${port}, '127.0.0.1');\n`,
    });
    fs.mkdirSync(app.path('node_modules'));
    fs.symlinkSync(path.resolve(__dirname, '../../../node_modules/ws'), app.path('node_modules/ws'), 'dir');
    const runtime = await app.start('main.ts');
    const connect = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const ask = (socket: WebSocket, text: string) =>
      new Promise<string>((resolve) => {
        socket.once('message', (data) => resolve(String(data)));
        socket.send(text);
      });
    const before = await connect();
    assert.equal(await ask(before, 'hi'), 'v1:hi');
    const closed = new Promise((resolve) => before.once('close', resolve));
    app.write('reply.ts', `export function reply(text: string) { return 'v2:' + text; }\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    await closed;
    assert.ok(result.forced >= 1, 'the connection was counted as forced');
    const after = await connect();
    assert.equal(await ask(after, 'hi'), 'v2:hi');
    after.close();
  });

  it('ends an event stream opened before the commit', async () => {
    const port = await freePort();
    app = new TempApp({
      'main.ts':
        `import { createServer } from 'node:http';\n` +
        `createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: v1\\n\\n'); }).listen(${port}, '127.0.0.1');\n` +
        `export const tag = 1;\n`,
      'other.ts': `export const other = 1;\n`,
    });
    const runtime = await app.start('main.ts');
    // The stream's first event came; `ended` settles when the stream closes.
    const { ended } = await new Promise<{ ended: Promise<void> }>((resolve) => {
      httpRequest({ host: '127.0.0.1', port, path: '/events', agent: false }, (response) => {
        const ended = new Promise<void>((done) => response.once('close', () => done()));
        response.once('data', () => resolve({ ended }));
      })
        .on('error', () => undefined)
        .end();
    });
    app.write('main.ts', fs.readFileSync(app.path('main.ts'), 'utf8').replace('tag = 1', 'tag = 2'));
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    await ended;
  });
});

describe('a server started by another module than made it', () => {
  it('runs the maker again when the entry that started its server is edited, as a fresh start would', async () => {
    const port = await freePort();
    app = new TempApp({
      'server.ts': `import { createServer } from 'node:http';\nexport const server = createServer((_, res) => res.end('made'));\n`,
      'main.ts': `import { server } from './server.js';\nserver.listen(${port}, '127.0.0.1');\nexport const tag = 'one';\n`,
    });
    const runtime = await app.start('main.ts');
    await eventually(async () => typeof (await get(port, '/')) === 'object', 'the app to listen');
    app.write('main.ts', `import { server } from './server.js';\nserver.listen(${port}, '127.0.0.1');\nexport const tag = 'two';\n`);
    const result = await runtime.reload();
    assert.equal(result.outcome, 'committed', result.error?.message);
    assert.deepEqual([...result.loadOrder].sort(), ['main.ts', 'server.ts']);
    assert.match(result.widened?.reason ?? '', /main\.ts started a server server\.ts made/);
    assert.deepEqual(await get(port, '/'), { status: 200, connection: 'close', body: 'made' });
  });
});
