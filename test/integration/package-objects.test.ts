// A package that shares one system handle among all its callers: chokidar keeps one `fs.watch` per path for
// every watcher of that path. After a reload the new version's watcher rides on the handle the old version's
// made; the runtime releases the old watcher through chokidar's own `close()`, which keeps the handle for the
// new one, instead of closing the handle under it. The new version sees changes, the old one no longer does. A
// package's singleton, an object kept on globalThis and an object of a package that made no handle are not closed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/control/client';
import { call, freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

const root = path.resolve(__dirname, '../..');

/** The entry, labelled: it watches data.txt with chokidar and notes each change it sees in seen.log. */
const main = (label: string, extra = '') =>
  [
    "import { appendFileSync } from 'node:fs';",
    "import { createServer } from 'node:http';",
    "import { watch } from 'chokidar';",
    "import bus, { Bus } from 'bus';",
    "import { Stuck, Ticking } from 'ticker';",
    'let ready = false;',
    "bus.on('ping', () => {});",
    'const shared = globalThis as any;',
    "(shared.kept ??= new Ticking()).on('ping', () => {});",
    'const made = { bus: new Bus(), ticking: new Ticking() };',
    "made.bus.on('ping', () => {});",
    "made.ticking.on('ping', () => {});",
    '(shared.made ??= []).push(made);',
    "new Stuck().on('ping', () => {});",
    "watch('data.txt')",
    "  .on('ready', () => (ready = true))",
    `  .on('change', () => appendFileSync('seen.log', '${label}\\n'));`,
    'createServer((req, res) => {',
    "  if (req.url === '/closed') {",
    '    const [first] = shared.made;',
    '    return res.end(JSON.stringify({ singleton: bus.closed, kept: shared.kept.closed, bus: first.bus.closed, ticking: first.ticking.closed }));',
    '  }',
    `  res.end(ready ? '${label}' : 'starting');`,
    "}).listen(Number(process.env.PORT), '127.0.0.1');",
    extra,
  ].join('\n');

describe("a package's shared handle stays with the version that still uses it", () => {
  let app: RunningApp;
  let client: ControlClient;
  let port: number;
  const text = async () => (await call(port, { path: '/' })).body;
  const seen = () => (fs.existsSync(app.file('seen.log')) ? fs.readFileSync(app.file('seen.log'), 'utf8').split('\n').filter(Boolean) : []);
  let changes = 0;
  const change = () => fs.writeFileSync(app.file('data.txt'), `change ${++changes}\n`);
  /** Twice: `label` sees a change, and no other watcher noted one meanwhile (a late event of another had its chance). */
  const onlySeesChanges = async (label: string) => {
    const before = seen().length;
    await seesChange(label);
    await seesChange(label);
    assert.deepEqual(
      seen()
        .slice(before)
        .filter((seenBy) => seenBy !== label),
      [],
    );
  };
  /** Changes data.txt until `label` notes a change (again every 200 ms: chokidar skips a change it sees too soon after one). */
  const seesChange = async (label: string) => {
    const count = () => seen().filter((seenBy) => seenBy === label).length;
    const before = count();
    let polls = 0;
    await eventually(
      () => {
        if (count() > before) return true;
        if (polls++ % 20 === 0) change();
        return false;
      },
      `${label} to see a change (seen: ${seen().join(', ')})\n${app.stderr}`,
    );
  };

  before(async () => {
    port = await freePort();
    // Two packages of closable emitters: bus makes no handle (and a singleton while its module loads), ticker's
    // objects each start a timer, released by close() (or not: Stuck's close() throws).
    const bus = [
      "const { EventEmitter } = require('node:events');",
      'class Bus extends EventEmitter { closed = false; close() { this.closed = true; } }',
      'module.exports = new Bus();',
      'module.exports.Bus = Bus;',
    ];
    const ticker = [
      "const { EventEmitter } = require('node:events');",
      'class Ticking extends EventEmitter {',
      '  closed = false; timer = setInterval(() => {}, 60_000);',
      '  close() { clearInterval(this.timer); this.closed = true; }',
      '}',
      "class Stuck extends EventEmitter { timer = setInterval(() => {}, 60_000); close() { throw new Error('cannot close'); } }",
      'module.exports = { Ticking, Stuck };',
    ];
    const packageJson = (name: string) => `{ "name": "${name}", "main": "index.js" }\n`;
    app = await RunningApp.inFolder(
      'package-objects',
      {
        'node_modules/bus/package.json': packageJson('bus'),
        'node_modules/bus/index.js': bus.join('\n'),
        'node_modules/ticker/package.json': packageJson('ticker'),
        'node_modules/ticker/index.js': ticker.join('\n'),
        'data.txt': 'start\n',
        'main.ts': main('v1'),
      },
      { port, prepare: (dir) => fs.symlinkSync(path.join(root, 'node_modules/chokidar'), path.join(dir, 'node_modules/chokidar'), 'dir') },
    );
    client = await ControlClient.connect(app.discovery(), 'test');
    await eventually(async () => (await text()) === 'v1', 'the first watcher to be ready');
  });
  after(async () => {
    client?.close();
    await app?.stop();
  });

  it('the first version sees a change', async () => {
    await seesChange('v1');
  });

  it("after a reload the new version sees changes and the old one's watcher is closed", async () => {
    fs.writeFileSync(app.file('main.ts'), main('v2'));
    const result = await client.reload();
    assert.equal(result.outcome, 'committed', JSON.stringify(result));
    // A package object whose close() throws is said with the reload, and the rest still closes.
    assert.match(result.warnings.join('\n'), /closing a resource of main\.ts v1 failed: Stuck of ticker: cannot close/);
    await eventually(async () => (await text()) === 'v2', 'the new watcher to be ready');
    await onlySeesChanges('v2');
  });

  it("releases the old version's object of a package that made handles for it, and leaves alone the rest", async () => {
    // Not closed: a package's singleton, an object kept on globalThis (the new version still uses it), and an
    // object of a package that made no handle for the old version (its close() may do more than a retirement needs).
    assert.deepEqual(JSON.parse((await call(port, { path: '/closed' })).body), { singleton: false, kept: false, bus: false, ticking: true });
  });

  it('a rolled-back version releases its own watcher and leaves the serving one watching', async () => {
    fs.writeFileSync(app.file('main.ts'), main('v3', "throw new Error('v3 fails at init');"));
    const result = await client.reload();
    assert.equal(result.outcome, 'rolled-back', JSON.stringify(result));
    assert.equal(await text(), 'v2');
    await onlySeesChanges('v2');
  });
});
