// What a user does: pack the package (`npm pack`), install the tarball into an app of their own outside this
// repository, with Express and Fastify from the registry, and use it there with `npx reloadable`: run the app,
// edit a route and a shared module under keep-alive load, reload with the CLI, see the new code served with no
// request failed, `check` and `graph` the project, type `import.meta.hot` through tsconfig `types`. Then the
// same app as CommonJS, with the package in its dependencies and no config. npm's cache makes the installs
// after the first quick.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/cli';
import { freePort, request } from '../helpers/net';
import { startLoad } from '../helpers/running-app';
import { waitUntil } from '../helpers/wait';

const packageDir = path.join(repoRoot, 'runtime');
const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`); the promise settles with its exit code and output. */
function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Done> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function succeed(command: string, args: string[], cwd: string): Promise<string> {
  const done = await run(command, args, cwd);
  assert.equal(done.code, 0, `${command} ${args.join(' ')} failed in ${cwd}:\n${done.stdout}\n${done.stderr}`);
  return done.stdout;
}

/** `npx reloadable run <entry>` in the app's folder, in a process group of its own (npx starts the bin below it). */
class App {
  stdout = '';
  stderr = '';

  private constructor(readonly child: ChildProcess) {}

  static async start(dir: string, entry: string, ports: { express: number; fastify: number }): Promise<App> {
    const child = spawn(npx, ['reloadable', 'run', entry], {
      cwd: dir,
      detached: true,
      env: { ...process.env, NO_COLOR: '1', EXPRESS_PORT: String(ports.express), FASTIFY_PORT: String(ports.fastify) },
    });
    const app = new App(child);
    child.stdout!.on('data', (chunk) => (app.stdout += chunk));
    child.stderr!.on('data', (chunk) => (app.stderr += chunk));
    const ready = () => /express listening/.test(app.stdout) && /fastify listening/.test(app.stdout) && /running \(pid/.test(app.stderr);
    await waitUntil(ready, 'the app to listen', {
      events: [
        [child.stdout!, 'data'],
        [child.stderr!, 'data'],
      ],
      child,
      context: () => `${app.stdout}\n${app.stderr}`,
      timeoutMs: 60_000,
    });
    return app;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    process.kill(-this.child.pid!, 'SIGTERM');
    await exited;
  }
}

/** The app's sources: an Express server and a Fastify server, their routes, and a module both use. */
function writeSources(dir: string): void {
  const files: Record<string, string> = {
    'src/main.ts': [
      "import express from 'express';",
      "import Fastify from 'fastify';",
      "import { expressRoutes } from './routes/express-routes.js';",
      "import { fastifyRoutes } from './routes/fastify-routes.js';",
      '',
      'const app = express();',
      'app.use(expressRoutes);',
      "const server = app.listen(Number(process.env.EXPRESS_PORT), '127.0.0.1', () => {",
      "  console.log('express listening', (server.address() as { port: number }).port);",
      '});',
      '',
      'const fastify = Fastify();',
      'fastify.register(fastifyRoutes);',
      "fastify.listen({ port: Number(process.env.FASTIFY_PORT), host: '127.0.0.1' }).then(",
      "  (address) => console.log('fastify listening', address),",
      '  (error: unknown) => console.error(error),',
      ');',
      '',
    ].join('\n'),
    'src/routes/express-routes.ts': [
      "import { Router } from 'express';",
      "import { greeting } from '../greeting.js';",
      '',
      'export const expressRoutes = Router();',
      "expressRoutes.get('/hello', (_req, res) => {",
      '  res.send(`express route-1 ${greeting()}`);',
      '});',
      '',
    ].join('\n'),
    'src/routes/fastify-routes.ts': [
      "import type { FastifyInstance } from 'fastify';",
      "import { greeting } from '../greeting.js';",
      '',
      'export async function fastifyRoutes(app: FastifyInstance): Promise<void> {',
      "  app.get('/hello', async () => `fastify route-1 ${greeting()}`);",
      '}',
      '',
    ].join('\n'),
    'src/greeting.ts': "export const greeting = (): string => 'greeting-1';\n",
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

function edit(dir: string, name: string, from: string, to: string): void {
  const file = path.join(dir, name);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${name} holds ${from}`);
  fs.writeFileSync(file, text.replace(from, to));
}

