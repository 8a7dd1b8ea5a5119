// Real frameworks, written the way their documentation writes them, with no `import.meta.hot` anywhere, run
// under `reloadable run` with keep-alive load on 127.0.0.1 through the same edits and faults: a route edit, a
// service edit, an entry edit, a syntax error, an init throw, an async throw, and the fixes. Each must answer
// every request, serve the new code after each good reload and the old code after each fault, and be alive
// at the end. The apps run one after another (two cores).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { ControlClient } from '../../runtime/src/control/client';
import { repoRoot } from '../helpers/cli';
import { call, freePort, type HttpAnswer } from '../helpers/net';
import { RunningApp, startLoad } from '../helpers/running-app';

interface Markers {
  route: string;
  service: string;
  entry: string;
}

interface ConformanceApp {
  name: string;
  entry: string;
  /** Where the `route-N`, `service-N` and `entry-N` markers are written. */
  files: { route: string; service: string; entry: string };
  request?: { method: string; path: string; body: string; headers: Record<string, string> };
  read(answer: HttpAnswer): Markers;
}

const fromJson = (answer: HttpAnswer): Markers => {
  const body = JSON.parse(answer.body) as { route: string; service: string };
  return { route: body.route, service: body.service, entry: String(answer.headers['x-entry']) };
};

const apps: ConformanceApp[] = [
  { name: 'node-http', entry: 'src/main.ts', files: { route: 'src/routes.ts', service: 'src/greeter.ts', entry: 'src/main.ts' }, read: fromJson },
  {
    name: 'express4',
    entry: 'src/index.ts',
    files: { route: 'src/routes/index.ts', service: 'src/services/greeter.ts', entry: 'src/index.ts' },
    read: fromJson,
  },
  {
    name: 'express5',
    entry: 'src/main.ts',
    files: { route: 'src/router.ts', service: 'src/services/greeter.ts', entry: 'src/main.ts' },
    read: fromJson,
  },
  {
    name: 'fastify',
    entry: 'src/app.ts',
    files: { route: 'src/routes/root.ts', service: 'src/services/greeter.ts', entry: 'src/app.ts' },
    read: fromJson,
  },
  {
    name: 'hono',
    entry: 'src/index.ts',
    files: { route: 'src/routes.ts', service: 'src/services/greeter.ts', entry: 'src/index.ts' },
    read: fromJson,
  },
  {
    name: 'koa',
    entry: 'src/server.ts',
    files: { route: 'src/router.ts', service: 'src/services/greeter.ts', entry: 'src/server.ts' },
    read: fromJson,
  },
  {
    name: 'nest',
    entry: 'src/main.ts',
    files: { route: 'src/app.controller.ts', service: 'src/app.service.ts', entry: 'src/main.ts' },
    read: fromJson,
  },
  {
    name: 'apollo',
    entry: 'src/index.ts',
    files: { route: 'src/resolvers.ts', service: 'src/greeter.ts', entry: 'src/index.ts' },
    request: {
      method: 'POST',
      path: '/',
      body: JSON.stringify({ query: '{ route service entry }' }),
      headers: { 'content-type': 'application/json' },
    },
    read: (answer) => (JSON.parse(answer.body) as { data: Markers }).data,
  },
];

const appsFolder = path.join(repoRoot, 'test/conformance/apps');

/**
 * A copy of the app inside its own folder (`<app>/.run/…`), so that its packages resolve as they do for the
 * app itself while the edits touch only the copy.
 */
function copyOf(name: string): string {
  const source = path.join(appsFolder, name);
  const runs = path.join(source, '.run');
  fs.mkdirSync(runs, { recursive: true });
  const dir = fs.mkdtempSync(path.join(runs, 'app-'));
  for (const entry of ['package.json', 'tsconfig.json', 'src']) {
    if (fs.existsSync(path.join(source, entry))) fs.cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

for (const spec of apps) {
  describe(`${spec.name} under reloadable run`, () => {
    let app: RunningApp | undefined;
    let client: ControlClient | undefined;
    after(async () => {
      client?.close();
      await app?.stop();
    });

    it('answers every request through edits, faults and fixes, new code after each good reload, old code after each fault', async () => {
      const port = await freePort();
      app = await RunningApp.runIn(copyOf(spec.name), { entry: spec.entry, port, anyOutput: true });
      client = await ControlClient.connect(app.discovery(), 'conformance');
      const send = (agent?: http.Agent) =>
        call(port, spec.request ?? {}, agent).then((answer) => {
          if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.body}`);
          return spec.read(answer);
        });
      assert.deepEqual(await send(), { route: 'route-1', service: 'service-1', entry: 'entry-1' });

      const load = startLoad<Markers>(port, 4, send);
      const live = { route: 'route-1', service: 'service-1', entry: 'entry-1' };
      const edit = (which: keyof Markers, change: (text: string) => string) => app!.edit(spec.files[which], change);
      const reload = async (expected: ReloadResult['outcome']) => {
        const result = await client!.reload();
        assert.equal(result.outcome, expected, `${spec.name}: ${JSON.stringify(result.error ?? result.warnings)}\n${app!.stderr.slice(-3000)}`);
        return result;
      };
      const serves = async (expected: Markers, what: string) => assert.deepEqual(await send(), expected, `${spec.name}: ${what}`);

      try {
        for (const which of ['route', 'service', 'entry'] as const) {
          edit(which, (text) => text.replace(`'${which}-1'`, `'${which}-2'`));
          await reload('committed');
          live[which] = `${which}-2`;
          await serves(live, `a ${which} edit is served`);
        }

        const faults: Array<{ which: keyof Markers; fault: string; phase: RegExp }> = [
          { which: 'route', fault: '\nexport const broken = ;\n', phase: /transform/ },
          { which: 'service', fault: "\nthrow new Error('init failed');\n", phase: /init/ },
          { which: 'route', fault: "\nsetTimeout(() => { throw new Error('async failure'); }, 0);\n", phase: /init|settle/ },
        ];
        for (const { which, fault, phase } of faults) {
          const before = fs.readFileSync(app.file(spec.files[which]), 'utf8');
          edit(which, (text) => `${text.replace(`'${which}-2'`, `'${which}-bad'`)}${fault}`);
          const result = await reload('rolled-back');
          assert.match(result.error!.phase, phase);
          await serves(live, `the old code serves after a fault (${result.error!.message})`);
          fs.writeFileSync(app.file(spec.files[which]), before);
          await reload('no-change');
        }

        edit('route', (text) => text.replace("'route-2'", "'route-3'"));
        edit('entry', (text) => text.replace("'entry-2'", "'entry-3'"));
        await reload('committed');
        await serves({ ...live, route: 'route-3', entry: 'entry-3' }, 'a route and entry edit together are served');
      } finally {
        await load.stop();
      }
      assert.deepEqual(load.failures, [], `${spec.name}: failed requests`);
      assert.ok(load.bodies.length > 50, `${spec.name}: only ${load.bodies.length} requests answered`);
      const bad = load.bodies.filter((markers) => markers.service === 'service-bad');
      assert.deepEqual(bad, [], `${spec.name}: the version whose init threw never served`);
      assert.equal(app.child.exitCode, null, `${spec.name}: the process is alive`);
    });
  });
}
