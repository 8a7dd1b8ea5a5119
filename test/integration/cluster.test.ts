// `reloadable run --workers N`: one app on several processes, each reload one transaction across them. Real
// processes: the CLI's primary, its node:cluster workers, HTTP clients on 127.0.0.1 whose connections the
// primary hands to the workers in turn.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StatusRequest } from '../../src-shared/control-protocol';
import { ControlClient } from '../../runtime/src/control/client';
import { runningApps } from '../../runtime/src/control/discovery';
import { runCli } from '../helpers/cli';
import { freePort, request } from '../helpers/net';
import { answersOf, appFolder, counter, handler, main, type Body } from '../helpers/cluster-app';
import { RunningApp, startLoad } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

const workers = 2;

/** A primary that runs a worker file of its own and forks again a worker that exits, as many apps do. */
const forkingPrimary = `import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)) });
for (let i = 0; i < ${workers}; i++) cluster.fork();
cluster.on('exit', () => cluster.fork());
`;

describe('reloadable run --workers', () => {
  let app: RunningApp;
  let client: ControlClient;
  const write = (name: string, text: string) => fs.writeFileSync(app.file(name), text);
  const status = (): Promise<StatusRequest.Result> => client.status();

  /** What every live worker serves now. */
  const probe = async () =>
    answersOf(
      app.port,
      (await status()).cluster!.workers.map((worker) => worker.pid),
      probed,
    );
  /** Every answer a probe got: the counts of the load test include them. */
  const probed: Body[] = [];

  before(async () => {
    const dir = appFolder('reloadable-cluster-', { 'main.ts': main, 'counter.ts': counter, 'handler.ts': handler('v0') });
    app = await RunningApp.runIn(dir, { args: ['--workers', String(workers), '--init-timeout', '20000'], port: await freePort(), anyOutput: true });
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('is one app with one control endpoint, its workers listed in status', async () => {
    assert.equal(runningApps(app.dir).length, 1);
    const { cluster } = await status();
    assert.equal(cluster?.workers.length, workers);
    assert.equal(cluster?.epoch, 0);
    const { stdout, code } = await runCli(['status', '--project', app.dir]);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`${workers} processes, epoch 0`));
  });

  it("reloads every worker in one transaction under keep-alive load: no failed request, every worker on the new code after each result, each worker's count carried from version to version", async () => {
    const load = startLoad<Body>(app.port, 8);
    for (let round = 1; round <= 10; round++) {
      write('src/handler.ts', handler(`v${round}`));
      const result = await client.reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
      assert.equal(result.cluster?.participants.length, workers);
      assert.ok(
        result.cluster!.participants.every((participant) => participant.outcome === 'committed'),
        JSON.stringify(result.cluster),
      );
      assert.equal(result.cluster?.epoch, round);
      assert.equal(typeof result.cluster?.commitSpreadMs, 'number');
      for (const [pid, body] of await probe())
        assert.equal(body.version, `v${round}`, `worker pid ${pid} serves ${body.version} after reload ${round}`);
    }
    const { bodies, failures } = await load.stop();
    assert.deepEqual(failures, []);
    // Each worker's count moves from version to version: from 1 up, no number twice, none skipped (the probes'
    // answers counted too).
    const byWorker = new Map<number, number[]>();
    for (const body of [...bodies, ...probed]) byWorker.set(body.pid, [...(byWorker.get(body.pid) ?? []), body.count]);
    assert.equal(byWorker.size, workers, 'the load reached every worker');
    for (const [pid, counts] of byWorker) {
      const sorted = [...counts].sort((a, b) => a - b);
      assert.deepEqual(
        sorted,
        sorted.map((_, index) => index + 1),
        `worker ${pid}'s counts are not 1 to ${sorted.length}, each once`,
      );
    }
    const { cluster } = await status();
    assert.ok(cluster!.workers.every((worker) => worker.epoch === 10 && worker.state === 'live'));
  });

  it('rolls every worker back when the new code fails in one of them, names it, and serves none of that code', async () => {
    const before = (await client.history()).length;
    const [failing] = (await status()).cluster!.workers.map((worker) => worker.worker);
    write(
      'src/handler.ts',
      handler(
        'rejected',
        `import cluster from 'node:cluster';\nif (cluster.worker?.id === ${failing}) throw new Error('no rejected code on this worker');\n`,
      ),
    );
    const load = startLoad<Body>(app.port, 4);
    const { code, stdout } = await runCli(['reload', '--project', app.dir]);
    const { bodies, failures } = await load.stop();
    assert.equal(code, 1, stdout);
    assert.match(stdout, new RegExp(`worker ${failing}: .*no rejected code on this worker`));
    const history = await client.history();
    assert.equal(history.length, before + 1, 'one transaction for one edit');
    const result = history.at(-1)!;
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.error?.line, 2, 'the line of the throw');
    assert.ok(result.cluster!.participants.every((participant) => participant.outcome === 'rolled-back'));
    assert.deepEqual(failures, []);
    assert.ok(!bodies.some((body) => body.version === 'rejected'), 'a response came from the rejected code');
    for (const body of (await probe()).values()) assert.equal(body.version, 'v10');
    assert.ok((await status()).cluster!.workers.every((worker) => worker.epoch === 10));
  });

  it('starts a worker that died on the committed code, not on the rolled-back edit still on disk', async () => {
    // The rejected edit of the test before is still on disk.
    assert.match(fs.readFileSync(app.file('src/handler.ts'), 'utf8'), /rejected/);
    const [victim] = (await status()).cluster!.workers;
    process.kill(victim!.pid, 'SIGKILL');
    await eventually(async () => {
      const { cluster } = await status();
      return (
        cluster!.workers.length === workers &&
        !cluster!.workers.some((worker) => worker.pid === victim!.pid) &&
        cluster!.workers.every((worker) => worker.state === 'live')
      );
    }, 'a worker in place of the one killed');
    const answers = await probe();
    assert.ok(!answers.has(victim!.pid));
    for (const body of answers.values()) assert.equal(body.version, 'v10');
    assert.ok((await status()).cluster!.workers.every((worker) => worker.epoch === 10));
  });

  it('rolls every worker back when one dies while it loads the new code, and starts it again on the old code', async () => {
    const marks = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-marks-'));
    // Every worker says it is loading the new version, then waits: the test kills one of them meanwhile.
    write(
      'src/handler.ts',
      handler(
        'never',
        `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marks)} + '/' + process.pid, '');\nawait new Promise((resolve) => setTimeout(resolve, 60_000));\n`,
      ),
    );
    const pending = client.reload();
    const pids = (await status()).cluster!.workers.map((worker) => worker.pid);
    await eventually(() => pids.every((pid) => fs.existsSync(path.join(marks, String(pid)))), 'every worker to load the new version');
    process.kill(pids[0]!, 'SIGKILL');
    const result = await pending;
    fs.rmSync(marks, { recursive: true, force: true });
    assert.equal(result.outcome, 'rolled-back');
    assert.match(result.error!.message, /exited \(SIGKILL\) while it loaded the new versions/);
    assert.deepEqual(
      result.cluster!.participants.map((participant) => participant.outcome),
      ['gone', 'rolled-back'],
    );
    await eventually(
      async () =>
        (await status()).cluster!.workers.every((worker) => worker.state === 'live' && worker.pid !== pids[0]) &&
        (await status()).cluster!.workers.length === workers,
      'the worker started again',
    );
    for (const body of (await probe()).values()) assert.equal(body.version, 'v10');
    // Fixed, the change goes live everywhere.
    write('src/handler.ts', handler('v11'));
    assert.equal((await client.reload()).outcome, 'committed');
    for (const body of (await probe()).values()) assert.equal(body.version, 'v11');
  });

  it('starts a worker again on the code that runs after a rolled-back edit of a module no reload had shipped before', async () => {
    const original = fs.readFileSync(app.file('src/main.ts'), 'utf8');
    const [first, second] = (await status()).cluster!.workers;
    write(
      'src/main.ts',
      `${original.replace('worker: cluster.worker?.id, pid: process.pid }', 'worker: cluster.worker?.id, pid: process.pid, rejected: true }')}\nif (cluster.worker?.id === ${first!.worker}) throw new Error('rejected');\n`,
    );
    assert.equal((await client.reload()).outcome, 'rolled-back');
    process.kill(second!.pid, 'SIGKILL');
    await eventually(async () => {
      const { cluster } = await status();
      return cluster!.workers.length === workers && cluster!.workers.every((worker) => worker.state === 'live' && worker.pid !== second!.pid);
    }, 'the worker started again');
    for (const body of (await probe()).values())
      assert.equal((body as Body & { rejected?: boolean }).rejected, undefined, 'a worker runs the rejected main.ts');
    write('src/main.ts', original);
  });

  it('starts a worker again on the code the others run, not on a file saved and never reloaded', async () => {
    const original = fs.readFileSync(app.file('src/counter.ts'), 'utf8');
    // Saved, not reloaded: the workers run the counter as it was.
    write('src/counter.ts', original.replace('return ++count;', 'return 1000 + ++count;'));
    const [victim] = (await status()).cluster!.workers;
    process.kill(victim!.pid, 'SIGKILL');
    await eventually(async () => {
      const { cluster } = await status();
      return cluster!.workers.length === workers && cluster!.workers.every((worker) => worker.state === 'live' && worker.pid !== victim!.pid);
    }, 'the worker started again');
    for (const body of (await probe()).values()) assert.ok(body.count < 1000, `worker pid ${body.pid} runs the counter saved on disk`);
    write('src/counter.ts', original);
  });

  it("ends every worker on the outcome's code when one dies after the commit, while the old versions retire", async () => {
    // A call on the old version keeps it retiring; the new code already serves.
    // Its worker may be the one killed: its failure is expected and waited for at the end.
    const slowCall = request(app.port, '/slow', new http.Agent({ keepAlive: false })).catch(() => undefined);
    write('src/handler.ts', handler('v12'));
    const pending = client.reload();
    await eventually(async () => [...(await probe()).values()].every((body) => body.version === 'v12'), 'every worker to serve the new code');
    const [victim] = (await status()).cluster!.workers;
    process.kill(victim!.pid, 'SIGKILL');
    const result = await pending;
    await slowCall;
    await eventually(async () => {
      const { cluster } = await status();
      return cluster!.workers.length === workers && cluster!.workers.every((worker) => worker.state === 'live' && worker.pid !== victim!.pid);
    }, 'the worker started again');
    // Whatever the outcome (the worker may die before the settle window ended, which rolls back), every worker runs it.
    const expected = result.outcome === 'committed' ? 'v12' : 'v11';
    for (const body of (await probe()).values()) assert.equal(body.version, expected, JSON.stringify(result.cluster));
    const { cluster } = await status();
    assert.ok(
      cluster!.workers.every((worker) => worker.epoch === cluster!.epoch),
      JSON.stringify(cluster),
    );
  });
});

