// The control endpoint's hygiene, against a real app: what a client leaves half-sent is freed when it goes,
// a connection that never says hello is closed, and a discovery folder others could write to is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';
import { repoRoot } from '../helpers/cli';

describe('the control endpoint keeps nothing of clients that go', () => {
  let app: RunningApp;
  let port: number;
  before(async () => {
    port = await freePort();
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-endpoint-')));
    fs.cpSync(path.join(repoRoot, 'test/fixtures/apps/plain'), dir, { recursive: true });
    app = await RunningApp.runIn(dir, { port, anyOutput: true, nodeArgs: ['--expose-gc'] });
  });
  after(() => app?.stop());

  const heap = async () => (JSON.parse((await call(port, { path: '/heap' })).body) as { heapUsed: number }).heapUsed;

  /** Opens `count` connections, a few at a time, each sending `bytes` and hanging up. */
  async function halfSend(count: number, bytes: () => string): Promise<void> {
    const socketPath = app.discovery().socket;
    const one = () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(socketPath, () => socket.write(bytes(), () => socket.destroy()));
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
    for (let done = 0; done < count; done += 50) await Promise.all(Array.from({ length: Math.min(50, count - done) }, one));
  }

  it('frees what 10,000 clients sent half of, before and after hello: the heap stays flat', async () => {
    const token = app.discovery().token;
    const hello = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'reloadable/hello', params: { protocolVersion: 1, token } });
    const beforeHello = () => `Content-Length: 8000\r\n\r\n${'x'.repeat(6000)}`;
    const afterHello = () => `Content-Length: ${Buffer.byteLength(hello)}\r\n\r\n${hello}Content-Length: 900000\r\n\r\n${'y'.repeat(60_000)}`;
    // The heap is read after a quiet moment: the app closes the sockets on its side when their 'close' events run.
    const settled = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return heap();
    };
    // A first round of each makes what is made once (code, caches); the second must add nothing.
    const growth: string[] = [];
    for (const message of [beforeHello, afterHello]) {
      await halfSend(2500, message);
      const first = await settled();
      await halfSend(2500, message);
      const second = await settled();
      growth.push(((second - first) / 1024 / 1024).toFixed(1));
      assert.ok(second - first < 3 * 1024 * 1024, `the heap grew by ${growth.at(-1)} MB over 2,500 more half messages`);
    }
    assert.equal(app.child.exitCode, null);
  });

  it('closes a connection that never says hello', async () => {
    const socket = net.connect(app.discovery().socket);
    socket.resume();
    const closed = await new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 8000).unref();
    });
    assert.equal(closed, true);
  });
});

describe('the discovery folder', () => {
  it('is refused when others can write to it, with the command that fixes it', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-perms-')));
    fs.cpSync(path.join(repoRoot, 'test/fixtures/apps/plain'), dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '.reloadable'));
    fs.chmodSync(path.join(dir, '.reloadable'), 0o777);
    const { runCli } = await import('../helpers/cli');
    const cli = await runCli(['run', 'src/main.ts'], { cwd: dir, env: { PORT: String(await freePort()) } });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /\.reloadable is writable by others \(mode 777\).*chmod 700/);
  });
});
