// The serving part of `npm run bench`: what an app pays for the runtime between reloads, on four apps, each
// against plain node in the same run. The bench app (one handler module), an app whose handler awaits through
// three modules of its own (bench/app-deep), and the Express 4 and NestJS conformance apps (TypeScript: plain
// node runs tsc's output, as in production; the runtime runs the sources). dynohot, the closest anchor, runs
// the two ES module apps. Throughput: wrk (autocannon where wrk is not installed), 8 keep-alive connections, the
// median of interleaved rounds; CPU per request: the app's processes' user + system time over the requests served.
// Where valgrind is installed, also the instructions the app's process runs per request (callgrind), which this
// machine's drift does not move: the ES module apps, one run each.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, installTools, spawnApp, stopApp } from './tooling.mjs';

export const servingTools = { dynohot: '1.2.1', autocannon: '8.0.0' };

const root = join(import.meta.dirname, '..');
const cli = join(root, 'runtime/bin/reloadable.cjs');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

const benchHandler = [
  'export const version = 1;',
  'const table = Array.from({ length: 256 }, (_, i) => i * version);',
  'export function handle(url) {',
  '  return `v${version} ${table[url.length % 256]}`;',
  '}',
  '',
].join('\n');

/** The apps: how to lay each out in a folder, and its contenders' arguments there. */
const apps = [
  {
    name: 'bench app (one handler module)',
    prepare: (dir) => {
      cpSync(join(root, 'bench/app'), dir, { recursive: true });
      writeFileSync(join(dir, 'handler.js'), benchHandler);
    },
    plain: ['main.js'],
    ours: [cli, 'run', 'main.js'],
    dynohot: ['main.js'],
  },
  {
    name: 'deep-await app (handler → service → repository → store)',
    prepare: (dir) => cpSync(join(root, 'bench/app-deep'), dir, { recursive: true }),
    plain: ['main.js'],
    ours: [cli, 'run', 'main.js'],
    dynohot: ['main.js'],
  },
  { name: 'Express 4 conformance app', folder: 'express4', entry: 'src/index.ts' },
  { name: 'NestJS conformance app', folder: 'nest', entry: 'src/main.ts' },
];

/** A folder holding the app: a temporary one, or one inside a conformance app so that its packages resolve. */
function layOut(app, toolsDir) {
  if (app.prepare) {
    const dir = mkdtempSync(join(tmpdir(), 'reloadable-serving-'));
    app.prepare(dir);
    symlinkSync(join(toolsDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }
  const source = join(root, 'test/conformance/apps', app.folder);
  mkdirSync(join(source, '.run'), { recursive: true });
  const dir = mkdtempSync(join(source, '.run', 'serving-'));
  for (const entry of ['package.json', 'tsconfig.json', 'src'])
    if (existsSync(join(source, entry))) cpSync(join(source, entry), join(dir, entry), { recursive: true });
  // Plain node runs what tsc emits; `@/…` path aliases resolve through a node_modules/@ link to the output.
  execFileSync(
    process.execPath,
    [tsc, '-p', dir, '--outDir', join(dir, 'dist'), '--incremental', 'false', '--declaration', 'false', '--sourceMap', 'false'],
    {
      stdio: 'inherit',
    },
  );
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(dir, 'dist'), join(dir, 'node_modules/@'), 'dir');
  return dir;
}

function contenders(app, toolsDir) {
  if (app.prepare)
    return [
      { name: 'node', args: app.plain },
      { name: 'reloadable run', args: app.ours },
      { name: `dynohot ${servingTools.dynohot}`, args: ['--import', 'dynohot/register', ...app.dynohot] },
    ];
  const compiled = app.entry.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js');
  return [
    { name: 'node (tsc output)', args: [compiled] },
    { name: 'reloadable run (sources)', args: [cli, 'run', app.entry] },
  ].map((contender) => ({ ...contender, toolsDir }));
}

function groupCpuSeconds(groupId) {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === groupId) total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

function answers(port) {
  return new Promise((resolve) => {
    const request = httpGet({ host: '127.0.0.1', port, path: '/' }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
    });
    request.on('error', () => resolve(false));
  });
}

/**
 * The app on one core and the load on the other, when the machine lets us say so (taskset, two cores or more):
 * without it the scheduler moves both about, and a round's figure says as much about where they landed as about
 * the app.
 */
const pinning = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinnedTo = (cpu, command, args) => (pinning ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]);

