// pm2 as the supervisor of `reloadable run --workers`: the primary runs as one fork-mode app under pm2 (as the
// README says to run it), its workers serve, and `reloadable reload` reloads them all with pm2 none the wiser.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runningApps } from '../../runtime/src/control/discovery';
import { repoRoot, runCli } from '../helpers/cli';
import { freePort, request } from '../helpers/net';
import { eventually } from '../helpers/wait';

const pm2Bin = path.join(repoRoot, 'node_modules/pm2/bin/pm2');

describe('reloadable run --workers under pm2', () => {
  let dir: string;
  let home: string;
  let port: number;
  const pm2 = (...args: string[]) =>
    execFileSync(process.execPath, [pm2Bin, ...args], { cwd: dir, env: { ...process.env, PM2_HOME: home, PORT: String(port) }, encoding: 'utf8' });
  const answers = async () => {
    const seen = new Map<number, string>();
    for (let attempt = 0; attempt < 100 && seen.size < 2; attempt++) {
      const body = JSON.parse(await request(port, '/', new http.Agent({ keepAlive: false }))) as { greeting: string; pid: number };
      seen.set(body.pid, body.greeting);
    }
    return seen;
  };

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-pm2-')));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-pm2-home-'));
    port = await freePort();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(path.join(dir, 'src/greeting.ts'), "export const greeting = (): string => 'one';\n");
    fs.writeFileSync(
      path.join(dir, 'src/main.ts'),
      "import http from 'node:http';\nimport { greeting } from './greeting.ts';\n" +
        'http.createServer((request, response) => response.end(JSON.stringify({ greeting: greeting(), pid: process.pid }))).listen(Number(process.env.PORT));\n',
    );
    pm2('start', path.join(repoRoot, 'runtime/bin/reloadable.cjs'), '--name', 'app', '--', 'run', 'src/main.ts', '--workers', '2');
    await eventually(async () => (await answers().catch(() => new Map())).size === 2, 'both workers to answer', 30_000);
    // The primary opens its control endpoint once every worker runs: the workers may answer a moment before.
    await eventually(() => runningApps(dir).length === 1, 'the control endpoint');
  });
  after(() => {
    if (home) {
      pm2('kill');
      fs.rmSync(home, { recursive: true, force: true });
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is one app, reloaded by reloadable on every worker while pm2 keeps one process', async () => {
    assert.match(pm2('jlist'), /"name":"app"/);
    fs.writeFileSync(path.join(dir, 'src/greeting.ts'), "export const greeting = (): string => 'two';\n");
    const { code, stdout } = await runCli(['reload', '--project', dir]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /processes: 2/);
    assert.deepEqual([...new Set((await answers()).values())], ['two']);
    const list = JSON.parse(pm2('jlist')) as Array<{ name: string; pm2_env: { restart_time: number; status: string } }>;
    assert.deepEqual(
      list.map((app) => [app.name, app.pm2_env.status, app.pm2_env.restart_time]),
      [['app', 'online', 0]],
    );
  });
});
