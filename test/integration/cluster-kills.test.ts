// `kill -9` of a worker of `reloadable run --workers` in each phase of a reload, 25 times each, under keep-alive
// load: while it loads the new code, after it voted (another worker still loading), after the decision (in the
// settle window) and while the old versions retire. After every transaction every worker runs one epoch, the one
// started again included, and serves the outcome's code; requests fail only on the killed worker's connections.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { ControlClient } from '../../runtime/src/control/client';
import { answersOf, appFolder, counter, handler, main, type Body } from '../helpers/cluster-app';
import { freePort, request } from '../helpers/net';
import { RunningApp, startLoad } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

const workers = 2;
const clients = 8;
const killsPerPhase = 25;

describe('reloadable run --workers, a worker killed in each phase of a reload', () => {
  let app: RunningApp;
  let client: ControlClient;
  let marks: string;
  let round = 0;
  /** The version every worker serves now. */
  let serving = 'v0';

  before(async () => {
    const dir = appFolder('reloadable-cluster-kills-', { 'main.ts': main, 'counter.ts': counter, 'handler.ts': handler('v0') });
    marks = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-kill-marks-'));
    app = await RunningApp.runIn(dir, { args: ['--workers', String(workers), '--init-timeout', '20000'], port: await freePort(), anyOutput: true });
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
    fs.rmSync(marks, { recursive: true, force: true });
  });

  const live = async () => (await client.status()).cluster!;
  /** A mark file the new code writes: `<round>-<what>-<pid>`. */
  const mark = (what: string) => `fs.writeFileSync(${JSON.stringify(marks)} + '/${round}-${what}-' + process.pid, '');`;
  const marked = (what: string, pid: number) => fs.existsSync(path.join(marks, `${round}-${what}-${pid}`));

  /** Waits until every worker is live again, none of them `killed`, and checks they agree with the result. */
  async function afterKill(killed: number, result: ReloadResult): Promise<void> {
    // A bound for a hang, not a measure: a worker's start on a loaded two-core machine can take seconds.
    await eventually(
      async () => {
        const cluster = await live();
        return cluster.workers.length === workers && cluster.workers.every((worker) => worker.state === 'live' && worker.pid !== killed);
      },
      'the killed worker to be started again',
      30_000,
    );
    if (result.outcome === 'committed') serving = `v${round}`;
    const cluster = await live();
    assert.ok(
      cluster.workers.every((worker) => worker.epoch === cluster.epoch),
      `round ${round}: workers on different epochs ${JSON.stringify(cluster)}`,
    );
    const answers = await answersOf(
      app.port,
      cluster.workers.map((worker) => worker.pid),
    );
    for (const body of answers.values())
      assert.equal(body.version, serving, `round ${round}: worker pid ${body.pid} serves ${body.version} after a reload that ${result.outcome}`);
  }

  /** Writes round `round`'s handler with `extra` top-level code, asks for a reload, kills a worker when `when` says, and checks. */
  async function killDuring(
    extra: (victim: number) => string,
    when: (victim: number, pending: Promise<ReloadResult>) => Promise<unknown>,
  ): Promise<ReloadResult> {
    round++;
    const [victim] = (await live()).workers;
    fs.writeFileSync(app.file('src/handler.ts'), handler(`v${round}`, extra(victim!.worker)));
    const pending = client.reload();
    await when(victim!.pid, pending);
    process.kill(victim!.pid, 'SIGKILL');
    const result = await pending;
    await afterKill(victim!.pid, result);
    return result;
  }

  const phases: Array<{ phase: string; outcome?: ReloadResult['outcome']; run: () => Promise<ReloadResult> }> = [
    {
      // Every worker loads the new code and waits in it.
      phase: 'while it loads the new code',
      outcome: 'rolled-back',
      run: () =>
        killDuring(
          () => `import fs from 'node:fs';\n${mark('loading')}\nawait new Promise((resolve) => setTimeout(resolve, 60_000));\n`,
          async (victim) => eventually(() => marked('loading', victim), 'the victim to load the new code'),
        ),
    },
    {
      // The victim's new code is loaded (it votes at once); the other worker's still waits in its loading.
      phase: 'after it voted, another worker still loading',
      outcome: 'rolled-back',
      run: () =>
        killDuring(
          (victim) =>
            `import fs from 'node:fs';\nimport cluster from 'node:cluster';\n` +
            // 'after-load' comes at the end of a process's preparation: its vote goes out right after it.
            `import.meta.hot!.on('after-load', () => { ${mark('prepared')} });\n` +
            `if (cluster.worker?.id !== ${victim}) await new Promise((resolve) => setTimeout(resolve, 60_000));\n`,
          // The other worker waits in its loading for a minute.
          async (victim) => eventually(() => marked('prepared', victim), 'the victim to prepare the new code'),
        ),
    },
    {
      // The new code went live on the victim: the decision was made; the settle window runs.
      phase: 'after the decision',
      run: () =>
        killDuring(
          () => `import fs from 'node:fs';\nimport.meta.hot!.on('commit', () => { ${mark('committed')} });\n`,
          async (victim) => eventually(() => marked('committed', victim), 'the victim to commit'),
        ),
    },
    {
      // The reload's result is in; a call on the old code keeps the old versions retiring.
      phase: 'while the old versions retire',
      outcome: 'committed',
      run: async () => {
        // One slow call on each worker (fresh connections go to the workers in turn), started on the old code.
        const slow = Promise.all(
          Array.from({ length: workers }, () => request(app.port, '/slow', new http.Agent({ keepAlive: false })).catch(() => undefined)),
        );
        await eventually(
          async () => ((await client.status()).modules.find((module) => module.id === 'src/handler.ts')?.inFlight ?? 0) > 0,
          'the slow calls to start on the old code',
          30_000,
        );
        const result = await killDuring(
          () => '',
          (_, pending) => pending,
        );
        await slow;
        return result;
      },
    },
  ];

  for (const { phase, outcome, run } of phases) {
    it(`${killsPerPhase} times ${phase}: every worker on the outcome's code, one epoch; failed requests only on the killed worker's connections`, async (t) => {
      const load = startLoad<Body>(app.port, clients);
      const outcomes: string[] = [];
      try {
        for (let kill = 0; kill < killsPerPhase; kill++) {
          const result = await run();
          outcomes.push(result.outcome);
          if (outcome) assert.equal(result.outcome, outcome, `round ${round}: ${JSON.stringify(result.error)}`);
        }
      } catch (error) {
        // The clients stop with the test: left running against an app that stopped, they would spin for good.
        await load.stop();
        throw error;
      }
      // A connection handed to a worker as it died must end (a failed request), not hang: the clients stop in time.
      const { bodies, failures } = await Promise.race([
        load.stop(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('requests still hang after the kills')), 30_000).unref()),
      ]);
      // Each client has one request in flight, and keep-alive connections stay on the worker that survived the
      // kill before (they may all be on the next victim); the primary hands a worker one connection at a time.
      // A kill fails at most the requests on the killed worker's connections and the one it was being handed.
      const kinds = new Map<string, number>();
      for (const failure of failures) kinds.set(failure, (kinds.get(failure) ?? 0) + 1);
      assert.ok(
        failures.length <= killsPerPhase * (clients + 1),
        `${failures.length} failed requests in ${killsPerPhase} kills: ${JSON.stringify([...kinds])}`,
      );
      for (const failure of failures) assert.match(failure, /ECONNRESET|socket hang up|EPIPE/, 'a failure other than a lost connection');
      assert.ok(bodies.length > 0, 'the app served during the kills');
      const committed = outcomes.filter((each) => each === 'committed').length;
      t.diagnostic(`${bodies.length} requests served, ${failures.length} failed; ${committed} committed, ${outcomes.length - committed} rolled back`);
    });
  }
});