/** `reloadable run` (with `args`) of an app whose primary forks its own workers, once every worker runs. */
async function runForkingApp(prefix: string, args: string[]): Promise<{ app: RunningApp; client: ControlClient }> {
  const dir = appFolder(prefix, { 'main.ts': forkingPrimary, 'worker.ts': main, 'counter.ts': counter, 'handler.ts': handler('v0') });
  const app = await RunningApp.runIn(dir, { args, port: await freePort(), anyOutput: true });
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.connect(app.discovery(), 'test');
    const connected = client;
    await eventually(
      async () => (await connected.status()).cluster?.workers.filter((worker) => worker.state === 'live').length === workers + 1,
      'the workers to run',
    );
    return { app, client };
  } catch (error) {
    // Nothing is left running when the app does not come up.
    client?.close();
    await app.stop();
    throw error;
  }
}

describe('reloadable run of an app that forks its own workers', () => {
  let app: RunningApp;
  let client: ControlClient;
  const write = (name: string, text: string) => fs.writeFileSync(app.file(name), text);
  /** What every worker (not the primary, which serves nothing) serves now. */
  const probe = async () =>
    answersOf(
      app.port,
      (await client.status()).cluster!.workers.filter((worker) => worker.worker !== 0).map((worker) => worker.pid),
    );

  before(async () => {
    ({ app, client } = await runForkingApp('reloadable-forks-', []));
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it("runs the workers under the runtime, as one app, and reloads every worker in one transaction with the app's primary", async () => {
    assert.equal(runningApps(app.dir).length, 1, 'one app, not one per worker');
    // The modules only the workers load are listed with the primary's.
    assert.deepEqual((await client.status()).modules.map((module) => module.id).sort(), [
      'src/counter.ts',
      'src/handler.ts',
      'src/main.ts',
      'src/worker.ts',
    ]);
    for (const body of (await probe()).values()) assert.equal(body.version, 'v0');
    write('src/handler.ts', handler('v1'));
    const result = await client.reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
    // The primary runs none of the changed modules: it has nothing to reload and takes no part.
    assert.deepEqual(
      result.cluster!.participants.map((participant) => participant.outcome),
      ['no-change', ...Array.from({ length: workers }, () => 'committed')],
    );
    assert.deepEqual(result.warnings, []);
    for (const body of (await probe()).values()) assert.equal(body.version, 'v1');
  });

  it('rolls the primary and every worker back when the new code fails in one worker', async () => {
    const [, failing] = (await client.status()).cluster!.workers;
    write(
      'src/handler.ts',
      handler(
        'rejected',
        `import cluster from 'node:cluster';\nif (cluster.worker?.id === ${failing!.worker}) throw new Error('not on this worker');\n`,
      ),
    );
    const { code, stdout } = await runCli(['reload', '--project', app.dir]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, new RegExp(`worker ${failing!.worker}: .*not on this worker`));
    for (const body of (await probe()).values()) assert.equal(body.version, 'v1');
    // A worker the app forks again starts on the committed code, not on the rejected edit still on disk.
    process.kill(failing!.pid, 'SIGKILL');
    await eventually(async () => {
      const { cluster } = await client.status();
      return cluster!.workers.length === workers + 1 && cluster!.workers.every((worker) => worker.state === 'live' && worker.pid !== failing!.pid);
    }, 'the app to fork a worker again');
    for (const body of (await probe()).values()) assert.equal(body.version, 'v1');
  });
});

/**
 * `reloadable run --workers N --watch` of an app made of `files`, started before the suite's tests and stopped
 * after them: the app, a control client, and the versions the workers answer with now.
 */
function watchedCluster(
  prefix: string,
  files: Record<string, string>,
): { app: () => RunningApp; client: () => ControlClient; versions: () => Promise<Set<string>> } {
  let app: RunningApp;
  let client: ControlClient;
  before(async () => {
    app = await RunningApp.runIn(appFolder(prefix, files), {
      args: ['--workers', String(workers), '--watch'],
      port: await freePort(),
      anyOutput: true,
    });
    await app.waitFor(() => /watching for changes/.test(app.stderr), 'the watcher');
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });
  const versions = async () =>
    new Set(
      [
        ...(
          await answersOf(
            app.port,
            (await client.status()).cluster!.workers.map((worker) => worker.pid),
          )
        ).values(),
      ].map((body) => body.version),
    );
  return { app: () => app, client: () => client, versions };
}

describe('reloadable run --workers --watch', () => {
  const cluster = watchedCluster('reloadable-cluster-watch-', { 'main.ts': main, 'counter.ts': counter, 'handler.ts': handler('v0') });
  const { versions } = cluster;
  const file = (name: string) => cluster.app().file(name);
  const history = () => cluster.client().history();

  it('reloads every worker on a save, tries a broken save once, and takes the fix', async () => {
    fs.writeFileSync(file('src/handler.ts'), handler('v1'));
    await eventually(async () => (await history()).at(-1)?.outcome === 'committed', 'the save to commit');
    assert.deepEqual([...(await versions())], ['v1']);
    const before = (await history()).length;
    fs.writeFileSync(file('src/handler.ts'), `${handler('v2')}\nthrow new Error('broken on purpose');\n`);
    await eventually(async () => (await history()).length === before + 1, 'the broken save to be tried');
    assert.equal((await history()).at(-1)?.outcome, 'rolled-back');
    assert.deepEqual([...(await versions())], ['v1']);
    fs.writeFileSync(file('src/handler.ts'), handler('v3'));
    await eventually(async () => (await history()).at(-1)?.outcome === 'committed', 'the fix to commit');
    // The broken save was tried once, not again and again while it stayed on disk.
    const results = await history();
    assert.equal(results.length, before + 2, JSON.stringify(results.map((result) => [result.outcome, result.changed, result.error?.message])));
    assert.deepEqual([...(await versions())], ['v3']);
  });
});

/** An app that answers from a worker thread: the thread loads the words; the main module only starts it. */
const threadMain = `import http from 'node:http';
import cluster from 'node:cluster';
import { Worker } from 'node:worker_threads';
const thread = new Worker(new URL('./thread.ts', import.meta.url));
const waiting = new Map<number, (word: string) => void>();
let next = 0;
thread.on('message', ({ id, word }: { id: number; word: string }) => {
  waiting.get(id)?.(word);
  waiting.delete(id);
});
http
  .createServer((req, res) => {
    const id = ++next;
    waiting.set(id, (word) => res.end(JSON.stringify({ version: word, count: 0, worker: cluster.worker?.id, pid: process.pid })));
    thread.postMessage(id);
  })
  .listen(Number(process.env.PORT));
`;
const threadCode = `import { parentPort } from 'node:worker_threads';
import { word } from './words.ts';
parentPort!.on('message', (id: number) => parentPort!.postMessage({ id, word }));
`;

describe('reloadable run --workers --watch of an app with worker threads', () => {
  const cluster = watchedCluster('reloadable-cluster-threads-', {
    'main.ts': threadMain,
    'thread.ts': threadCode,
    'words.ts': `export const word = 'v0';\n`,
  });
  const { versions } = cluster;
  const file = (name: string) => cluster.app().file(name);
  const history = () => cluster.client().history();

  it("starts every worker's thread again on a save of a file only the threads load; a thread that fails to load rolls every worker back", async () => {
    assert.deepEqual([...(await versions())], ['v0']);
    fs.writeFileSync(file('src/words.ts'), `export const word = 'v1';\n`);
    await eventually(async () => (await history()).at(-1)?.outcome === 'committed', 'the save to commit');
    const committed = (await history()).at(-1)!;
    assert.deepEqual(committed.loadOrder, ['src/main.ts']);
    assert.match(committed.widened?.reason ?? '', /src\/words\.ts runs in a worker thread src\/main\.ts started/);
    assert.deepEqual([...(await versions())], ['v1']);

    const before = (await history()).length;
    fs.writeFileSync(file('src/words.ts'), `export const word = 'v2';\nthrow new Error('words are broken');\n`);
    await eventually(async () => (await history()).length === before + 1, 'the broken save to be tried');
    const rolledBack = (await history()).at(-1)!;
    assert.equal(rolledBack.outcome, 'rolled-back');
    assert.match(
      rolledBack.error?.message ?? '',
      /worker thread \d+ on src\/thread\.ts started by src\/main\.ts failed while loading: words are broken \(src\/words\.ts:2:\d+\)/,
    );
    assert.deepEqual([...(await versions())], ['v1']);

    fs.writeFileSync(file('src/words.ts'), `export const word = 'v3';\n`);
    await eventually(async () => (await history()).at(-1)?.outcome === 'committed', 'the fix to commit');
    assert.deepEqual([...(await versions())], ['v3']);
    const status = await cluster.client().status();
    assert.equal(new Set(status.cluster!.workers.map((worker) => worker.epoch)).size, 1, 'every worker on one epoch');
  });
});

describe('reloadable run --workers --barrier hold', () => {
  let app: RunningApp;
  let client: ControlClient;
  before(async () => {
    // Each answer says when its request started on this machine's clock, and on which version.
    const dir = appFolder('reloadable-cluster-hold-', {
      'main.ts': `import http from 'node:http';
import { answer } from './handler.ts';
http
  .createServer((req, res) => {
    const startedAt = performance.timeOrigin + performance.now();
    const version = answer();
    setTimeout(() => res.end(JSON.stringify({ version, startedAt, pid: process.pid })), 2);
  })
  .listen(Number(process.env.PORT), () => console.log('listening', process.env.PORT));
`,
      'handler.ts': handler('v0'),
    });
    app = await RunningApp.runIn(dir, { args: ['--workers', String(workers), '--barrier', 'hold'], port: await freePort(), anyOutput: true });
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('starts no request on the old code after one started on the new, and says how many requests waited', async () => {
    const load = startLoad<{ version: string; startedAt: number }>(app.port, 16);
    const results = [];
    for (let round = 1; round <= 20; round++) {
      fs.writeFileSync(app.file('src/handler.ts'), handler(`v${round}`));
      const result = await client.reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result.error));
      results.push(result);
    }
    const { bodies, failures } = await load.stop();
    assert.deepEqual(failures, []);
    assert.ok(results.every((result) => result.cluster?.barrier === 'hold' && typeof result.cluster.heldAtBarrier === 'number'));
    const number = (version: string) => Number(version.slice(1));
    const inversions: string[] = [];
    for (let round = 1; round <= 20; round++) {
      const firstNew = Math.min(...bodies.filter((body) => number(body.version) >= round).map((body) => body.startedAt));
      for (const body of bodies)
        if (number(body.version) < round && body.startedAt > firstNew)
          inversions.push(`${body.version} started ${(body.startedAt - firstNew).toFixed(2)} ms after v${round}`);
    }
    assert.deepEqual(inversions, []);
  });
});

describe('reloadable run --workers on an app that cannot start', () => {
  it('says why, from each worker, and exits 1 without workers left behind', async () => {
    const dir = appFolder('reloadable-cluster-broken-', { 'main.ts': 'export const broken = ;\n' });
    try {
      const { code, stderr } = await runCli(['run', 'src/main.ts', '--workers', '2'], { cwd: dir });
      assert.equal(code, 1, stderr);
      assert.match(stderr, /worker \d+ cannot start: .*src\/main\.ts:1:\d+/);
      assert.doesNotMatch(stderr, /crashed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reloadable run --watch of an app that forks its own workers', () => {
  let app: RunningApp;
  let client: ControlClient;
  before(async () => {
    ({ app, client } = await runForkingApp('reloadable-forks-watch-', ['--watch']));
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('reloads every worker on a save of a module only the workers load', async () => {
    fs.writeFileSync(app.file('src/handler.ts'), handler('v1'));
    await eventually(async () => (await client.history()).at(-1)?.outcome === 'committed', 'the save to commit');
    const result = (await client.history()).at(-1)!;
    assert.equal(result.cluster!.participants.filter((participant) => participant.outcome === 'committed').length, workers);
    const pids = (await client.status()).cluster!.workers.filter((worker) => worker.worker !== 0).map((worker) => worker.pid);
    assert.deepEqual([...new Set([...(await answersOf(app.port, pids)).values()].map((body) => body.version))], ['v1']);
  });
});
