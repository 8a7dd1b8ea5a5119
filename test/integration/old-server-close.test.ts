// A keep-alive connection of a server whose listening socket went to the new version's server stays open when the
// old version's code closes that server (a dispose that calls `server.close()`, a package's `close()` that does):
// Node's `close()` of an HTTP server would close its idle connections, and a client sending on one then would see
// a reset. The next request on the same connection is answered by the new code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/control/client';
import { freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';

const main = (label: string) =>
  [
    "import { createServer } from 'node:http';",
    `const server = createServer((req, res) => res.end('${label}'));`,
    "server.listen(Number(process.env.PORT), '127.0.0.1');",
    'import.meta.hot?.dispose(() => { server.close(); });',
  ].join('\n');

/** A GET on the agent's connection: the answer, and whether it went on a connection used before. */
function get(port: number, agent: http.Agent): Promise<{ body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ body, reused: request.reusedSocket }));
    });
    request.on('error', reject);
  });
}

describe('an old server closed by its own code keeps the keep-alive connections the new code serves', () => {
  let app: RunningApp;
  let client: ControlClient;
  let port: number;

  before(async () => {
    port = await freePort();
    app = await RunningApp.inFolder('old-server-close', { 'main.ts': main('v1') }, { port });
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('answers the next request on the idle connection with the new code', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.deepEqual(await get(port, agent), { body: 'v1', reused: false });
      fs.writeFileSync(app.file('main.ts'), main('v2'));
      const result = await client.reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result));
      assert.deepEqual(await get(port, agent), { body: 'v2', reused: true });
    } finally {
      agent.destroy();
    }
  });
});