/**
 * Runs the app, and under keep-alive load on both servers edits the Express route, reloads with the CLI, then
 * the module both servers use, and reloads again: each reload commits, the new code is served, no request fails.
 */
async function serveEditAndReload(dir: string): Promise<void> {
  const ports = { express: await freePort(), fastify: await freePort() };
  const app = await App.start(dir, 'src/main.ts', ports);
  const text = (port: number) => (agent: http.Agent) => request(port, '/hello', agent);
  const loads = [startLoad<string>(ports.express, 4, text(ports.express)), startLoad<string>(ports.fastify, 4, text(ports.fastify))];
  try {
    assert.equal(await request(ports.express, '/hello'), 'express route-1 greeting-1');
    assert.equal(await request(ports.fastify, '/hello'), 'fastify route-1 greeting-1');

    edit(dir, 'src/routes/express-routes.ts', 'route-1', 'route-2');
    const first = JSON.parse(await succeed(npx, ['reloadable', 'reload', '--json'], dir)) as { outcome: string; loadOrder: string[] };
    assert.equal(first.outcome, 'committed');
    assert.ok(
      first.loadOrder.some((id) => id.startsWith('src/routes/express-routes.ts')),
      first.loadOrder.join(' '),
    );
    assert.equal(await request(ports.express, '/hello'), 'express route-2 greeting-1');

    edit(dir, 'src/greeting.ts', 'greeting-1', 'greeting-2');
    const second = JSON.parse(await succeed(npx, ['reloadable', 'reload', '--json'], dir)) as { outcome: string };
    assert.equal(second.outcome, 'committed');
    assert.equal(await request(ports.express, '/hello'), 'express route-2 greeting-2');
    assert.equal(await request(ports.fastify, '/hello'), 'fastify route-1 greeting-2');

    const [express, fastify] = await Promise.all(loads.map((load) => load.stop()));
    assert.deepEqual([...express!.failures, ...fastify!.failures], []);
    assert.ok(express!.bodies.includes('express route-2 greeting-2') && fastify!.bodies.includes('fastify route-1 greeting-2'));

    const status = await succeed(npx, ['reloadable', 'status'], dir);
    assert.match(status, /src\/greeting\.ts\s+v2/);
  } catch (error) {
    await Promise.all(loads.map((load) => load.stop()));
    throw new Error(`${(error as Error).message}\napp output:\n${app.stdout}\n${app.stderr}`, { cause: error });
  } finally {
    await app.stop();
  }
}

/** `check` and `graph` on the app's project, from its folder. */
async function checkAndGraph(dir: string): Promise<void> {
  const check = await run(npx, ['reloadable', 'check', '--format', 'json'], dir);
  assert.equal(check.code, 0, check.stderr);
  const report = JSON.parse(check.stdout) as { files: number; diagnostics: Array<{ file: string; code: string }> };
  assert.equal(report.files, 4);
  // The servers are made at module scope and never released: what check is there to say.
  assert.ok(
    report.diagnostics.some((finding) => finding.file === 'src/main.ts' && finding.code === 'unowned-handle'),
    JSON.stringify(report.diagnostics),
  );
  const graph = JSON.parse(await succeed(npx, ['reloadable', 'graph'], dir)) as {
    modules: Array<{ id: string }>;
    edges: Array<{ from: string; to: string }>;
  };
  assert.deepEqual(graph.modules.map((module) => module.id).sort(), [
    'src/greeting.ts',
    'src/main.ts',
    'src/routes/express-routes.ts',
    'src/routes/fastify-routes.ts',
  ]);
  assert.ok(graph.edges.some((edge) => edge.from === 'src/routes/fastify-routes.ts' && edge.to === 'src/greeting.ts'));
}

