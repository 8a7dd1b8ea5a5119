// The cluster part of `npm run bench`: one app on several processes, upgraded under load, side by side in one
// run. Reloadable `--workers 2|4` (one transaction across the workers, no process replaced), a hand-written
// node:cluster primary that replaces its workers (surge: a new set, then the old set disconnected at once), and
// pm2's `reload` (cluster mode, rolling replacement); the app drains as a careful app does (bench/app-cluster).
//
// Load: 8 keep-alive clients, a 5 ms handler. Each reload writes a new handler.js and triggers the contender
// (a control request; SIGHUP to the surge primary; `pm2 reload`). Per reload, from the trigger: when only the
// new version answers any more (all new), how long two versions answered side by side (from the first new
// answer to the last old one), and for reloadable the commit spread its result reports. Failed requests are
// counted throughout. Throughput: the same app with no delay and no reloads against plain node:cluster.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, installTools, spawnApp, stopApp } from './tooling.mjs';

export const clusterTools = { pm2: '7.0.4' };

const root = join(import.meta.dirname, '..');
const cli = join(root, 'runtime/bin/reloadable.cjs');
const clients = 8;

function layOut() {
  const dir = mkdtempSync(join(tmpdir(), 'reloadable-cluster-bench-'));
  cpSync(join(root, 'bench/app-cluster'), dir, { recursive: true });
  return dir;
}

const writeHandler = (dir, version) =>
  writeFileSync(join(dir, 'handler.js'), `export const version = ${version};\nexport function handle() {\n  return String(version);\n}\n`);

