// A fault that repeats (a timer that throws each time it runs) is logged once, with how often it came back,
// and kept once in `status`: the log stays readable and the process serves on.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/client';
import { RunningApp } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

describe('a burst of the same fault', () => {
  let app: RunningApp | undefined;
  after(async () => app?.stop());

  it('is logged once with its count, and kept once in status', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-burst-')));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(
      path.join(dir, 'src/main.ts'),
      `import { createServer } from 'node:http';\n` +
        `let left = 50;\nconst tick = () => { if (left-- > 0) { setTimeout(tick, 1); throw new Error('same again'); } };\n` +
        `const server = createServer((_, res) => res.end(String(left)));\n` +
        `server.listen(0, '127.0.0.1', () => { console.log('listening ' + (server.address() as any).port); setTimeout(tick, 1); });\n`,
    );
    app = await RunningApp.runIn(dir);
    const client = await ControlClient.connect(app.discovery(), 'test');
    try {
      await eventually(async () => (await client.status()).faults.some((fault) => fault.repeated === 49), 'the burst to be counted');
      const { faults } = await client.status();
      assert.equal(faults.length, 1);
      await eventually(() => /the same fault happened 49 more times: .*same again/.test(app!.stderr), 'the count in the log');
      assert.equal(app.stderr.match(/threw outside any caller: same again/g)?.length, 2, 'the fault, then its count');
    } finally {
      client.close();
    }
  });
});
