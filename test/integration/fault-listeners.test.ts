// An app that closes its server on the first fault the process sees (close-with-grace and the like) keeps
// serving through a reload whose new code faults: the fault reaches the new code's handler, which closes the
// new server, and the rollback leaves the old one serving with its handler unspent. A fault of the serving
// code still reaches the serving handler, as without the runtime.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/control/client';
import { call, freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

/** The entry, labelled: it answers `<label>:<label()>`, `/added` (whose fault handlers are added) and `/fail`; its handler notes what it heard in heard.log. */
const main = (label: string, extra = '') =>
  [
    "import { appendFileSync } from 'node:fs';",
    "import { createServer } from 'node:http';",
    "import { label } from './label.js';",
    'const shared = globalThis as any;',
    'shared.closes ??= {};',
    'const server = createServer((req, res) => {',
    "  if (req.url === '/added') {",
    "    const added = Object.keys(shared.closes).filter((key) => process.listeners('unhandledRejection').includes(shared.closes[key]));",
    '    return res.end(JSON.stringify(added));',
    '  }',
    "  if (req.url === '/fail') Promise.reject(new Error('serving code rejects'));",
    `  res.end('${label}:' + label());`,
    '}).listen(Number(process.env.PORT), "127.0.0.1");',
    `const close = (error: unknown) => { appendFileSync('heard.log', '${label}: ' + String(error) + '\\n'); server.close(); };`,
    `shared.closes['${label}'] = close;`,
    "process.once('unhandledRejection', close);",
    "process.prependOnceListener('uncaughtException', close);",
    extra,
  ].join('\n');
const rejecting = "Promise.reject(new Error('new code rejects'));\n";
const throwing = "setTimeout(() => { throw new Error('new code throws'); }, 0);\n";

describe("the app's own fault handlers hear only their side of a reload", () => {
  let app: RunningApp;
  let client: ControlClient;
  let port: number;
  const text = async (pathname: string) => (await call(port, { path: pathname })).body;
  const added = async () => JSON.parse(await text('/added')) as string[];
  const heard = () => (fs.existsSync(app.file('heard.log')) ? fs.readFileSync(app.file('heard.log'), 'utf8').split('\n').filter(Boolean) : []);

  before(async () => {
    port = await freePort();
    app = await RunningApp.inFolder('fault-listeners', { 'label.ts': "export const label = () => 'a';\n", 'main.ts': main('v1') }, { port });
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  for (const [file, fault, text_] of [
    ['main.ts', 'a rejection nobody handles', main('v2', rejecting)],
    ['main.ts', 'a throw in a timer', main('v2', throwing)],
    ['label.ts', 'a rejection nobody handles', `export const label = () => 'b';\n${rejecting}`],
  ] as const) {
    it(`new code of ${file} with ${fault} rolls back, and the old server serves with its handler unspent`, async () => {
      const before = fs.readFileSync(app.file(file), 'utf8');
      fs.writeFileSync(app.file(file), text_);
      const result = await client.reload();
      fs.writeFileSync(app.file(file), before);
      assert.equal(result.outcome, 'rolled-back', JSON.stringify(result));
      assert.match(result.error!.message, /new code (rejects|throws)/);
      assert.equal(await text('/').catch((error) => `${error}\n${heard().join('\n')}\n${app.stderr}`), 'v1:a');
      assert.deepEqual(
        heard().filter((fault) => fault.startsWith('v1')),
        [],
      );
      assert.deepEqual(await added(), ['v1']);
      assert.equal((await client.reload()).outcome, 'no-change');
    });
  }

  it("a fault of the serving code reaches the serving handler; a committed reload's handler replaced the old one", async () => {
    fs.writeFileSync(app.file('main.ts'), main('v3'));
    assert.equal((await client.reload()).outcome, 'committed');
    assert.equal(await text('/'), 'v3:a');
    assert.deepEqual(await added(), ['v3']);
    await text('/fail');
    await eventually(() => heard().some((fault) => fault.startsWith('v3')), 'the serving handler to hear the fault');
    assert.deepEqual(
      heard().filter((fault) => !fault.startsWith('v2')),
      ['v3: Error: serving code rejects'],
    );
    // The app closes its server on the fault, as it does without the runtime; the process stays up.
    await eventually(
      async () =>
        await call(port, { path: '/' }, new Agent()).then(
          () => false,
          () => true,
        ),
      'the app to close its server',
    );
    assert.equal(app.child.exitCode, null);
  });
});