describe(`${manifest.name} installed from its tarball into an app outside the repository`, () => {
  let scratch = '';
  let app = '';
  let tarball = '';
  let packed: { filename: string; files: Array<{ path: string }> } = { filename: '', files: [] };

  before(async () => {
    assert.ok(fs.existsSync(path.join(packageDir, 'out/cli.cjs')), 'the package is built: run npm run build');
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-install-')));
    assert.ok(!scratch.startsWith(repoRoot + path.sep), `${scratch} is outside ${repoRoot}`);
    [packed] = JSON.parse(await succeed(npm, ['pack', '--json', '--pack-destination', scratch], packageDir)) as [typeof packed];
    tarball = path.join(scratch, packed.filename);
    app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    // An app of its own, ES modules, with the versions of Express and Fastify the conformance apps install.
    const appManifest = {
      name: 'an-app',
      private: true,
      type: 'module',
      dependencies: { express: '^5.1.0', fastify: '^5.4.0' },
      devDependencies: { [manifest.name]: `file:${tarball}` },
    };
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(appManifest, null, 2)}\n`);
    fs.writeFileSync(path.join(app, 'reloadable.config.json'), '{ "root": "src", "entry": "src/main.ts" }\n');
    writeSources(app);
    await succeed(npm, ['install', '--no-audit', '--no-fund'], app);
  });

  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('packs the bin, the bundles and the typings, and no sources, maps or tests', () => {
    const files = packed.files.map((file) => file.path).sort();
    for (const file of files)
      assert.match(file, /^(bin\/[\w-]+\.cjs|out\/[\w-]+\.(js|cjs|mjs)|types\/[\w-]+\.d\.ts|package\.json|LICENSE|README\.md)$/);
    for (const needed of ['bin/reloadable.cjs', 'out/cli.cjs', 'out/analysis.cjs', 'out/index.js', 'out/hooks.mjs', 'types/hot.d.ts']) {
      assert.ok(files.includes(needed), needed);
    }
  });

  it('installs only the native compilers and their helpers besides itself', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', manifest.name, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual(Object.keys(installed.dependencies).sort(), ['@oxc-project/runtime', 'esbuild', 'oxc-parser', 'oxc-transform']);
  });

  it('runs the ES module app, serves each edit reloaded under load, and checks and graphs its project', async () => {
    await serveEditAndReload(app);
    await checkAndGraph(app);
  });

  it('types import.meta.hot once the package is listed in tsconfig `types`', async () => {
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    const typecheck = async (source: string, types: string[]) => {
      fs.writeFileSync(path.join(app, 'hot-check.ts'), source);
      const options = { target: 'es2022', module: 'nodenext', strict: true, noEmit: true, types };
      fs.writeFileSync(path.join(app, 'tsconfig.hot.json'), JSON.stringify({ compilerOptions: options, files: ['hot-check.ts'] }));
      return run(process.execPath, [tsc, '-p', 'tsconfig.hot.json'], app);
    };
    const good = [
      'const hot = import.meta.hot;',
      'if (hot) {',
      '  hot.dispose((data) => void data);',
      '  const version: number = hot.version;',
      '  hot.state({ version, save: () => 1, restore: (saved: number) => void saved });',
      '}',
      'export {};',
    ].join('\n');
    const typed = await typecheck(good, [manifest.name]);
    assert.equal(typed.code, 0, typed.stdout);
    const wrong = await typecheck('import.meta.hot?.reload();\nexport {};\n', [manifest.name]);
    assert.match(wrong.stdout, /Property 'reload' does not exist on type 'ReloadableHot'/);
    const unlisted = await typecheck(good, []);
    assert.match(unlisted.stdout, /Property 'hot' does not exist on type 'ImportMeta'/);
  });

  it('runs the same app as CommonJS, with the package in its dependencies and no config', async () => {
    const appManifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string>;
    delete appManifest.type;
    const devDependencies = appManifest.devDependencies as Record<string, string>;
    appManifest.dependencies = { ...(appManifest.dependencies as Record<string, string>), [manifest.name]: devDependencies[manifest.name]! };
    delete appManifest.devDependencies;
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(appManifest, null, 2)}\n`);
    fs.rmSync(path.join(app, 'reloadable.config.json'));
    fs.rmSync(path.join(app, 'hot-check.ts'), { force: true });
    fs.rmSync(path.join(app, 'tsconfig.hot.json'), { force: true });
    writeSources(app);
    await succeed(npm, ['install', '--no-audit', '--no-fund'], app);
    await serveEditAndReload(app);
    await checkAndGraph(app);
  });
});
