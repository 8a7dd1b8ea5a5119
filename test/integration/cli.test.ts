import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturesDir } from '../helpers/fixtures';
import { runCli } from '../helpers/cli';
import { request } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';

const layered = path.join(fixturesDir, 'projects/layered');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-cli-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Writes a small project into the scratch folder and returns its path. */
function project(name: string, files: Record<string, string | Buffer>): string {
  const folder = path.join(scratch, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    fs.writeFileSync(path.join(folder, file), content);
  }
  return folder;
}

describe('reloadable check', () => {
  it('prints the documented JSON with relative paths and 1-based positions, and exits 1 on errors', async () => {
    const { code, stdout } = await runCli(['check', layered, '--format', 'json']);
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.version, 1);
    assert.equal(report.files, 6, 'the ignored test file is not counted');
    const first = report.diagnostics[0];
    assert.deepEqual(Object.keys(first).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity']);
    assert.deepEqual(
      report.diagnostics.map((d: { file: string; line: number; code: string }) => `${d.file}:${d.line} ${d.code}`),
      [
        'src/core/db.ts:2 import-cycle',
        'src/core/db.ts:2 layer-violation',
        'src/http/routes.ts:1 import-cycle',
        'src/services/audit.ts:1 import-cycle',
        'src/services/users.ts:1 import-cycle',
        'src/services/users.ts:2 import-cycle',
      ],
    );
    assert.match(first.message, /src\/core\/db\.ts → src\/http\/routes\.ts → src\/services\/users\.ts → src\/core\/db\.ts/);
  });

  it('prints stylish output like ESLint, with a summary line', async () => {
    const { code, stdout } = await runCli(['check', layered]);
    assert.equal(code, 1);
    assert.match(stdout, new RegExp(`^${layered.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/src/core/db.ts$`, 'm'));
    assert.match(stdout, /^ {2}2:1 {2}error {2}Import goes up the layers: "core" must not import "http".* {2}layer-violation$/m);
    assert.match(stdout, /✖ 6 problems \(6 errors, 0 warnings\)/);
  });

  it('writes SARIF 2.1.0 with rules, levels and repository-relative locations', async () => {
    const { stdout } = await runCli(['check', layered, '--format', 'sarif']);
    const sarif = JSON.parse(stdout);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'reloadable');
    assert.ok(
      run.tool.driver.rules.some(
        (rule: { id: string; helpUri: string }) => rule.id === 'layer-violation' && rule.helpUri.endsWith('docs/hazards.md#layer-violation'),
      ),
    );
    const result = run.results.find((r: { ruleId: string }) => r.ruleId === 'layer-violation');
    assert.equal(result.level, 'error');
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, 'layer-violation');
    assert.deepEqual(result.locations[0].physicalLocation.artifactLocation, { uri: 'src/core/db.ts', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 2, startColumn: 1, endLine: 2, endColumn: 41 });
  });

  it('exits 0 when only warnings are found', async () => {
    const folder = project('warnings-only', { 'src/a.ts': 'setInterval(() => undefined, 10);\n' });
    const { code, stdout } = await runCli(['check', folder, '--format', 'json']);
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).diagnostics[0].severity, 'warning');
  });

  it('turns a bad config into a message naming the file, the key and the fix, and exits 2', async () => {
    const folder = project('bad-config', {
      'reloadable.config.json': '{\n  "layers": [ { "name": "core", "include": "src/core/**" } ]\n}\n',
      'src/a.ts': '',
    });
    const { code, stdout, stderr } = await runCli(['check', folder]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /reloadable\.config\.json:2:\d+: `layers\[0\]\.include` must be an array of globs, got a string: wrap it in \[ \]/);
    assert.doesNotMatch(stderr, /\bat .*\.js:\d+/, 'no stack trace');
  });

  it('reads the config from the "reloadable" key of package.json', async () => {
    const folder = project('package-config', {
      'package.json': JSON.stringify({ name: 'x', reloadable: { rules: { 'unowned-timer': 'error' } } }),
      'a.ts': 'setInterval(() => undefined, 10);\n',
    });
    const { code, stdout } = await runCli(['check', folder, '--format', 'json']);
    assert.equal(code, 1);
    assert.equal(JSON.parse(stdout).diagnostics[0].severity, 'error');
  });

  it('analyses the other modules when one has a syntax error, is binary, or is too large', async () => {
    const folder = project('bad-files', {
      'src/broken.ts': 'export const x = {;\nsetInterval(() => undefined, 1);\n',
      'src/binary.ts': Buffer.from([0x00, 0x01, 0x02, 0x73, 0x65, 0x74]),
      'src/huge.ts': `export const data = "${'x'.repeat(3 * 1024 * 1024)}";\n`,
      'src/ok.ts': "import { missing } from './does-not-exist';\nprocess.on('exit', () => missing);\n",
      'tsconfig.json': '{ "compilerOptions": { "module": "bogus" } }',
    });
    const { code, stdout } = await runCli(['check', folder, '--format', 'json']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.files, 2);
    assert.deepEqual(
      report.diagnostics.map((d: { file: string; code: string }) => `${d.file} ${d.code}`),
      ['src/broken.ts unowned-timer', 'src/ok.ts stray-listener'],
    );
    const stylish = await runCli(['check', folder]);
    assert.match(stylish.stdout, /binary\.ts: not analysed: the file looks binary/);
    assert.match(stylish.stdout, /huge\.ts: not analysed: \d+ bytes is over the/);
    assert.match(stylish.stdout, /tsconfig problem, using defaults where needed: .*module/);
  });

  it('refuses a folder that does not exist with exit code 2', async () => {
    const { code, stderr } = await runCli(['check', path.join(scratch, 'nope')]);
    assert.equal(code, 2);
    assert.match(stderr, /is not a folder/);
  });
});

