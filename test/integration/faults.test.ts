// A plain layered app (server in main.ts, a route, a service, a core counter that keeps its count through
// `hot.state`, nothing else of the hot API) under keep-alive load through edits of every layer, then through
// every fault an edit can bring. Through all of it: no failed request, the process alive, the old code serving
// after each fault, and every count from 1 to N exactly once.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { ControlClient } from '../../runtime/src/control/client';
import { call, freePort } from '../helpers/net';
import { RunningApp, startLoad } from '../helpers/running-app';

interface Answer {
  count: number;
  route: string;
  service: string;
  core: string;
  entry: string;
}

describe('a plain layered app under load, through edits and faults', () => {
  let app: RunningApp;
  let client: ControlClient;
  let port: number;
  let load: ReturnType<typeof startLoad<Answer>>;
  /** Every answer, the load's and the test's own, for the count check. */
  const answers: Answer[] = [];
  const send = async (agent?: http.Agent): Promise<Answer> => {
    const answer = await call(port, { path: '/' }, agent);
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.body}`);
    const parsed = { ...(JSON.parse(answer.body) as Omit<Answer, 'entry'>), entry: String(answer.headers['x-entry']) };
    answers.push(parsed);
    return parsed;
  };
  const reload = async (): Promise<ReloadResult> => client.reload();
  const markers = async () => {
    const { route, service, core, entry } = await send();
    return { route, service, core, entry };
  };

  before(async () => {
    port = await freePort();
    const dir = fs.realpathSync(fs.mkdtempSync(`${(await import('node:os')).tmpdir()}/reloadable-plain-`));
    fs.cpSync(`${__dirname}/../fixtures/apps/plain`, dir, { recursive: true });
    app = await RunningApp.runIn(dir, { port, args: ['--init-timeout', '500'], anyOutput: true });
    client = await ControlClient.connect(app.discovery(), 'test');
    load = startLoad<Answer>(port, 4, send);
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  const live = { route: 'route-1', service: 'service-1', core: 'core-1', entry: 'entry-1' };

  it('serves each edit of the route, the service, the core and the entry, and keeps the count', async () => {
    const files = { route: 'src/http/route.ts', service: 'src/services/greeting.ts', core: 'src/core/counter.ts', entry: 'src/main.ts' } as const;
    for (const layer of ['route', 'service', 'core', 'entry'] as const) {
      app.edit(files[layer], (text) => text.replace(`'${layer}-1'`, `'${layer}-2'`));
      const result = await reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
      live[layer] = `${layer}-2`;
      assert.deepEqual(await markers(), live);
    }
  });

  /** Applies a faulty edit, expects a rollback in `phase` whose message matches, then puts the file back. */
  async function fault(file: string, change: (text: string) => string, phase: string | RegExp, message: RegExp): Promise<ReloadResult> {
    const before = fs.readFileSync(app.file(file), 'utf8');
    app.edit(file, change);
    const result = await reload();
    fs.writeFileSync(app.file(file), before);
    assert.equal(result.outcome, 'rolled-back', `${file}: ${JSON.stringify(result)}`);
    if (typeof phase === 'string') assert.equal(result.error?.phase, phase);
    else assert.match(result.error!.phase, phase);
    assert.match(result.error!.message, message);
    assert.deepEqual(await markers(), live, 'the old code serves');
    assert.equal((await reload()).outcome, 'no-change');
    assert.equal(app.child.exitCode, null);
    return result;
  }

  it('rolls back a syntax error, with its position', async () => {
    const result = await fault('src/http/route.ts', (text) => `${text}\nexport const broken = ;\n`, 'transform', /route\.ts:\d+:\d+/);
    assert.equal(result.error?.module, 'src/http/route.ts');
  });

  it('rolls back a removed export an importer needs', async () => {
    await fault(
      'src/services/greeting.ts',
      (text) => text.replace('function greet', 'function hello'),
      'link',
      /route\.ts imports `greet` from src\/services\/greeting\.ts/,
    );
  });

  it('rolls back an init that throws, pointing at the line', async () => {
    const result = await fault(
      'src/services/greeting.ts',
      (text) => `${text}\nthrow new Error('no database');\n`,
      'init',
      /threw while initialising: no database/,
    );
    assert.equal(result.error?.line, 5);
  });

  it('rolls back an init that hangs, after the init timeout', async () => {
    await fault('src/services/greeting.ts', (text) => `${text}\nwhile (true) {}\n`, 'init', /did not finish initialising within 500 ms/);
  });

  it('rolls back a restore that throws, and the count goes on', async () => {
    await fault(
      'src/core/counter.ts',
      (text) => text.replace('restore: (saved: number) => void (count = saved)', "restore: () => { throw new Error('schema changed'); }"),
      'restore',
      /schema changed/,
    );
  });

  it('rolls back a second listen on the port the app holds, naming the holder', async () => {
    await fault(
      'src/http/route.ts',
      (text) => `import { createServer } from 'node:http';\n${text}\ncreateServer().listen(${port}, '127.0.0.1');\n`,
      'listen',
      // The route's new server asks first, so the entry's new one finds the address taken by it.
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is held by src/(main|http/route)\\.ts`),
    );
  });

  it('rolls back a listen on a port another process holds, naming it', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      await fault(
        'src/main.ts',
        (text) => `${text}\ncreateServer().listen(${busyPort}, '127.0.0.1');\n`,
        'listen',
        new RegExp(`127\\.0\\.0\\.1:${busyPort}: the address is held by another process`),
      );
    } finally {
      busy.close();
    }
  });

  it('rolls back a throw in a timer the new code started', async () => {
    await fault(
      'src/http/route.ts',
      (text) => `${text}\nsetTimeout(() => { throw new Error('async failure'); }, 0);\n`,
      /init|settle/,
      /threw outside any caller: async failure/,
    );
  });

  it('rolls back a rejection nobody handles', async () => {
    await fault(
      'src/services/greeting.ts',
      (text) => `${text}\nPromise.reject(new Error('forgot to await'));\n`,
      /init|settle/,
      /rejected a promise nobody handled: forgot to await/,
    );
  });

  it('rolls back process.exit() in the new code, and the process stays up', async () => {
    await fault('src/services/greeting.ts', (text) => `${text}\nprocess.exit(3);\n`, 'init', /called process\.exit\(3\)/);
  });

  it('rolls back process.abort() in the new code, also where it follows a refused exit, and the process stays up', async () => {
    await fault('src/services/greeting.ts', (text) => `${text}\nprocess.abort();\n`, 'init', /called process\.abort\(\)/);
    // NestJS's failed bootstrap: exit(1) inside a zone that catches, then abort().
    await fault(
      'src/services/greeting.ts',
      (text) => `${text}\ntry {\n  process.exit(1);\n} catch {\n  process.abort();\n}\n`,
      'init',
      /called process\.exit\(1\)/,
    );
  });

  it('stops the interval of a rolled-back version', async () => {
    const ticks = async () =>
      (await call(port, { path: '/ticks' })).body ? (JSON.parse((await call(port, { path: '/ticks' })).body) as { ticks: number }).ticks : 0;
    await fault(
      'src/services/greeting.ts',
      (text) =>
        `${text}\nsetInterval(() => { (globalThis as { ticks?: number }).ticks = ((globalThis as { ticks?: number }).ticks ?? 0) + 1; }, 1);\nawait new Promise((resolve) => setTimeout(resolve, 20));\nthrow new Error('late');\n`,
      'init',
      /late/,
    );
    const first = await ticks();
    // A measurement, not a wait: a 1 ms interval still running would tick dozens of times in 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await ticks(), first, 'the interval stopped with its version');
  });

  it('commits a dispose that throws, with a warning', async () => {
    app.edit('src/services/greeting.ts', (text) => `${text}\nimport.meta.hot?.dispose(() => { throw new Error('dispose bug'); });\n`);
    assert.equal((await reload()).outcome, 'committed');
    app.edit('src/services/greeting.ts', (text) => text.replace("'service-2'", "'service-3'"));
    const result = await reload();
    assert.equal(result.outcome, 'committed');
    assert.match(result.warnings.join('\n'), /dispose of src\/services\/greeting\.ts v\d+ threw: dispose bug/);
    live.service = 'service-3';
    assert.deepEqual(await markers(), live);
  });

  it('commits a change that deletes a module and its last import', async () => {
    const route = fs.readFileSync(app.file('src/http/route.ts'), 'utf8');
    fs.writeFileSync(
      app.file('src/http/route.ts'),
      route.replace("import { greet } from '../services/greeting.js';\n", '').replace('greet()', "'inline'"),
    );
    fs.rmSync(app.file('src/services/greeting.ts'));
    const result = await reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    live.service = 'inline';
    assert.deepEqual(await markers(), live);
    assert.ok(!(await client.status()).modules.some((module) => module.id === 'src/services/greeting.ts'));
  });

  it('answered every request, every count once, and stayed alive', async () => {
    const { bodies, failures } = await load.stop();
    assert.deepEqual(failures, []);
    assert.equal(app.child.exitCode, null);
    const counts = answers.map((body) => body.count).sort((a, b) => a - b);
    assert.ok(bodies.length > 100, `only ${bodies.length} requests`);
    assert.deepEqual(
      counts,
      counts.map((_, index) => index + 1),
      'every count from 1 to N exactly once',
    );
    // Requests the load made after a rollback saw the old code: no body ever came from a version whose init failed.
    assert.ok(!bodies.some((body) => body.service === 'service-bad'));
  });
});
