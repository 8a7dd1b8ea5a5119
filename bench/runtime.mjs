// The runtime half of `npm run bench`: one app (bench/app) served under our runtime, plain node, node --watch,
// dynohot, hot-hook and Vite's module runner, with the same load and the same reloads, in one run.
//
// - reload latency: 8 keep-alive clients request the app without pause; each reload writes a new handler.js
//   and the latency is the time from the reload request (our control request, or the file write for the tools
//   that watch files) to the first response from the new version. Failed requests are counted meanwhile.
// - heap: the app's /heap route collects garbage and reports heapUsed; growth per reload over 1,000 reloads.
// - throughput: autocannon, 8 keep-alive connections, with no reloads, against the same app under plain node.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, installTools, spawnApp, stopApp } from './tooling.mjs';

export const runtimeTools = { dynohot: '1.2.1', 'hot-hook': '1.0.0', vite: '8.3.8', autocannon: '8.0.0' };

const root = join(import.meta.dirname, '..');
const cli = join(root, 'runtime/bin/reloadable.cjs');

/** Each contender: how to start the app, how to ask for a reload, and whether the handler accepts itself. */
function contenders(toolsDir, node) {
  const importFlag = (name) => ['--import', name];
  return [
    { name: 'node, no reloading', args: ['--expose-gc', 'main.js'], reload: undefined },
    { name: 'reloadable (control request)', args: ['--expose-gc', cli, 'run', 'main.js'], reload: 'control', selfAccept: true },
    { name: 'reloadable --watch (file change)', args: ['--expose-gc', cli, 'run', 'main.js', '--watch'], reload: 'file', selfAccept: true },
    { name: 'node --watch', args: ['--watch', 'main.js'], reload: 'file', restarts: true },
    { name: `dynohot ${runtimeTools.dynohot}`, args: ['--expose-gc', ...importFlag('dynohot/register'), 'main-dynohot.js'], reload: 'file' },
    { name: `hot-hook ${runtimeTools['hot-hook']}`, args: ['--expose-gc', ...importFlag('hot-hook/register'), 'main-hot-hook.js'], reload: 'file' },
    { name: `Vite ${runtimeTools.vite} module runner`, args: ['--expose-gc', 'vite-runner.js'], reload: 'file' },
  ].map((contender) => ({ ...contender, toolsDir, node }));
}

function handlerSource(version, selfAccept) {
  return [
    `// Version ${version}, written by bench/runtime.mjs.`,
    `export const version = ${version};`,
    `const table = Array.from({ length: 256 }, (_, i) => i * ${version});`,
    'export function handle(url) {',
    '  return `v${version} ${table[url.length % 256]}`;',
    '}',
    selfAccept ? 'import.meta.hot?.accept();' : '',
    '',
  ].join('\n');
}