describe('reloadable graph', () => {
  it('prints modules with layers, typed edges, cycles and the reload order as JSON', async () => {
    const { code, stdout } = await runCli(['graph', layered]);
    assert.equal(code, 0);
    const graph = JSON.parse(stdout);
    assert.equal(graph.version, 1);
    assert.deepEqual(
      graph.modules.find((m: { id: string }) => m.id === 'src/core/db.ts'),
      { id: 'src/core/db.ts', layer: 'core' },
    );
    assert.deepEqual(
      graph.modules.find((m: { id: string }) => m.id === 'src/main.ts'),
      { id: 'src/main.ts', layer: null },
    );
    assert.ok(graph.edges.some((e: Record<string, unknown>) => e.from === 'src/core/db.ts' && e.to === 'src/http/types.ts' && e.typeOnly === true));
    assert.deepEqual(graph.cycles, [['src/core/db.ts', 'src/http/routes.ts', 'src/services/audit.ts', 'src/services/users.ts']]);
    assert.equal(graph.reloadOrder.load.at(-1), 'src/main.ts', 'the entry loads last');
    assert.deepEqual(graph.reloadOrder.unload, [...graph.reloadOrder.load].reverse());
  });

  it('previews the reload order of a change set, stopping at a module that accepts itself', async () => {
    const { stdout } = await runCli(['graph', layered, '--changed', 'src/services/audit.ts']);
    const { reloadOrder } = JSON.parse(stdout);
    assert.deepEqual(reloadOrder.load, ['src/core/db.ts', 'src/http/routes.ts', 'src/services/audit.ts', 'src/services/users.ts']);
    assert.ok(!reloadOrder.load.includes('src/main.ts'), 'routes.ts accepts itself, so main.ts does not run again');
  });

  it('prints Graphviz and Mermaid with layers as clusters', async () => {
    const dot = await runCli(['graph', layered, '--format', 'dot']);
    assert.match(dot.stdout, /^digraph modules \{/);
    assert.match(dot.stdout, /subgraph cluster_\d+ \{\n {4}label="core";/);
    assert.match(dot.stdout, /"src\/core\/db\.ts" -> "src\/http\/types\.ts" \[style=dashed\];/);
    assert.match(dot.stdout, /"src\/core\/db\.ts" -> "src\/http\/routes\.ts" \[style=bold, color=red\];/);
    const mermaid = await runCli(['graph', layered, '--format', 'mermaid']);
    assert.match(mermaid.stdout, /^flowchart BT\n/);
    assert.match(mermaid.stdout, /subgraph layer\d+\["services"\]/);
  });

  it('rejects an unknown format and an unknown module with exit code 2', async () => {
    assert.equal((await runCli(['graph', layered, '--format', 'svg'])).code, 2);
    const unknown = await runCli(['graph', layered, '--changed', 'src/nope.ts']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /is not a module of the project/);
  });

  it('runs as `npx reloadable` from the repository root', async () => {
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.match(stdout, /^\d+\.\d+\.\d+/);
  });
});

describe('reloadable check on files nested deeper than a parser goes', () => {
  // Generated here: a 4,000-term concatenation, and parentheses and arrows nested 10,000 deep. TypeScript's parser
  // overflows its stack somewhere between 600 and 1,500 levels, depending on how much of it the JIT has optimised
  // by then: ten times that leaves the outcome to no run's luck.
  const folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-deep-')));
  fs.cpSync(path.join(fixturesDir, 'projects/deep'), folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, 'src/big.ts'),
    `export const big = ${Array.from({ length: 4000 }, (_, index) => JSON.stringify(`part${index}`)).join(' + ')};\n`,
  );
  fs.writeFileSync(path.join(folder, 'src/deep.ts'), `export const deep = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\n`);
  fs.writeFileSync(path.join(folder, 'src/arrows.ts'), `export const arrows = ${'() => '.repeat(10_000)}1;\n`);
  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  for (const args of [
    ['check', '--format', 'json'],
    ['check', '--no-types', '--format', 'json'],
  ]) {
    it(`reports the other files, and names the ones it left out (${args.join(' ')})`, async () => {
      const cli = await runCli([...args, folder]);
      assert.equal(cli.code, 0, cli.stderr);
      const report = JSON.parse(cli.stdout);
      assert.equal(report.files, 2);
      assert.deepEqual(
        report.diagnostics.map((d: { file: string; code: string }) => `${d.file} ${d.code}`),
        ['src/ok.ts unowned-timer'],
      );
      assert.deepEqual(
        report.skipped.map((s: { file: string }) => s.file),
        ['src/arrows.ts', 'src/deep.ts'],
      );
      assert.match(report.skipped[0].reason, /not analysed: nested too deeply/);
    });
  }

  it('says so in SARIF too, as tool execution notifications', async () => {
    const cli = await runCli(['check', '--format', 'sarif', folder]);
    const notifications = JSON.parse(cli.stdout).runs[0].invocations[0].toolExecutionNotifications;
    assert.deepEqual(
      notifications.map(
        (n: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          n.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
      ['src/arrows.ts', 'src/deep.ts'],
    );
  });

  it('prints the graph with every module', async () => {
    const cli = await runCli(['graph', folder]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).edges, [{ from: 'src/ok.ts', to: 'src/big.ts', kind: 'static', typeOnly: false }]);
  });
});

describe("the CLI's compile cache", () => {
  const cacheFiles = (tmp: string) => {
    const folder = fs.readdirSync(tmp).find((name) => name.startsWith('reloadable-compile-cache-'));
    return folder ? { folder: path.join(tmp, folder), files: fs.readdirSync(path.join(tmp, folder)) } : undefined;
  };
  /** Every file under a folder with its modification time. */
  const stamps = (folder: string) =>
    (fs.readdirSync(folder, { recursive: true }) as string[])
      .map((name) => path.join(folder, name))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => `${file} ${fs.statSync(file).mtimeMs}`)
      .sort();
  // Node 22.1 and newer cache compiled code themselves (module.enableCompileCache), in the folder the CLI gives
  // them; Node 20 gets the CLI's own cache of the analyser's bundle.
  const nodeCompileCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

  it('is written once to a private folder, read by the next start, and a damaged one is replaced', async () => {
    const tmp = fs.mkdtempSync(path.join(scratch, 'tmp-'));
    const env = { TMPDIR: tmp };
    const first = await runCli(['graph', layered], { env });
    const cache = cacheFiles(tmp);
    assert.ok(cache, 'a cache folder after the first start');
    assert.equal(fs.statSync(cache.folder).mode & 0o777, 0o700);
    if (nodeCompileCache) {
      assert.deepEqual(cache.files, ['node'], "Node's compile cache, and no cache of our own");
      const written = stamps(cache.folder);
      assert.ok(written.length > 0, 'Node wrote its cache');
      assert.equal((await runCli(['graph', layered], { env })).stdout, first.stdout);
      assert.deepEqual(stamps(cache.folder), written, 'a good cache is read, not written again');
      return;
    }
    assert.equal(cache.files.length, 1, 'one cache file after the first start');
    const file = path.join(cache.folder, cache.files[0]!);
    const written = fs.statSync(file).mtimeMs;
    assert.equal((await runCli(['graph', layered], { env })).stdout, first.stdout);
    assert.equal(fs.statSync(file).mtimeMs, written, 'a good cache is read, not written again');
    fs.writeFileSync(file, 'not a code cache');
    assert.equal((await runCli(['graph', layered], { env })).stdout, first.stdout, 'V8 rejects a damaged cache and the CLI runs as without one');
    assert.notEqual(fs.readFileSync(file, 'utf8'), 'not a code cache');
  });

  it('leaves `run` able to import: an app importing an ES package serves after a start that wrote the cache', async () => {
    const tmp = fs.mkdtempSync(path.join(scratch, 'tmp-'));
    const env = { TMPDIR: tmp };
    await runCli(['graph', layered], { env });
    assert.ok(cacheFiles(tmp)?.files.length, 'the cache is warm');
    const dir = fs.mkdtempSync(path.join(scratch, 'esm-app-'));
    fs.mkdirSync(path.join(dir, 'node_modules/esm-only'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'node_modules/esm-only/package.json'),
      JSON.stringify({ name: 'esm-only', type: 'module', exports: './index.js' }),
    );
    fs.writeFileSync(path.join(dir, 'node_modules/esm-only/index.js'), "export const greeting = 'hello from an ES package';\n");
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(
      path.join(dir, 'src/main.ts'),
      [
        "import * as http from 'node:http';",
        "import { greeting } from 'esm-only';",
        'const server = http.createServer((_req, res) => res.end(greeting));',
        "server.listen(0, '127.0.0.1', () => console.log('listening', (server.address() as { port: number }).port));",
      ].join('\n'),
    );
    const app = await RunningApp.runIn(dir, { env });
    try {
      assert.equal(await request(app.port, '/'), 'hello from an ES package');
    } finally {
      await app.stop();
    }
  });

  it('is not read from a folder others can write to', async () => {
    const tmp = fs.mkdtempSync(path.join(scratch, 'tmp-'));
    const env = { TMPDIR: tmp };
    const first = await runCli(['graph', layered], { env });
    const cache = cacheFiles(tmp)!;
    fs.chmodSync(cache.folder, 0o777);
    const planted = path.join(cache.folder, nodeCompileCache ? 'node' : cache.files[0]!);
    fs.rmSync(planted, { recursive: true });
    fs.writeFileSync(planted, 'planted');
    const { code, stdout } = await runCli(['graph', layered], { env });
    assert.equal(code, 0);
    assert.equal(stdout, first.stdout);
    assert.equal(fs.readFileSync(planted, 'utf8'), 'planted', 'neither read nor replaced');
  });
});
