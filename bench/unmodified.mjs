// Unmodified apps, under the tools their users run today: the same app (no `import.meta.hot` anywhere) under
// our runtime with --watch, `tsx watch`, `node --watch` and nodemon, and the Nest app under `nest start --watch`
// too. Each edit is a file write; measured per edit: the failed requests of 4 keep-alive clients meanwhile, and
// the time from the write to the first response with the new code. Start-up: from spawn to the first answer.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, installTools, spawnApp, stopApp } from './tooling.mjs';

export const unmodifiedTools = { nodemon: '3.1.14', '@nestjs/cli': '11.0.13' };

const root = join(import.meta.dirname, '..');
const cli = join(root, 'runtime/bin/reloadable.cjs');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const tsxLoader = join(root, 'node_modules/tsx/dist/loader.mjs');

/** The apps: where their markers are, and which tools run them. */
function apps(toolsDir, node) {
  const nodemon = join(toolsDir, 'node_modules/nodemon/bin/nodemon.js');
  const nest = join(toolsDir, 'node_modules/@nestjs/cli/bin/nest.js');
  const common = (entry) => [
    { name: 'reloadable run --watch', args: [cli, 'run', entry, '--watch'] },
    { name: 'tsx watch', args: [tsx, 'watch', entry] },
    { name: 'node --watch (tsx loader)', args: ['--watch', '--import', tsxLoader, entry] },
    { name: 'nodemon (tsx loader)', args: [nodemon, '--quiet', '--ext', 'ts,json', '--exec', `${node} --import ${tsxLoader}`, entry] },
  ];
  return [
    { name: 'plain node:http app', folder: 'node-http', files: { route: 'src/routes.ts', entry: 'src/main.ts' }, contenders: common('src/main.ts') },
    {
      name: 'Express 4 app',
      folder: 'express4',
      files: { route: 'src/routes/index.ts', entry: 'src/index.ts' },
      contenders: common('src/index.ts').slice(0, 3),
    },
    {
      name: 'NestJS app',
      folder: 'nest',
      files: { route: 'src/app.controller.ts', entry: 'src/main.ts' },
      contenders: [...common('src/main.ts').slice(0, 3), { name: 'nest start --watch', args: [nest, 'start', '--watch'] }],
    },
  ].map((app) => ({ ...app, contenders: app.contenders.map((contender) => ({ ...contender, node })) }));
}

/** The first line of output that reads like an error, for the table. */
function firstError(output) {
  const line = output.split('\n').find((text) => /error|cannot|can't|failed/i.test(text)) ?? output.split('\n').find(Boolean) ?? '';
  return line
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\|/g, '/')
    .trim()
    .slice(0, 140);
}