/** A copy of bench/app in a temporary folder, started under one contender. */
class App {
  static async start(contender) {
    const dir = mkdtempSync(join(tmpdir(), 'reloadable-bench-'));
    cpSync(join(root, 'bench/app'), dir, { recursive: true });
    symlinkSync(join(contender.toolsDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const app = new App(dir, contender, await freePort());
    app.write(1);
    app.child = spawnApp(contender.args, dir, app.port, app, contender.node);
    const ours = contender.args.includes(cli);
    // Ours says "running" once its watcher is ready; the others have no such signal, so they get half a second.
    await app.until(() => /listening \d+/.test(app.output) && (!ours || /running \(pid/.test(app.output)), 'the app to listen', 30_000);
    if (!ours && contender.reload === 'file') await sleep(500);
    if (contender.reload === 'control') {
      const { ControlClient, runningApps } = await import(join(root, 'runtime/out/index.js'));
      app.control = await ControlClient.connect(runningApps(dir)[0], 'bench');
    }
    return app;
  }

  output = '';
  version = 1;

  constructor(dir, contender, port) {
    this.dir = dir;
    this.contender = contender;
    this.port = port;
  }

  write(version) {
    this.version = version;
    writeFileSync(join(this.dir, 'handler.js'), handlerSource(version, this.contender.selfAccept));
  }

  /** Writes the next version and asks for it: returns the time of the request. */
  async reload() {
    this.write(this.version + 1);
    const requested = performance.now();
    if (this.contender.reload === 'control') {
      const result = await this.control.reload({});
      if (result.outcome !== 'committed') throw new Error(`reload ${this.version}: ${result.outcome} ${JSON.stringify(result.error)}`);
    }
    return requested;
  }

  async until(ready, what, timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    while (!ready()) {
      if (this.child.exitCode !== null) throw new Error(`${this.contender.name} exited before ${what}:\n${this.output}`);
      if (performance.now() > deadline) throw new Error(`${this.contender.name}: timed out waiting for ${what}:\n${this.output}`);
      await sleep(2);
    }
  }

  async stop() {
    this.control?.close();
    await stopApp(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function get(port, path, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`${response.statusCode} ${body}`))));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** 8 clients on keep-alive connections, each sending its next request as soon as the last is answered. */
function startLoad(port, clients = 8) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const load = { served: 0, failed: 0, firstSeen: new Map(), running: true };
  const client = async () => {
    while (load.running) {
      try {
        const body = await get(port, '/', agent);
        load.served++;
        const version = Number(/^v(\d+)/.exec(body)?.[1]);
        if (!load.firstSeen.has(version)) load.firstSeen.set(version, performance.now());
      } catch {
        load.failed++;
        // A refused connection fails at once: back off so a restart is not counted a thousand times.
        await sleep(10);
      }
    }
  };
  const loops = Array.from({ length: clients }, client);
  load.stop = async () => {
    load.running = false;
    await Promise.all(loops);
    agent.destroy();
  };
  return load;
}

async function waitFor(condition, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Reloads under load; the latency of each is request → first response from the new version. */
async function latencyUnderLoad(contender, reloads) {
  const app = await App.start(contender);
  try {
    const load = startLoad(app.port);
    await waitFor(() => load.served > 200, 10_000);
    const latencies = [];
    let missed = 0;
    const started = performance.now();
    let crashed = false;
    for (let i = 0; i < reloads; i++) {
      // A contender that died (on a half-written save, say) is reported as such, not waited for.
      if (app.child.exitCode !== null || app.child.signalCode !== null) {
        crashed = true;
        break;
      }
      const requested = await app.reload();
      const version = app.version;
      if ((await waitFor(() => load.firstSeen.has(version) || app.child.exitCode !== null, 10_000)) && load.firstSeen.has(version))
        latencies.push(load.firstSeen.get(version) - requested);
      else missed++;
      // Saves come apart: file watchers (chokidar among them) drop a second change within 50 ms of the first.
      await sleep(contender.restarts ? 300 : 100);
    }
    const seconds = (performance.now() - started) / 1000;
    await load.stop();
    return {
      latencies,
      missed,
      served: load.served,
      perSecond: load.served / seconds,
      failed: load.failed,
      crashed: crashed ? app.output.trim().split('\n').slice(-3).join(' ').slice(0, 160) : undefined,
    };
  } finally {
    await app.stop();
  }
}

/** heapUsed after collection, before and after `reloads` reloads (each waited for), per reload. */
async function heapGrowth(contender, reloads, warmUp = 50) {
  const app = await App.start(contender);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let missed = 0;
  try {
    const reloadAndWait = async () => {
      await app.reload();
      const version = app.version;
      const deadline = performance.now() + 3_000;
      // A failed probe is retried: failures are counted under load, not here.
      while (!(await get(app.port, '/', agent).catch(() => '')).startsWith(`v${version} `)) {
        if (app.child.exitCode !== null) throw new Error(`${contender.name} exited`);
        if (performance.now() > deadline) {
          missed++;
          if (missed > 20) throw new Error(`${contender.name} missed ${missed} reloads:\n${app.output.slice(-2000)}`);
          return;
        }
        await sleep(1);
      }
      // Past the watchers' 50 ms window for repeated changes of one file (see latencyUnderLoad).
      if (contender.reload === 'file') await sleep(60);
    };
    for (let i = 0; i < warmUp; i++) await reloadAndWait();
    const before = Number(await get(app.port, '/heap', agent));
    for (let i = 0; i < reloads; i++) await reloadAndWait();
    const after = Number(await get(app.port, '/heap', agent));
    return { before, after, perReload: (after - before) / reloads, missed };
  } catch (error) {
    return { error: String(error.message).split('\n')[0], missed };
  } finally {
    agent.destroy();
    await app.stop();
  }
}

/** CPU seconds used so far by every process of a group (node --watch runs the app as its child). */
function groupCpuSeconds(groupId) {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === groupId) total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}

/** autocannon against the app with no reloads, after a warm-up: requests per second and CPU per request. */
async function throughput(contender, seconds) {
  const app = await App.start(contender);
  try {
    const bin = join(contender.toolsDir, 'node_modules/autocannon/autocannon.js');
    const cannon = (duration) =>
      JSON.parse(
        execFileSync(process.execPath, [bin, '-c', '8', '-d', String(duration), '-j', `http://127.0.0.1:${app.port}/`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    cannon(1);
    const cpuBefore = groupCpuSeconds(app.child.pid);
    const result = cannon(seconds);
    const cpu = groupCpuSeconds(app.child.pid) - cpuBefore;
    return { perSecond: result.requests.average, cpuPerRequestUs: (cpu / result.requests.total) * 1e6, errors: result.errors + result.non2xx };
  } finally {
    await app.stop();
  }
}

const median = (values) => percentile(values, 50);

export async function benchRuntime({ toolsDir, quick = false, node = process.execPath, log = (line) => process.stderr.write(`${line}\n`) }) {
  installTools(toolsDir, runtimeTools);
  const all = contenders(toolsDir, node);
  const reloads = quick ? 20 : 100;
  const heapReloads = quick ? 100 : 1000;
  const seconds = quick ? 3 : 5;
  // Throughput on a two-core machine shared with the load generator moves by 10 % from run to run: the
  // median of several interleaved rounds, and CPU per request (steadier), are what the table reports.
  const rounds = quick ? 1 : 5;
  const rows = new Map(all.map((c) => [c.name, { name: c.name }]));

  // Throughput first, alternating contenders over the rounds so drift in the machine lands on everyone alike.
  for (let round = 0; round < rounds; round++) {
    for (const contender of all) {
      log(`bench runtime: throughput, ${contender.name} (round ${round + 1})`);
      const { perSecond, cpuPerRequestUs, errors } = await throughput(contender, seconds);
      const row = rows.get(contender.name);
      (row.throughputs ??= []).push(perSecond);
      (row.cpus ??= []).push(cpuPerRequestUs);
      row.throughputErrors = (row.throughputErrors ?? 0) + errors;
    }
  }
  for (const contender of all.filter((c) => c.reload)) {
    log(`bench runtime: ${reloads} reloads under load, ${contender.name}`);
    Object.assign(rows.get(contender.name), { load: await latencyUnderLoad(contender, contender.restarts ? Math.min(reloads, 30) : reloads) });
    if (contender.restarts) continue;
    log(`bench runtime: heap over ${heapReloads} reloads, ${contender.name}`);
    Object.assign(rows.get(contender.name), { heap: await heapGrowth(contender, heapReloads) });
  }
  for (const row of rows.values()) {
    row.throughput = median(row.throughputs);
    row.cpuPerRequestUs = median(row.cpus);
  }
  return { rows: [...rows.values()], reloads, heapReloads, seconds, rounds };
}

function heapCell(heap) {
  if (!heap) return '–';
  if (heap.error) return `not measured: ${heap.error}`;
  return `${(heap.perReload / 1024).toFixed(2)}${heap.missed ? ` (${heap.missed} missed)` : ''}`;
}

export function runtimeSection(result) {
  const plain = result.rows[0];
  const ms = (value) => (value === undefined ? '–' : value.toFixed(1));
  const lines = [
    '## Hot reload under load',
    '',
    'One app ([bench/app](app)): an HTTP server whose handler module is rewritten for each reload. Every contender serves',
    `it on 127.0.0.1 to 8 keep-alive clients that send their next request as soon as the last is answered; ${result.reloads}`,
    'reloads each (30 for `node --watch`, which restarts the process). Latency runs from the reload request to the first',
    'response from the new version: our control request, or the file write for the tools that watch files (their',
    'watcher is part of their latency, as our `--watch` row shows for ours). Heap: `heapUsed` after collection, grown',
    `over ${result.heapReloads} reloads, per reload. Throughput: autocannon, 8 connections, ${result.seconds} s after a 1 s warm-up, no reloads, the median of ${result.rounds}`,
    "interleaved rounds; CPU per request is the app's processes' user + system time over the requests served.",
    '',
    '| runtime | failed requests | served | missed reloads | latency p50 (ms) | latency p99 (ms) | heap per reload (KB) | throughput (req/s) | vs plain node | CPU per request (µs) | vs plain node |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    const load = row.load;
    lines.push(
      `| ${row.name} | ${load ? load.failed : '–'} | ${load ? load.served : '–'} | ${load ? load.missed : '–'} | ${load ? ms(percentile(load.latencies, 50)) : '–'} | ${load ? ms(percentile(load.latencies, 99)) : '–'} | ${heapCell(row.heap)} | ${Math.round(row.throughput)} | ${((row.throughput / plain.throughput) * 100).toFixed(1)} % | ${row.cpuPerRequestUs.toFixed(1)} | ${((row.cpuPerRequestUs / plain.cpuPerRequestUs) * 100).toFixed(1)} % |`,
    );
  }
  for (const row of result.rows.filter((r) => r.load?.crashed)) lines.push('', `${row.name} exited during the reloads: ${row.load.crashed}`);
  const ours = result.rows.find((row) => row.name.startsWith('reloadable (control'));
  lines.push(
    '',
    `Targets for reloadable: 0 failed requests (${ours.load.failed}); p50 ≤ 10 ms (${ms(percentile(ours.load.latencies, 50))}); heap < 2 KB per reload (${(ours.heap.perReload / 1024).toFixed(2)}); throughput within 5 % of plain node (${((ours.throughput / plain.throughput) * 100).toFixed(1)} %; CPU per request ${((ours.cpuPerRequestUs / plain.cpuPerRequestUs) * 100).toFixed(1)} % of plain node's).`,
    '',
  );
  return lines;
}

/** The runtime part on several Nodes, side by side: a column per Node for each figure, from the same run. */
export function runtimeByNode(perNode) {
  const ms = (value) => (value === undefined ? '–' : value.toFixed(1));
  const names = perNode[0].result.rows.map((row) => row.name);
  const of = (name, result) => result.rows.find((row) => row.name === name);
  /** A figure: its label, and its cell for a contender in one Node's result. */
  const latency = (row, p) => (row.load ? ms(percentile(row.load.latencies, p)) : '–');
  const figures = [
    ['failed requests', (row) => row.load?.failed ?? '–'],
    ['latency p50 (ms)', (row) => latency(row, 50)],
    ['latency p99 (ms)', (row) => latency(row, 99)],
    ['heap per reload (KB)', (row) => heapCell(row.heap)],
    ['throughput vs plain node', (row, result) => `${((row.throughput / result.rows[0].throughput) * 100).toFixed(1)} %`],
  ];
  const versions = perNode.map(({ version }) => `Node ${version}`);
  const lines = [
    '## Hot reload under load, Node by Node',
    '',
    `The same run of the part below on each Node (${versions.join(', ')}): each figure with a column per Node. Each Node's full table follows.`,
    '',
    `| runtime | ${figures.flatMap(([label]) => versions.map((version) => `${label}, ${version}`)).join(' | ')} |`,
    `|---|${figures.flatMap(() => versions.map(() => '---:')).join('|')}|`,
  ];
  for (const name of names) {
    lines.push(`| ${name} | ${figures.flatMap(([, cell]) => perNode.map(({ result }) => cell(of(name, result), result))).join(' | ')} |`);
  }
  lines.push('');
  return lines;
}