/**
 * The load: wrk where the machine has it (Debian's package), else autocannon. autocannon runs in one Node thread
 * and, on the other of two cores, cannot keep a Node app busy (the app idled a quarter to a half of each round):
 * its throughput was the load generator's, and its rounds' spread the machine's. wrk keeps the app's core full,
 * so that throughput and CPU per request are the app's.
 */
const loadGenerator = spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk';

function wrk(url, seconds) {
  const out = execFileSync(...pinnedTo(0, 'wrk', ['-t1', '-c8', `-d${seconds}s`, url]), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0);
  return { total, errors };
}

function autocannon(url, seconds, toolsDir) {
  const bin = join(toolsDir, 'node_modules/autocannon/autocannon.js');
  const result = JSON.parse(
    execFileSync(...pinnedTo(0, process.execPath, [bin, '-c', '8', '-d', String(seconds), '-j', url]), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  return { total: result.requests.total, errors: result.errors + result.non2xx };
}

/** One round: the app started under a contender, warmed up, then measured. */
async function round(dir, contender, toolsDir, node, seconds) {
  const port = await freePort();
  const sink = { output: '' };
  const [command, args] = pinnedTo(1, node, contender.args);
  const child = spawnApp(args, dir, port, sink, command);
  try {
    const deadline = performance.now() + 60_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`${contender.name} did not serve:\n${sink.output.slice(-2000)}`);
      await sleep(20);
    }
    const url = `http://127.0.0.1:${port}/`;
    const load = loadGenerator === 'wrk' ? (duration) => wrk(url, duration) : (duration) => autocannon(url, duration, toolsDir);
    load(1);
    const before = groupCpuSeconds(child.pid);
    const result = load(seconds);
    const cpu = groupCpuSeconds(child.pid) - before;
    return { perSecond: result.total / seconds, cpuUs: (cpu / result.total) * 1e6, errors: result.errors };
  } finally {
    await stopApp(child);
  }
}

/**
 * Instructions per request: the app under valgrind's callgrind (all its threads), warmed up, its counters zeroed,
 * then `requests` requests over 8 keep-alive connections from this process, and the count dumped. A machine's
 * drift moves throughput by several per cent between two runs of the same thing; the count moves by one or two.
 */
const callgrind = !spawnSync('valgrind', ['--version']).error && !spawnSync('callgrind_control', ['--version']).error;

async function requestsOver(port, total, connections = 8) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await new Promise((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        }).on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

