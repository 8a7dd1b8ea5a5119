import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
// Not a wait: the pause of an editor that writes a file in two steps, part of what the test does to the app.
import { setTimeout as writerPause } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { ControlClient } from '../../runtime/src/control/client';
import { runCli } from '../helpers/cli';
import { RunningApp, startLoad } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

describe('reloadable run under real HTTP load', () => {
  let app: RunningApp;
  let client: ControlClient;
  before(async () => {
    app = await RunningApp.start('service');
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('serves every request across many reloads, faulty versions included, and never loses or doubles a count', async () => {
    const load = startLoad(app.port, 8);
    const outcomes: string[] = [];
    const faults = [
      (text: string) => `${text}\nexport const broken = ;\n`,
      (text: string) => `${text}\nthrow new Error('init failed');\n`,
      (text: string) => text.replace(/export (async )?function (next|handle)\b/, 'export $1function renamed'),
    ];
    for (let round = 0; round < 24; round++) {
      const file = round % 2 === 0 ? 'src/counter.ts' : 'src/routes.ts';
      const tag = file === 'src/counter.ts' ? 'counterTag' : 'routesTag';
      const original = (await import('node:fs')).readFileSync(app.file(file), 'utf8');
      if (round % 4 === 3) {
        app.edit(file, faults[(round >> 2) % faults.length]!);
        outcomes.push((await client.reload()).outcome);
        app.edit(file, () => original);
      } else {
        app.edit(file, (text) => text.replace(new RegExp(`${tag} = '[^']*'`), `${tag} = 'round${round}'`));
        outcomes.push((await client.reload()).outcome);
      }
      // Some requests between two reloads, so each version serves.
      const served = load.bodies.length;
      await eventually(() => load.bodies.length >= served + 4, 'requests between two reloads');
    }
    const { bodies, failures } = await load.stop();
    assert.deepEqual(failures, []);
    assert.deepEqual(outcomes.filter((outcome) => outcome === 'rolled-back').length, 6);
    assert.deepEqual(outcomes.filter((outcome) => outcome === 'committed').length, 18);
    const counts = bodies.map((body) => body.count as number).sort((a, b) => a - b);
    assert.ok(counts.length > 100, `only ${counts.length} requests`);
    assert.deepEqual(
      counts,
      counts.map((_, index) => index + 1),
      'every count from 1 to N exactly once',
    );
    assert.ok(new Set(bodies.map((body) => body.version)).size > 1, 'responses came from several versions of routes.ts');
  });

  it('finishes a slow request on the version it started on', async () => {
    const slow = app.get('/slow?ms=400');
    await eventually(
      async () => (await client.status()).modules.some((module) => module.id === 'src/routes.ts' && module.inFlight > 0),
      'the slow request to be running',
    );
    app.edit('src/routes.ts', (text) => text.replace(/routesTag = '[^']*'/, "routesTag = 'after-slow'"));
    const result = await client.reload();
    const response = await slow;
    assert.equal(result.outcome, 'committed');
    assert.equal(response.startedOn, response.finishedOn);
    assert.notEqual(response.tag, 'after-slow');
    assert.ok(result.drained >= 1);
    assert.equal((await app.get('/slow?ms=1')).tag, 'after-slow');
  });

  it('delivers journal entries posted during reloads once and in order', async () => {
    const posting = (async () => {
      for (let entry = 0; entry < 120; entry++) await app.get(`/journal?n=${entry}`);
    })();
    for (let round = 0; round < 6; round++) {
      app.edit('src/journal.ts', (text) => text.replace(/journalTag = '[^']*'/, `journalTag = 'j${round}'`));
      assert.equal((await client.reload()).outcome, 'committed');
    }
    await posting;
    await eventually(async () => (await app.get<number[]>('/written')).length >= 120, 'every entry to be written');
    assert.deepEqual(await app.get('/written'), [...Array(120).keys()]);
  });

  it('stops the timers of a retired version', async () => {
    app.edit('src/ticker.ts', (text) => `${text}\n// edited\n`);
    const result = await client.reload();
    const version = result.versions['src/ticker.ts']!;
    const first = await app.get<Record<number, number>>('/ticks');
    let second = first;
    await eventually(async () => {
      second = await app.get<Record<number, number>>('/ticks');
      return second[version]! >= (first[version] ?? 0) + 3;
    }, 'the new version to tick three times');
    assert.equal(second[version - 1], first[version - 1], 'the old version stopped ticking');
    assert.ok(second[version]! > first[version]!, 'the new version ticks');
  });

  it('stops an interval a retired version left running, and says nothing leaked, through the CLI', async () => {
    app.edit('src/ticker.ts', (text) => `${text}\nexport const stray = setInterval(() => {}, 1000);\n`);
    assert.equal((await client.reload()).outcome, 'committed');
    app.edit('src/ticker.ts', (text) => text.replace('export const stray = setInterval(() => {}, 1000);', ''));
    const cli = await runCli(['reload', '--json', '--project', app.dir]);
    assert.equal(cli.code, 0, cli.stderr);
    const result = JSON.parse(cli.stdout) as ReloadResult;
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(result.leaks, []);
    // The new code served at the commit; the settle window and the retiring came after, inside durationMs.
    assert.ok(result.servingAfterMs !== undefined && result.phases.settle !== undefined);
    assert.ok(result.servingAfterMs <= result.durationMs - result.phases.settle, JSON.stringify(result));
  });

  it('says how soon a reload served apart from how long it took to settle and retire', async () => {
    app.edit(
      'src/ticker.ts',
      (text) => `${text}
// edited
`,
    );
    const cli = await runCli(['reload', '--project', app.dir]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /reload #\d+ committed in [\d.]+ ms \(settled and retired in [\d.]+ ms\)/);
    assert.match(cli.stdout, /phases: .*settle [\d.]+ ms/);
  });

  it('exits 1 from `reloadable reload` on a rollback, with the reason', async () => {
    app.edit('src/counter.ts', (text) => `${text}\nthrow new Error('bad edit');\n`);
    const cli = await runCli(['reload', '--project', app.dir]);
    app.edit('src/counter.ts', (text) => text.replace("\nthrow new Error('bad edit');\n", ''));
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /rolled back/);
    assert.match(cli.stdout, /init failed in src\/counter\.ts at .*counter\.ts:\d+:\d+/);
    assert.match(cli.stdout, /bad edit/);
    // The file is back to what the live version was loaded from.
    assert.equal((await client.reload()).outcome, 'no-change');
    assert.equal(typeof (await app.get('/')).count, 'number');
  });

  it('shows the live graph through `reloadable status --json`', async () => {
    const cli = await runCli(['status', '--json', '--project', app.dir]);
    assert.equal(cli.code, 0, cli.stderr);
    const status = JSON.parse(cli.stdout);
    assert.deepEqual(
      status.modules.map((module: { id: string }) => module.id),
      ['src/counter.ts', 'src/journal.ts', 'src/main.ts', 'src/routes.ts', 'src/ticker.ts'],
    );
    assert.ok(status.edges.some((edge: { from: string; to: string }) => edge.from === 'src/routes.ts' && edge.to === 'src/counter.ts'));
    assert.ok(status.lastResult);
  });
});

describe('reloadable run --watch', () => {
  let app: RunningApp;
  before(async () => {
    app = await RunningApp.start('service', ['--watch']);
  });
  after(async () => {
    await app?.stop();
  });

  it('ends on the last of quick saves, one of them caught half-written, with no failed request', async () => {
    const load = startLoad(app.port, 2);
    const original = fs.readFileSync(app.file('src/routes.ts'), 'utf8');
    const tagged = (tag: string) => original.replace(/routesTag = '[^']*'/, `routesTag = '${tag}'`);
    // An editor that truncates before it writes, then a second save right after the first went live: file
    // watchers drop a change that follows another within 50 ms, so the last save has to be found anyway.
    try {
      const commits = () => app.stderr.split('committed').length;
      const before = commits();
      fs.writeFileSync(app.file('src/routes.ts'), '');
      await writerPause(5);
      fs.writeFileSync(app.file('src/routes.ts'), tagged('first'));
      await app.waitFor(() => commits() > before, 'the first save to be reloaded');
      fs.writeFileSync(app.file('src/routes.ts'), tagged('last'));
      await eventually(async () => (await app.get('/')).tag === 'last', 'the last save to go live').catch((error: Error) => {
        throw new Error(`${error.message}:\n${app.stderr}`);
      });
    } finally {
      await load.stop();
    }
    const { failures } = load;
    assert.deepEqual(failures, []);
  });

  it('tries a change that rolled back once, then again only when the file changes', async () => {
    const rollbacks = () => app.stderr.split('rolled back').length - 1;
    const before = rollbacks();
    const original = fs.readFileSync(app.file('src/routes.ts'), 'utf8');
    fs.writeFileSync(app.file('src/routes.ts'), `${original}\nthrow new Error('bad save');\n`);
    await app.waitFor(() => rollbacks() > before, 'the faulty save to roll back');
    // A save of another module after it: were the faulty file retried in a loop, more rollbacks would come first.
    // A reload of an earlier test may still be retiring: only a commit of this save counts.
    const journalCommits = () => app.stderr.match(/committed in [\d.]+ ms: src\/journal\.ts@/g)?.length ?? 0;
    const committed = journalCommits();
    app.edit('src/journal.ts', (text) => text.replace(/journalTag = '[^']*'/, "journalTag = 'meanwhile'"));
    await app.waitFor(() => journalCommits() > committed, 'the other save to be reloaded, without the faulty one');
    assert.equal(rollbacks(), before + 1, `one rollback, not a loop:\n${app.stderr}`);
    fs.writeFileSync(app.file('src/routes.ts'), original.replace(/routesTag = '[^']*'/, "routesTag = 'fixed'"));
    await eventually(async () => (await app.get('/')).tag === 'fixed', 'the fix to go live');
    assert.equal(rollbacks(), before + 1);
  });

  for (const order of ['the export first', 'the importer first']) {
    it(`puts a rename saved in two parts (${order}) live together, once the second part is saved`, async () => {
      const renames = [
        [
          'src/journal.ts',
          (text: string) =>
            text.replace(
              /export const (written|writtenAll) =/,
              (_, name: string) => `export const ${name === 'written' ? 'writtenAll' : 'written'} =`,
            ),
        ],
        [
          'src/routes.ts',
          (text: string) =>
            text.replace(
              /journal, (written|writtenAll as written) \}/,
              (_, name: string) => `journal, ${name === 'written' ? 'writtenAll as written' : 'written'} }`,
            ),
        ],
      ] as const;
      const [first, second] = order === 'the export first' ? renames : [renames[1], renames[0]];
      const rollbacks = () => app.stderr.split('rolled back').length - 1;
      const before = rollbacks();
      app.edit(first[0], first[1]);
      await app.waitFor(() => rollbacks() > before, 'the first part alone to roll back at link');
      const joint = () => app.stderr.match(/committed in [\d.]+ ms: src\/journal\.ts@\d+ → src\/routes\.ts@\d+/g)?.length ?? 0;
      const committed = joint();
      app.edit(second[0], second[1]);
      await app.waitFor(() => joint() > committed, 'both parts to go live in one reload');
      assert.ok((await app.get('/')).tag, 'the app serves after the joint reload');
    });
  }

  it('waits for a file caught half-written instead of failing on it', async () => {
    const rollbacks = () => app.stderr.split('rolled back').length - 1;
    const before = rollbacks();
    const original = fs.readFileSync(app.file('src/routes.ts'), 'utf8');
    const complete = original.replace(/routesTag = '[^']*'/, "routesTag = 'complete'");
    // A writer that writes in two pieces, the first cut in the middle of a statement.
    const cut = complete.indexOf('response.setHeader');
    fs.writeFileSync(app.file('src/routes.ts'), complete.slice(0, cut + 10));
    await writerPause(30);
    fs.writeFileSync(app.file('src/routes.ts'), complete);
    await eventually(async () => (await app.get('/')).tag === 'complete', 'the complete save to go live');
    assert.equal(rollbacks(), before, `no rollback for the half-written file:\n${app.stderr}`);
  });
});

describe('the control endpoint lets no one else in', () => {
  let app: RunningApp;
  before(async () => {
    app = await RunningApp.start('service');
  });
  after(() => app?.stop());

  const raw = (bytes: string | Buffer): Promise<string> =>
    new Promise((resolve) => {
      const socket = net.connect(app.discovery().socket);
      let received = '';
      socket.on('data', (chunk) => (received += chunk));
      socket.on('error', () => resolve(received));
      socket.on('close', () => resolve(received));
      socket.on('connect', () => socket.write(bytes));
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('refuses a wrong token and closes the connection', async () => {
    await assert.rejects(ControlClient.connect({ ...app.discovery(), token: 'not-the-token' }), /wrong token/);
  });

  it('refuses requests before hello', async () => {
    const answer = await raw(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'reloadable/reload', params: {} })));
    assert.match(answer, /say hello with the token first/);
  });

  it('survives garbage, broken framing, bad JSON and oversized messages', async () => {
    const inputs: Array<string | Buffer> = [
      'hello there\r\n\r\n',
      'Content-Length: abc\r\n\r\n{}',
      frame('{not json'),
      frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'reloadable/hello', params: 42 })),
      `Content-Length: ${1 << 30}\r\n\r\n` + 'x'.repeat(64 << 10),
      Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256)),
      'x'.repeat(200_000),
    ];
    for (const input of inputs) await raw(input);
    const client = await ControlClient.connect(app.discovery(), 'test');
    try {
      assert.equal((await client.status()).app.entry, 'src/main.ts');
    } finally {
      client.close();
    }
    assert.equal((await app.get('/')).tag, 'r1');
  });

  it('exits 2 from `reloadable reload` when no app runs', async () => {
    const cli = await runCli(['reload', '--project', '/tmp']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /no app is running/);
  });
});
