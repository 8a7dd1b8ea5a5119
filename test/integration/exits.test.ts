// The CLI tells the truth about an app's end: who exited and why, "not running any more" apart from "never
// started", and a reload during which the app died exits non-zero. Faults after a reload settled are
// reported and the app keeps serving.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/control/client';
import { repoRoot, runCli } from '../helpers/cli';
import { call, freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';

async function plainApp(args: string[] = []): Promise<RunningApp> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-exits-')));
  fs.cpSync(path.join(repoRoot, 'test/fixtures/apps/plain'), dir, { recursive: true });
  return RunningApp.runIn(dir, { port: await freePort(), anyOutput: true, args });
}

describe('the end of an app, as the CLI tells it', () => {
  it('says no app ever ran in a folder where none did', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-never-'));
    const cli = await runCli(['status', '--project', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /no app is running for/);
  });

  it('says who called process.exit(), where, and reports it from `status` afterwards', async () => {
    const app = await plainApp();
    try {
      const client = await ControlClient.connect(app.discovery(), 'test');
      app.edit('src/services/greeting.ts', (text) => `${text}\nexport function quit(): void {\n  process.exit(4);\n}\nsetTimeout(quit, 400);\n`);
      assert.equal((await client.reload()).outcome, 'committed');
      client.close();
      const [code] = (await once(app.child, 'exit')) as [number];
      assert.equal(code, 4);
      assert.match(app.stderr, /src\/services\/greeting\.ts v2 called process\.exit\(4\) at src\/services\/greeting\.ts:6:\d+; the process exits/);
      const cli = await runCli(['status', '--project', app.dir]);
      assert.equal(cli.code, 2);
      assert.match(
        cli.stderr,
        /src\/main\.ts is not running any more \(exited with code 4: src\/services\/greeting\.ts v2 called process\.exit\(4\)/,
      );
    } finally {
      await app.stop();
    }
  });

  it('exits 3 from `reloadable reload` when the app dies during the reload', async () => {
    const app = await plainApp();
    try {
      app.edit('src/services/greeting.ts', (text) => `${text}\nprocess.kill(process.pid, 'SIGKILL');\n`);
      const cli = await runCli(['reload', '--project', app.dir]);
      assert.equal(cli.code, 3, cli.stdout + cli.stderr);
      assert.match(cli.stderr, /src\/main\.ts ended during the reload/);
    } finally {
      await app.stop();
    }
  });

  it('ends the process on an uncaught exception with --exit-on-error, and says so afterwards', async () => {
    const app = await plainApp(['--exit-on-error']);
    try {
      const client = await ControlClient.connect(app.discovery(), 'test');
      app.edit('src/services/greeting.ts', (text) => `${text}\nsetTimeout(() => { throw new Error('fatal on purpose'); }, 400);\n`);
      await client.reload();
      client.close();
      const [code] = (await once(app.child, 'exit')) as [number];
      assert.equal(code, 1);
      const cli = await runCli(['status', '--project', app.dir]);
      assert.match(
        cli.stderr,
        /not running any more \(exited with code 1: src\/services\/greeting\.ts v2 threw outside any caller: fatal on purpose/,
      );
    } finally {
      await app.stop();
    }
  });

  it('reports a fault after the reload settled, keeps serving, and shows it in `status`', async () => {
    const app = await plainApp();
    try {
      const client = await ControlClient.connect(app.discovery(), 'test');
      app.edit('src/http/route.ts', (text) =>
        text.replace(
          "if (url.pathname === '/ticks') {",
          "if (url.pathname === '/boom') {\n    setTimeout(() => {\n      throw new Error('request-time bug');\n    }, 0);\n  }\n  if (url.pathname === '/ticks') {",
        ),
      );
      assert.equal((await client.reload()).outcome, 'committed');
      await call(app.port, { path: '/boom' });
      await app.waitFor(() => /request-time bug/.test(app.stderr), 'the fault to be reported');
      assert.equal((await call(app.port, { path: '/' })).status, 200);
      const status = await client.status();
      const fault = status.faults.at(-1)!;
      assert.equal(fault.outcome, 'reported');
      assert.equal(fault.module, 'src/http/route.ts');
      assert.match(fault.message, /threw outside any caller: request-time bug/);
      assert.equal(fault.file, app.file('src/http/route.ts'));
      assert.equal(fault.line, 19);
      client.close();
    } finally {
      await app.stop();
    }
  });
});