async function instructionsPerRequest(dir, contender, node, requests) {
  const port = await freePort();
  const sink = { output: '' };
  const out = mkdtempSync(join(tmpdir(), 'reloadable-callgrind-'));
  const valgrind = ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${join(out, 'out')}`, node, ...contender.args];
  const [command, args] = pinnedTo(1, 'valgrind', valgrind);
  const child = spawnApp(args, dir, port, sink, command);
  try {
    const deadline = performance.now() + 600_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null || performance.now() > deadline)
        throw new Error(`${contender.name} did not serve under valgrind:\n${sink.output.slice(-2000)}`);
      await sleep(200);
    }
    await requestsOver(port, Math.round(requests / 2));
    execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    await requestsOver(port, requests);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    const dump = readdirSync(out).find((name) => /^out\.\d+$/.test(name));
    if (!dump) throw new Error(`callgrind wrote no dump for ${contender.name}`);
    const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(out, dump), 'utf8'));
    if (!totals) throw new Error(`callgrind's dump for ${contender.name} has no totals`);
    return Number(totals[1]) / requests;
  } finally {
    await stopApp(child);
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchServing({ toolsDir, quick = false, node = process.execPath, log = (line) => process.stderr.write(`${line}\n`) }) {
  installTools(toolsDir, servingTools);
  const rounds = quick ? 1 : 5;
  const counted = quick ? 4000 : 20_000;
  const seconds = quick ? 2 : 5;
  const results = [];
  for (const app of apps) {
    const dir = layOut(app, toolsDir);
    try {
      const all = contenders(app, toolsDir);
      const rows = all.map((contender) => ({ name: contender.name, throughputs: [], cpus: [], errors: 0 }));
      // Interleaved: drift in the machine lands on every contender alike.
      for (let index = 0; index < rounds; index++)
        for (const [at, contender] of all.entries()) {
          log(`bench serving: ${app.name}, ${contender.name} (round ${index + 1})`);
          const measured = await round(dir, contender, toolsDir, node, seconds);
          rows[at].throughputs.push(measured.perSecond);
          rows[at].cpus.push(measured.cpuUs);
          rows[at].errors += measured.errors;
        }
      if (callgrind && app.prepare)
        for (const [at, contender] of all.entries()) {
          log(`bench serving: ${app.name}, ${contender.name} (instructions, under valgrind)`);
          rows[at].instructions = await instructionsPerRequest(dir, contender, node, counted);
        }
      results.push({ app: app.name, rows: rows.map((row) => ({ ...row, throughput: median(row.throughputs), cpuUs: median(row.cpus) })) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    results,
    rounds,
    seconds,
    counted,
    pinned: pinning,
    load: loadGenerator,
    node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
  };
}

export function servingSection(perNode) {
  const lines = [
    '## Serving between reloads',
    '',
    'What an app pays for the runtime while it serves, on four apps: the bench app, an app whose handler awaits',
    "through three modules of its own ([bench/app-deep](app-deep)), and the Express 4 and NestJS conformance apps (plain node runs tsc's",
    `output; the runtime runs the TypeScript sources). ${perNode[0].result.load}, 8 keep-alive connections, ${perNode[0].result.seconds} s after a 1 s warm-up, the median of`,
    `${perNode[0].result.rounds} interleaved rounds${perNode[0].result.pinned ? `, the app on one core and ${perNode[0].result.load} on the other (taskset)` : ''}; CPU per request: the app's processes' user + system time over the requests served. Each Node in the same run.`,
    ...(perNode[0].result.load === 'wrk'
      ? [
          "The load is wrk's (Debian's `wrk`): autocannon, one Node thread on the other core, left the app idle a quarter to a half of",
          "each round, so that its figures were the load generator's; wrk keeps the app's core busy. Without wrk the bench falls back to",
          'autocannon and says so here.',
        ]
      : []),
    '',
    "The rounds' spread says how far to trust a share: each round pairs the contenders run one after the other, and",
    "the spread is the lowest and highest of that round's throughput over plain node's. Plain node's own spread is",
    'its rounds against their median: what this machine does between two runs of the same thing.',
    '',
    "| Node | app | runtime | throughput (req/s) | vs plain node | rounds' spread | CPU per request (µs) | vs plain node | errors |",
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const targets = [];
  for (const { result } of perNode)
    for (const { app, rows } of result.results) {
      const plain = rows[0];
      for (const row of rows) {
        const share = (row.throughput / plain.throughput) * 100;
        const cpu = (row.cpuUs / plain.cpuUs) * 100;
        const ratios = row.throughputs.map((value, index) => (value / (row === plain ? plain.throughput : plain.throughputs[index])) * 100);
        const spread = ratios.length > 1 ? `${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)} %` : '–';
        lines.push(
          `| ${result.node} | ${app} | ${row.name} | ${Math.round(row.throughput)} | ${share.toFixed(1)} % | ${spread} | ${row.cpuUs.toFixed(1)} | ${cpu.toFixed(1)} % | ${row.errors} |`,
        );
        if (row.name.startsWith('reloadable')) targets.push(`${result.node}, ${app}: ${share.toFixed(1)} %, CPU ${cpu.toFixed(1)} %`);
      }
    }
  lines.push('', `Targets for reloadable: throughput ≥ 99 % of plain node and CPU per request ≤ 101 %. Measured: ${targets.join('; ')}.`, '');
  const counted = perNode.flatMap(({ result }) =>
    result.results.filter(({ rows }) => rows.every((row) => row.instructions !== undefined)).map((entry) => ({ node: result.node, ...entry })),
  );
  if (counted.length > 0) {
    lines.push(
      '### Instructions per request',
      '',
      "The same ES module apps under valgrind's callgrind, one run each: the instructions the app's process runs (every",
      `thread: the app, the garbage collector, the compiler) per request, over ${perNode[0].result.counted.toLocaleString('en')} requests after ${(perNode[0].result.counted / 2).toLocaleString('en')} of warm-up.`,
      "Unlike throughput, the count does not move with the machine's drift: two runs of the same thing differ by one or",
      'two per cent (the collector and the compiler do not run at the same moments). Work V8 and Node schedule by the',
      "clock (the memory reducer's collections, idle tasks) weighs more per request under valgrind, which runs the app",
      'tens of times slower, and weighs more in a bigger heap: the count overstates what a heavier process pays, if anything.',
      '',
      '| Node | app | runtime | instructions per request | vs plain node |',
      '|---|---|---|---:|---:|',
    );
    for (const { node, app, rows } of counted)
      for (const row of rows)
        lines.push(
          `| ${node} | ${app} | ${row.name} | ${Math.round(row.instructions)} | ${((row.instructions / rows[0].instructions) * 100).toFixed(1)} % |`,
        );
    lines.push('');
  }
  return lines;
}