function get(port, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve({ body, entry: String(response.headers['x-entry']) }) : reject(new Error(`${response.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A copy of a conformance app, inside its folder so its packages resolve, under one contender. */
class Run {
  static async start(app, contender) {
    const source = join(root, 'test/conformance/apps', app.folder);
    mkdirSync(join(source, '.run'), { recursive: true });
    const dir = mkdtempSync(join(source, '.run', 'bench-'));
    for (const entry of ['package.json', 'tsconfig.json', 'src'])
      if (existsSync(join(source, entry))) cpSync(join(source, entry), join(dir, entry), { recursive: true });
    const run = new Run(dir, await freePort());
    const started = performance.now();
    run.child = spawnApp(contender.args, dir, run.port, run, contender.node);
    const agent = new Agent({ keepAlive: false });
    const deadline = performance.now() + 60_000;
    for (;;) {
      // A contender that never answers is stopped here: left running, its watcher outlives the bench.
      if (run.child.exitCode !== null || performance.now() > deadline) {
        const reason = `${run.child.exitCode !== null ? 'exited' : 'never answered'}: ${firstError(run.output)}`;
        await run.stop();
        throw new Error(reason);
      }
      try {
        await get(run.port, agent);
        break;
      } catch {
        await sleep(5);
      }
    }
    run.startupMs = performance.now() - started;
    // The watchers of the other tools have no ready signal: give them a moment, as a person would.
    await sleep(contender.args.includes(cli) ? 100 : 1000);
    return run;
  }

  output = '';

  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
  }

  edit(file, from, to) {
    const path = join(this.dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
    return performance.now();
  }

  async stop() {
    await stopApp(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 4 keep-alive clients; every answer's markers with its time, every failure counted. */
function startLoad(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const load = { failed: 0, seen: [], running: true };
  const client = async () => {
    while (load.running) {
      try {
        const answer = await get(port, agent);
        load.seen.push({ at: performance.now(), body: answer.body, entry: answer.entry });
      } catch {
        load.failed++;
        // A refused connection fails at once: back off so a restart is not counted a thousand times.
        await sleep(10);
      }
    }
  };
  const loops = Array.from({ length: 4 }, client);
  load.stop = async () => {
    load.running = false;
    await Promise.all(loops);
    agent.destroy();
  };
  return load;
}

/** Edits of the route and the entry, alternating: per edit, failed requests and write → new code served. */
async function editUnderLoad(app, contender, edits) {
  const run = await Run.start(app, contender);
  const startupMs = run.startupMs;
  const load = startLoad(run.port);
  const results = { route: [], entry: [], failedPerEdit: [], startupMs, missed: 0 };
  try {
    await sleep(300);
    for (let index = 0; index < edits; index++) {
      const kind = index % 2 === 0 ? 'route' : 'entry';
      const round = Math.floor(index / 2) + 1;
      const marker = `${kind}-${round + 1}`;
      const failedBefore = load.failed;
      const written = run.edit(app.files[kind], `'${kind}-${round}'`, `'${marker}'`);
      const served = () =>
        load.seen.find((answer) => answer.at > written && (kind === 'route' ? answer.body.includes(marker) : answer.entry === marker));
      const deadline = performance.now() + 30_000;
      while (!served() && performance.now() < deadline && run.child.exitCode === null) await sleep(1);
      const first = served();
      if (first) results[kind].push(first.at - written);
      else results.missed++;
      // Restarting tools fail requests after the first new answer too (clients on old connections): wait a little.
      await sleep(400);
      results.failedPerEdit.push(load.failed - failedBefore);
    }
  } finally {
    await load.stop();
    await run.stop();
  }
  return results;
}

const median = (values) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

export async function benchUnmodified({ toolsDir, quick = false, node = process.execPath, log = (line) => process.stderr.write(`${line}\n`) }) {
  installTools(toolsDir, unmodifiedTools);
  const edits = quick ? 4 : 10;
  const rows = [];
  for (const app of apps(toolsDir, node)) {
    for (const contender of app.contenders) {
      log(`bench unmodified: ${app.name} under ${contender.name}`);
      try {
        const result = await editUnderLoad(app, contender, contender.name.startsWith('nest') ? Math.min(edits, 6) : edits);
        const startups = [result.startupMs];
        for (let extra = 0; extra < (quick ? 0 : 2); extra++) {
          const run = await Run.start(app, contender);
          startups.push(run.startupMs);
          await run.stop();
        }
        rows.push({ app: app.name, tool: contender.name, ...result, startupMs: median(startups) });
      } catch (error) {
        rows.push({ app: app.name, tool: contender.name, error: String(error.message).split('\n')[0] });
      }
    }
  }
  return { rows, edits };
}

export function unmodifiedSection(result) {
  const ms = (value) => (value === undefined ? '–' : value.toFixed(0));
  const lines = [
    '## Unmodified apps under the tools people use today',
    '',
    'The conformance apps of test/conformance/apps (no `import.meta.hot` anywhere), each under our runtime and the',
    `tools their users run today, with 4 keep-alive clients requesting without pause. ${result.edits} edits each (6 for`,
    '`nest start --watch`), alternating a route edit and an entry edit, each a file write; measured: the requests that',
    'failed per edit, and the time from the write to the first answer from the new code. Start-up: from spawning the',
    'process to its first answer (median of three). tsx and node do not emit decorator metadata, so Nest answers 500',
    'under them (failures are counted).',
    '',
    '| app | tool | failed requests per edit (median, max) | route edit served (ms, median) | entry edit served (ms, median) | missed | start-up (ms) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    if (row.error) {
      lines.push(`| ${row.app} | ${row.tool} | – | – | – | – | not measured: ${row.error} |`);
      continue;
    }
    lines.push(
      `| ${row.app} | ${row.tool} | ${median(row.failedPerEdit)}, ${Math.max(...row.failedPerEdit)} | ${ms(median(row.route))} | ${ms(median(row.entry))} | ${row.missed} | ${ms(row.startupMs)} |`,
    );
  }
  const ours = result.rows.filter((row) => row.tool.startsWith('reloadable') && !row.error);
  const summary = ours.map((row) => {
    const tsxRow = result.rows.find((other) => other.app === row.app && other.tool === 'tsx watch' && !other.error);
    const ratio = median(row.entry) / median(row.route);
    return `${row.app}: ${Math.max(...row.failedPerEdit)} failed requests at most, entry edit ${ratio.toFixed(1)}× a route edit, start-up ${tsxRow ? `${(row.startupMs / tsxRow.startupMs).toFixed(2)}× tsx's` : 'without tsx to compare'}`;
  });
  lines.push(
    '',
    `Targets for reloadable: 0 failed requests, an entry edit within 3× a route edit, new code ≤ 100 ms after the save on Nest, start-up within 1.5× of tsx. ${summary.join('; ')}.`,
    '',
  );
  return lines;
}

/** Start-up on several Nodes, side by side: each app under each tool, a column per Node, and ours against tsx's. */
export function startupByNode(perNode) {
  const versions = perNode.map(({ version }) => `Node ${version}`);
  const lines = [
    '## Start-up, Node by Node',
    '',
    `From spawning the process to its first answer (median of three), on each Node of the same run (${versions.join(', ')}).`,
    '',
    `| app | tool | ${versions.map((version) => `start-up (ms), ${version}`).join(' | ')} | ${versions.map((version) => `vs tsx, ${version}`).join(' | ')} |`,
    `|---|---|${versions.map(() => '---:').join('|')}|${versions.map(() => '---:').join('|')}|`,
  ];
  for (const row of perNode[0].result.rows) {
    const cells = perNode.map(({ result }) => result.rows.find((other) => other.app === row.app && other.tool === row.tool));
    const versusTsx = perNode.map(({ result }, index) => {
      const tsxRow = result.rows.find((other) => other.app === row.app && other.tool === 'tsx watch' && !other.error);
      const own = cells[index];
      return own && !own.error && tsxRow ? `${(own.startupMs / tsxRow.startupMs).toFixed(2)}×` : '–';
    });
    lines.push(
      `| ${row.app} | ${row.tool} | ${cells.map((cell) => (cell && !cell.error ? cell.startupMs.toFixed(0) : '–')).join(' | ')} | ${versusTsx.join(' | ')} |`,
    );
  }
  lines.push('');
  return lines;
}