/** Keep-alive clients requesting without pause: each answer's version and when it came, and every failure. */
function startLoad(port, count = clients) {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  const answers = [];
  let failed = 0;
  let running = true;
  const once = () =>
    new Promise((resolve) => {
      const sent = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) {
            const [version, , startedAt] = body.split(' ');
            answers.push({ at: performance.now(), version: Number(version), startedAt: Number(startedAt), latency: performance.now() - sent });
          } else failed++;
          resolve();
        });
        response.on('error', () => (failed++, resolve()));
      });
      req.on('error', () => (failed++, resolve()));
      req.end();
    });
  const loops = Array.from({ length: count }, async () => {
    while (running) await once();
  });
  return {
    answers,
    get failed() {
      return failed;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

async function waitForOutput(sink, pattern, child, ms = 30_000) {
  const started = Date.now();
  while (!pattern.test(sink.output)) {
    if (child.exitCode !== null || Date.now() - started > ms) throw new Error(`no ${pattern} in:\n${sink.output}`);
    await sleep(10);
  }
}

/** Waits until `text` was printed `count` times. */
async function waitForCount(sink, text, count, child, ms = 30_000) {
  const started = Date.now();
  while (sink.output.split(text).length - 1 < count) {
    if (child.exitCode !== null || Date.now() - started > ms) throw new Error(`${text} not printed ${count} times in:\n${sink.output}`);
    await sleep(5);
  }
}

function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Starts a contender in `dir`: resolves with how to reload it and how to stop it. */
async function start(contender, dir, port, workers, toolsDir, node, env = {}, flags = []) {
  const sink = { output: '' };
  if (contender === 'reloadable') {
    const child = spawnWith(node, [cli, 'run', 'server.js', '--workers', String(workers), ...flags], dir, port, sink, env);
    await waitForOutput(sink, /running \(pid/, child);
    const { ControlClient, runningApps } = await import(join(root, 'runtime/out/index.js'));
    const control = await ControlClient.connect(runningApps(dir)[0], 'bench');
    return {
      reload: () => control.reload({ files: ['handler.js'] }),
      stop: async () => {
        control.close();
        await stopApp(child);
      },
    };
  }
  if (contender === 'surge' || contender === 'plain') {
    const child = spawnWith(node, [`${contender}.js`], dir, port, sink, { WORKERS: String(workers), ...env });
    if (contender === 'surge') await waitForOutput(sink, /listening all/, child);
    else await waitForCount(sink, `listening ${port}`, workers, child);
    let replaced = 0;
    return {
      reload: async () => {
        process.kill(child.pid, 'SIGHUP');
        replaced++;
        await waitForCount(sink, 'replaced', replaced, child);
      },
      stop: () => stopApp(child),
    };
  }
  // pm2: its daemon in a home of its own, the app in cluster mode.
  const home = mkdtempSync(join(tmpdir(), 'reloadable-pm2-'));
  const pm2 = (...args) =>
    execFileSync(node, [join(toolsDir, 'node_modules/pm2/bin/pm2'), ...args], {
      cwd: dir,
      env: { ...process.env, PM2_HOME: home, PORT: String(port), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  pm2('start', 'server.js', '-i', String(workers), '--name', 'app');
  return {
    reload: async () => pm2('reload', 'app'),
    stop: async () => {
      pm2('kill');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function spawnWith(node, args, dir, port, sink, env) {
  return spawnApp(args, dir, port, sink, node, env);
}

/** Resolves once the port answers. */
async function untilAnswering(port) {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const ok = await new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`port ${port} never answered`);
}

async function reloads(contender, workers, count, toolsDir, node) {
  const dir = layOut();
  symlinkSync(join(toolsDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeHandler(dir, 0);
  const port = await freePort();
  const app = await start(contender, dir, port, workers, toolsDir, node);
  const rows = [];
  const spreads = [];
  let rolledBack = 0;
  try {
    await untilAnswering(port);
    const load = startLoad(port);
    await sleep(300);
    for (let version = 1; version <= count; version++) {
      writeHandler(dir, version);
      const trigger = performance.now();
      const result = await app.reload();
      const done = performance.now();
      if (result?.outcome && result.outcome !== 'committed') rolledBack++;
      if (result?.cluster?.commitSpreadMs !== undefined) spreads.push(result.cluster.commitSpreadMs);
      // Answers still on their way from the old version come in meanwhile.
      await sleep(150);
      rows.push({ trigger, done, version });
    }
    await load.stop();
    const perReload = rows.map(({ trigger, done, version }) => {
      const after = load.answers.filter((answer) => answer.at >= trigger);
      const firstNew = after.find((answer) => answer.version === version)?.at;
      const lastOld = after.filter((answer) => answer.version < version).at(-1)?.at;
      const allNew = Math.max(firstNew ?? done, lastOld ?? 0) - trigger;
      const mixed = firstNew !== undefined && lastOld !== undefined ? Math.max(0, lastOld - firstNew) : 0;
      return { allNew, mixed, reload: done - trigger };
    });
    return {
      contender,
      workers,
      count,
      failed: load.failed,
      rolledBack,
      answers: load.answers.length,
      allNew: perReload.map((each) => each.allNew),
      mixed: perReload.map((each) => each.mixed),
      reload: perReload.map((each) => each.reload),
      spreads,
    };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Requests per second with no delay and no reloads, plain node:cluster against reloadable --workers: both run
 * at once and take turns, 3-second rounds, the median of each (turns even out the machine's drift).
 */
async function throughput(workers, rounds, toolsDir, node) {
  const started = [];
  try {
    for (const contender of ['plain', 'reloadable']) {
      const dir = layOut();
      symlinkSync(join(toolsDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const port = await freePort();
      started.push({ contender, dir, port, app: await start(contender, dir, port, workers, toolsDir, node, { DELAY: '0' }) });
      await untilAnswering(port);
    }
    const rates = { plain: [], reloadable: [] };
    for (let round = 0; round < rounds; round++)
      for (const { contender, port } of started) {
        const load = startLoad(port);
        await sleep(500);
        const from = load.answers.length;
        const since = performance.now();
        await sleep(3000);
        rates[contender].push((load.answers.length - from) / ((performance.now() - since) / 1000));
        await load.stop();
      }
    return { plain: percentile(rates.plain, 50), reloadable: percentile(rates.reloadable, 50) };
  } finally {
    for (const { app, dir } of started) {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Start-order inversions (a request that started on the old version after another process started one on
 * the new) with and without the hold barrier, under CPU load: 4 workers, 16 clients, 2 ms of CPU a request.
 * Also the p99 latency during reloads against the quiet p99 of the same run.
 */
async function barrier(hold, count, toolsDir, node) {
  const dir = layOut();
  symlinkSync(join(toolsDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeHandler(dir, 0);
  const port = await freePort();
  const app = await start('reloadable', dir, port, 4, toolsDir, node, { CPU: '2', DELAY: '0' }, hold ? ['--barrier', 'hold'] : []);
  try {
    await untilAnswering(port);
    const load = startLoad(port, 16);
    await sleep(500);
    const quietFrom = load.answers.length;
    await sleep(3000);
    const quiet = load.answers.slice(quietFrom).map((answer) => answer.latency);
    const during = [];
    const held = [];
    for (let version = 1; version <= count; version++) {
      writeHandler(dir, version);
      const from = load.answers.length;
      const result = await app.reload();
      if (result.cluster?.heldAtBarrier !== undefined) held.push(result.cluster.heldAtBarrier);
      await sleep(100);
      during.push(...load.answers.slice(from).map((answer) => answer.latency));
    }
    await load.stop();
    let inversions = 0;
    for (let version = 1; version <= count; version++) {
      const firstNew = Math.min(...load.answers.filter((answer) => answer.version >= version).map((answer) => answer.startedAt));
      inversions += load.answers.filter((answer) => answer.version < version && answer.startedAt > firstNew).length;
    }
    return { hold, count, inversions, failed: load.failed, held, quietP99: percentile(quiet, 99), duringP99: percentile(during, 99) };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCluster({ toolsDir, quick = false, node = process.execPath, log = (line) => process.stderr.write(`${line}\n`) }) {
  installTools(toolsDir, clusterTools);
  const count = quick ? 10 : 100;
  const pm2Count = quick ? 3 : 10;
  const runs = [];
  for (const workers of [2, 4]) {
    for (const [contender, reloadCount] of [
      ['reloadable', count],
      ['surge', count],
      ['pm2', pm2Count],
    ]) {
      log(`cluster: ${contender}, ${workers} workers, ${reloadCount} reloads`);
      runs.push(await reloads(contender, workers, reloadCount, toolsDir, node));
    }
  }
  const barriers = [];
  for (const hold of [false, true]) {
    log(`cluster: start order, 4 workers${hold ? ', --barrier hold' : ''}`);
    barriers.push(await barrier(hold, count, toolsDir, node));
  }
  const rates = {};
  for (const workers of [2, 4]) {
    log(`cluster: throughput, ${workers} workers`);
    const { plain, reloadable } = await throughput(workers, quick ? 1 : 5, toolsDir, node);
    rates[`plain ${workers}`] = plain;
    rates[`reloadable ${workers}`] = reloadable;
  }
  return { runs, barriers, rates, node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() };
}

const ms = (value) => (value === undefined ? '–' : value < 10 ? value.toFixed(1) : value.toFixed(0));

export function clusterSection({ runs, barriers = [], rates, node }) {
  const names = {
    reloadable: 'reloadable --workers (one transaction)',
    surge: 'node:cluster primary, surge replacement',
    pm2: `pm2 ${clusterTools.pm2} reload`,
  };
  const lines = [
    `## Cluster: one app on several processes, upgraded under load (Node ${node.slice(1)})`,
    '',
    `${clients} keep-alive clients, a 5 ms handler; each reload writes a new handler.js, then triggers the contender. ` +
      'All new: from the trigger until only the new version answers. Two versions: from the first new answer to the last old one. ' +
      'Reload: from the trigger until the contender says it is done (reloadable: the result, after its settle window and the retirement of the old versions). ' +
      'The app drains as a careful app does (stops accepting, closes idle keep-alive connections, answers with `Connection: close`).',
    '',
    '| contender | workers | reloads | failed requests | all new p50 / max (ms) | two versions p50 / max (ms) | commit spread p50 / p99 (ms) | reload p50 / p99 (ms) |',
    '|---|---:|---:|---:|---|---|---|---|',
  ];
  for (const run of runs)
    lines.push(
      `| ${names[run.contender]} | ${run.workers} | ${run.count}${run.rolledBack ? ` (${run.rolledBack} rolled back)` : ''} | ${run.failed} | ` +
        `${ms(percentile(run.allNew, 50))} / ${ms(Math.max(...run.allNew))} | ${ms(percentile(run.mixed, 50))} / ${ms(Math.max(...run.mixed))} | ` +
        `${run.spreads.length > 0 ? `${ms(percentile(run.spreads, 50))} / ${ms(percentile(run.spreads, 99))}` : '–'} | ` +
        `${ms(percentile(run.reload, 50))} / ${ms(percentile(run.reload, 99))} |`,
    );
  lines.push(
    '',
    'Start order under CPU load: 4 workers, 16 keep-alive clients, 2 ms of CPU a request. An inversion is a request that started on ' +
      'the old version after another process started one on the new; p99 latency of the requests answered during the reloads against the quiet p99 before them:',
    '',
    '| reloadable --workers 4 | reloads | failed requests | inversions | held at the barrier per reload, p50 / max | p99 quiet / during reloads (ms) |',
    '|---|---:|---:|---:|---|---|',
  );
  for (const run of barriers)
    lines.push(
      `| ${run.hold ? '--barrier hold' : 'no barrier'} | ${run.count} | ${run.failed} | ${run.inversions} | ` +
        `${run.held.length > 0 ? `${percentile(run.held, 50)} / ${Math.max(...run.held)}` : '–'} | ${ms(run.quietP99)} / ${ms(run.duringP99)} |`,
    );
  lines.push(
    '',
    'Throughput with no delay and no reloads, requests per second (both running, taking turns: the median of five 3-second rounds each):',
    '',
    '| workers | plain node:cluster | reloadable --workers | reloadable / plain |',
    '|---:|---:|---:|---:|',
  );
  for (const workers of [2, 4]) {
    const plain = rates[`plain ${workers}`];
    const ours = rates[`reloadable ${workers}`];
    lines.push(`| ${workers} | ${plain.toFixed(0)} | ${ours.toFixed(0)} | ${((ours / plain) * 100).toFixed(1)} % |`);
  }
  return lines;
}
