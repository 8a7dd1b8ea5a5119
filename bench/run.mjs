// `npm run bench`: its parts, each against its anchors in the same run, written to bench/RESULTS.md.
// - runtime (bench/runtime.mjs): hot reload under load against node --watch, dynohot, hot-hook and Vite.
// - analysis: our CLI against dependency-cruiser, madge and ESLint (typescript-eslint's type-aware
//   no-floating-promises) on the same corpora; wall time and peak memory of each process.
// - editor: the language server from an edit to its diagnostics against tsserver (bench/language-server.ts,
//   bench/tsserver.ts), the extension's activation in code-server against the built-in TypeScript extension
//   (bench/activation.ts), and the client bundle's size.
// - serving (bench/serving.mjs): what four apps pay for the runtime between reloads, against plain node and dynohot.
// - cluster (bench/cluster.mjs): one app on several processes upgraded under load: --workers against a
//   node:cluster primary that replaces its workers and pm2's reload.
// - precision (bench/precision.mjs): the hazard analyser's findings on real projects' sources against a written review.
// - apps (bench/real-apps.mjs): real open-source apps from /work/cache/apps under the fresh-start oracle.
// `--only <part>` runs one part and keeps the others' last figures. `--quick` for a short run while working
// on the bench itself. Corpora and tools come through npm into bench/.corpora and bench/.tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative, sep } from 'node:path';
import { countModules, ensureTheia, theiaPackages, theiaVersion, tools } from './corpora.mjs';
import { installTools } from './tooling.mjs';
import { generate } from './generate-synthetic.mjs';
import { benchRuntime, runtimeByNode, runtimeSection } from './runtime.mjs';
import { benchUnmodified, startupByNode, unmodifiedSection } from './unmodified.mjs';
import { benchRealApps, realAppsSection } from './real-apps.mjs';
import { benchServing, servingSection } from './serving.mjs';
import { benchPrecision, precisionSection } from './precision.mjs';
import { benchCluster, clusterSection } from './cluster.mjs';
import { nodeBinary } from '../test/node-versions.mjs';

const root = join(import.meta.dirname, '..');
const corpora = join(root, 'bench/.corpora');
const toolsDir = join(root, 'bench/.tools');
const bin = (name) => join(toolsDir, 'node_modules/.bin', name);
const cli = join(root, 'runtime/bin/reloadable.cjs');
const quick = process.argv.includes('--quick');
const parts = ['runtime', 'serving', 'cluster', 'apps', 'analysis', 'precision', 'editor'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only && !parts.includes(only)) throw new Error(`--only takes ${parts.join(', ')}, not ${only}`);
// `--nodes 20,24`: the runtime part on each of these Nodes (from the registry, as test/nodes.mjs installs them),
// side by side. Without it, on the Node running the bench.
const nodes = process.argv.includes('--nodes')
  ? process.argv[process.argv.indexOf('--nodes') + 1].split(',').map((major) => {
      const binary = nodeBinary(major);
      return { binary, version: execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().slice(1) };
    })
  : [{ binary: process.execPath, version: process.versions.node }];
// 50k modules takes the comparison tools many minutes on two cores: opt in with --large.
const sizes = quick ? [1000] : process.argv.includes('--large') ? [1000, 10000, 50000] : [1000, 10000];

/** Runs a command under /usr/bin/time: wall seconds and peak resident memory in MB. */
function measure(command, args, cwd) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const [seconds, kilobytes] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, mb: Math.round(kilobytes / 1024), status: result.status, stdout: result.stdout };
}

function eslintConfig(folder, ruleOptions = {}) {
  const file = join(folder, 'eslint.bench.mjs');
  const setting = JSON.stringify(['warn', ruleOptions]);
  writeFileSync(
    file,
    `import tseslint from '${join(toolsDir, 'node_modules/typescript-eslint/dist/index.js')}';
export default [{ files: ['**/*.ts', '**/*.tsx'], ignores: ['**/*.d.ts', '**/*.spec.ts', '**/*.spec.tsx'], languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: ${JSON.stringify(folder)} } }, plugins: { '@typescript-eslint': tseslint.plugin }, rules: { '@typescript-eslint/no-floating-promises': ${setting} } }];\n`,
  );
  return file;
}

/**
 * `floating-promise` against typescript-eslint's `no-floating-promises` on one codebase, line by line,
 * with `checkThenables` off (both tools' default) and on. The codebase has typings of its own (.d.ts).
 */
function agreement(folder, source) {
  const configFile = join(folder, 'reloadable.config.json');
  const original = readFileSync(configFile, 'utf8');
  const rows = [];
  for (const checkThenables of [false, true]) {
    const config = JSON.parse(original);
    config.rules = { ...config.rules, 'floating-promise': ['warning', { checkThenables, mode: 'typescript-eslint' }] };
    writeFileSync(configFile, JSON.stringify(config));
    const ours = JSON.parse(measure(process.execPath, [cli, 'check', folder, '--format', 'json'], folder).stdout);
    writeFileSync(configFile, original);
    const oursLines = new Set(ours.diagnostics.filter((d) => d.code === 'floating-promise').map((d) => `${d.file}:${d.line}`));
    const eslint = JSON.parse(
      measure(bin('eslint'), ['--no-config-lookup', '-c', eslintConfig(folder, { checkThenables }), '--format', 'json', source], folder).stdout,
    );
    const theirLines = new Set(
      eslint.flatMap((result) =>
        result.messages
          .filter((m) => m.ruleId === '@typescript-eslint/no-floating-promises')
          .map((m) => `${relative(folder, result.filePath).split(sep).join('/')}:${m.line}`),
      ),
    );
    const both = [...oursLines].filter((line) => theirLines.has(line)).length;
    rows.push({
      checkThenables,
      ours: oursLines.size,
      theirs: theirLines.size,
      both,
      onlyOurs: [...oursLines].filter((l) => !theirLines.has(l)),
      onlyTheirs: [...theirLines].filter((l) => !oursLines.has(l)),
    });
  }
  return rows;
}

/** Where the fixed cost of a run goes: `graph` on a one-module project, and a parse-only pass over a corpus. */
function fixedCost(folder, source) {
  const one = join(corpora, 'one-module');
  mkdirSync(one, { recursive: true });
  writeFileSync(join(one, 'main.ts'), 'export const answer = 42;\n');
  const runs = Array.from({ length: 5 }, () => measure(process.execPath, [cli, 'graph', one], one).seconds).sort((a, b) => a - b);
  const parse = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/parse-floor.ts'), join(folder, source)], { cwd: root, encoding: 'utf8' }),
  );
  return { oneModule: runs[2], parse };
}

function benchCorpus(label, folder, source, { eslint = true } = {}) {
  const rows = [];
  const row = (tool, task, m) => rows.push({ tool, task, ...m });
  row('reloadable', 'graph + layers + cycles', measure(process.execPath, [cli, 'graph', folder], folder));
  row(
    'dependency-cruiser ' + tools['dependency-cruiser'],
    'graph (post-compilation)',
    measure(bin('depcruise'), ['--no-config', '--ts-config', 'tsconfig.json', '--output-type', 'json', source], folder),
  );
  row('madge ' + tools.madge, 'graph', measure(bin('madge'), ['--json', '--extensions', 'ts,tsx', '--ts-config', 'tsconfig.json', source], folder));
  row('reloadable', 'check, syntactic rules', measure(process.execPath, [cli, 'check', folder, '--no-types', '--format', 'json'], folder));
  row('reloadable', 'check, all rules (type-aware included)', measure(process.execPath, [cli, 'check', folder, '--format', 'json'], folder));
  if (eslint)
    row(
      'ESLint + typescript-eslint',
      'no-floating-promises (type-aware)',
      measure(bin('eslint'), ['--no-config-lookup', '-c', eslintConfig(folder), '--format', 'json', source], folder),
    );
  const incremental = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/incremental.ts'), folder], { cwd: root, encoding: 'utf8' }),
  );
  return { label, modules: countModules(join(folder, source)), rows, incremental };
}

/** The analysis part: its section of RESULTS.md, as lines. */
function benchAnalysis() {
  installTools(toolsDir, tools);
  mkdirSync(corpora, { recursive: true });
  // The first start after a build compiles the bundle and writes V8's code cache; every later start reads it.
  // One start first, so each figure is a user's usual run, not the first after an install.
  measure(process.execPath, [cli, '--version'], root);
  const results = [];
  const core = join(corpora, 'theia-core');
  ensureTheia(core, ['core']);
  results.push(benchCorpus(`@theia/core ${theiaVersion} alone`, core, 'packages'));
  const theia = join(corpora, 'theia');
  ensureTheia(theia);
  const included = readdirSync(join(theia, 'packages')).length;
  results.push(benchCorpus(`@theia/* ${theiaVersion} sources (${included} of ${theiaPackages.length} listed packages)`, theia, 'packages'));
  for (const size of sizes) {
    const folder = join(corpora, `synthetic-${size}`);
    generate(folder, size);
    results.push(benchCorpus(`synthetic layered project, ${size} modules`, folder, 'src', { eslint: size <= 10000 }));
  }
  const lines = [
    "Each figure is one run of the whole process (after one start that fills the CLI's code cache): wall time and peak resident memory (`/usr/bin/time`).",
    '',
  ];
  const cost = fixedCost(core, 'packages');
  const coreGraph = results[0].rows.find((r) => r.task.startsWith('graph +')).seconds;
  lines.push(
    '### Fixed cost and the parse floor',
    '',
    `\`reloadable graph\` on a one-module project: **${cost.oneModule.toFixed(2)} s** (median of 5), the start-up every run pays (Node, the bundle`,
    `from V8's code cache, the config and tsconfig). A parse-only pass over @theia/core's ${cost.parse.files} modules with TypeScript's parser, in one`,
    `process: ${cost.parse.coldMs.toFixed(0)} ms the first time (${(cost.parse.coldMs / cost.parse.files).toFixed(2)} ms a module, the JIT still warming up), ${cost.parse.warmMs.toFixed(0)} ms the second`,
    `(${(cost.parse.warmMs / cost.parse.files).toFixed(2)} ms a module). The whole \`graph\` of @theia/core took ${coreGraph.toFixed(2)} s: ${(coreGraph - cost.oneModule - cost.parse.coldMs / 1000).toFixed(2)} s above start-up and the cold parse.`,
    '',
  );
  const agreed = agreement(core, 'packages');
  lines.push(
    `### floating-promise against typescript-eslint ${tools['typescript-eslint']} on @theia/core`,
    '',
    '@theia/core carries typings of its own (`src/typings/*.d.ts`, `src/browser/file-icons-js.d.ts`), which both tools read through its tsconfig.',
    'Lines reported by each, matched by file and line.',
    '',
    '| checkThenables | reloadable | typescript-eslint | both | agreement (both ÷ either) | only reloadable | only typescript-eslint |',
    '|---|---:|---:|---:|---:|---|---|',
  );
  for (const row of agreed) {
    const either = row.ours + row.theirs - row.both;
    const list = (items) =>
      items.length === 0
        ? '—'
        : items
            .slice(0, 5)
            .map((item) => `\`${item}\``)
            .join(', ') + (items.length > 5 ? `, … (${items.length})` : '');
    lines.push(
      `| ${row.checkThenables ? 'on' : 'off (default)'} | ${row.ours} | ${row.theirs} | ${row.both} | ${either === 0 ? '1.00' : (row.both / either).toFixed(2)} | ${list(row.onlyOurs)} | ${list(row.onlyTheirs)} |`,
    );
  }
  lines.push('');
  for (const result of results) {
    const ours = result.rows.find((r) => r.task.startsWith('graph +'));
    const cruiser = result.rows.find((r) => r.tool.startsWith('dependency-cruiser'));
    lines.push(
      `### ${result.label}`,
      '',
      `${result.modules} modules.`,
      '',
      '| tool | task | wall (s) | peak memory (MB) | exit |',
      '|---|---|---:|---:|---:|',
    );
    for (const r of result.rows) lines.push(`| ${r.tool} | ${r.task} | ${r.seconds.toFixed(2)} | ${r.mb} | ${r.status} |`);
    lines.push(
      '',
      `Graph time against dependency-cruiser: **${(ours.seconds / cruiser.seconds).toFixed(2)}×** (target ≤ 0.2×).`,
      `Re-analysing one edited module through the analysis API (30 edits): syntactic p50 ${result.incremental.syntactic.p50.toFixed(1)} ms, p95 ${result.incremental.syntactic.p95.toFixed(1)} ms; type-aware p50 ${result.incremental.typed.p50.toFixed(1)} ms, p95 ${result.incremental.typed.p95.toFixed(1)} ms.`,
      '',
    );
  }
  return lines;
}

const tsx = (script, ...args) =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', script), ...args.map(String)], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
const ms = (value) => value.toFixed(1);

/** The editor part: its section of RESULTS.md, as lines. */
function benchEditor() {
  // The VSIX users install, and the production bundles in it: the server measured is the one shipped.
  execFileSync('npm', ['run', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  installTools(toolsDir, tools);
  const theia = join(corpora, 'theia');
  ensureTheia(theia);
  const synthetic = join(corpora, 'synthetic-10000');
  generate(synthetic, 10000);
  const edits = quick ? 10 : 40;
  // The machine's load moves every figure: each server runs several times, the two alternating, and the
  // tables give the median of the runs with their range.
  const rounds = quick ? 1 : 3;
  const tsserver = join(toolsDir, 'node_modules/typescript/lib/tsserver.js');
  const servers = [
    { label: `@theia/* ${theiaVersion} sources`, folder: theia },
    { label: 'synthetic layered project', folder: synthetic },
  ].map(({ label, folder }) => {
    const ours = [];
    const anchor = [];
    for (let round = 0; round < rounds; round++) {
      ours.push(tsx('language-server.ts', folder, edits));
      anchor.push(tsx('tsserver.ts', tsserver, folder, edits));
    }
    return { label, ours, anchor };
  });
  execFileSync('bash', [join(root, 'test/e2e/setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const activation = tsx('activation.ts', quick ? 2 : 5);
  const bundle = readFileSync(join(root, 'client/out/extension.js'));
  const meta = JSON.parse(readFileSync(join(root, 'out/meta/extension.json'), 'utf8'));
  const inputs = Object.values(meta.outputs).find((output) => output.entryPoint === 'client/src/extension.ts').inputs;
  const libraryBytes = Object.entries(inputs)
    .filter(([file]) =>
      /node_modules\/(vscode-languageclient|vscode-languageserver-protocol|vscode-languageserver-types|vscode-jsonrpc|minimatch|brace-expansion|balanced-match|semver)\//.test(
        file,
      ),
    )
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  const kb = (bytes) => (bytes / 1024).toFixed(0);
  /** The median of one figure over the runs, with its range when there are several. */
  const figure = (runs, pick, digits) => {
    const values = runs.map(pick).sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)];
    return values.length > 1 ? `${median.toFixed(digits)} (${values[0].toFixed(digits)}–${values.at(-1).toFixed(digits)})` : median.toFixed(digits);
  };
  const median = (runs, pick) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const lines = [
    '## Editor',
    '',
    '### The language server against tsserver',
    '',
    `The production server (\`server/out/server.js\`) over stdio, driven as VS Code drives it, against TypeScript ${tools.typescript}'s own tsserver`,
    `on the same project and edits; ${rounds} run${rounds > 1 ? 's' : ''} of each, alternating, each figure the median with the range of the runs.`,
    '',
    '- **Start**: the first module of the project is opened at once. *First diagnostics*: to its first `publishDiagnostics` (the rules that need',
    "  no type checker) and the second (the type-aware rule too); tsserver's to its `syntaxDiag` and `semanticDiag` after `geterr`. *Whole",
    "  workspace*: ours to the end of the analysis of every module, both passes (the summary it sends once nothing is left to do); tsserver's",
    '  project load (`projectLoadingFinish`). *Memory*: resident, at the end of the start (ours after the whole workspace) and',
    '  again once the edits are done.',
    `- **Edits**: ${edits} edits of open modules spread over the project, each appending a dropped timer and a floating promise, timed from`,
    "  `didChange` to that version's two `publishDiagnostics`; tsserver's from `updateOpen` with `geterr` (no delay) to `syntaxDiag` and",
    '  `semanticDiag`.',
    '',
    '| project | server | modules | first diagnostics (s) | first type-aware (s) | whole workspace / project load (s) | memory after start (MB) | memory after edits (MB) | syntactic p50 (ms) | syntactic p95 (ms) | type-aware p50 (ms) | type-aware p95 (ms) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { label, ours, anchor } of servers) {
    for (const [name, runs] of [
      ['reloadable', ours],
      [`tsserver ${tools.typescript}`, anchor],
    ]) {
      lines.push(
        `| ${label} | ${name} | ${runs[0].modules} | ${figure(runs, (r) => r.firstSyntaxSeconds, 2)} | ${figure(runs, (r) => r.firstTypedSeconds, 2)} | ${figure(runs, (r) => r.workspaceSeconds, 1)} | ${figure(runs, (r) => r.rssMb, 0)} | ${figure(runs, (r) => r.rssAfterEditsMb, 0)} | ${figure(runs, (r) => r.syntactic.p50, 1)} | ${figure(runs, (r) => r.syntactic.p95, 1)} | ${figure(runs, (r) => r.typed.p50, 1)} | ${figure(runs, (r) => r.typed.p95, 1)} |`,
      );
    }
  }
  lines.push(
    '',
    '**Targets**, medians of the runs against the anchor measured beside them:',
    '',
    '| project | target | reloadable | anchor | met |',
    '|---|---|---:|---:|---|',
  );
  for (const { label, ours, anchor } of servers) {
    const targets = [
      ["first type-aware diagnostics of an open module ≤ tsserver's first `semanticDiag`", (r) => r.firstTypedSeconds, 1, 's', 2],
      ["type-aware p95 ≤ 0.6 × tsserver's", (r) => r.typed.p95, 0.6, 'ms', 1],
      ["whole workspace ≤ tsserver's project load", (r) => r.workspaceSeconds, 1, 's', 1],
      ["resident memory after start ≤ tsserver's", (r) => r.rssMb, 1, 'MB', 0],
      ["resident memory after the edits ≤ tsserver's", (r) => r.rssAfterEditsMb, 1, 'MB', 0],
    ];
    for (const [target, pick, factor, unit, digits] of targets) {
      const value = median(ours, pick);
      const bound = median(anchor, pick) * factor;
      lines.push(
        `| ${label} | ${target} | ${value.toFixed(digits)} ${unit} | ${bound.toFixed(digits)} ${unit}${factor === 1 ? '' : ` (${factor} × ${median(anchor, pick).toFixed(digits)})`} | ${value <= bound ? 'yes' : '**no**'} |`,
      );
    }
  }
  lines.push(
    '',
    '### Extension activation',
    '',
    `As VS Code shows it in Developer: Show Running Extensions (code loading plus the \`activate\` call), in code-server with the packaged`,
    `VSIX, on examples/layered-service; ${activation.rounds} rounds, each in a code-server of its own. The anchor is the built-in`,
    'TypeScript extension in the same windows, activated by opening a module.',
    '',
    '| extension | min (ms) | p50 (ms) | max (ms) |',
    '|---|---:|---:|---:|',
    `| Reloadable | ${activation.ours.min} | ${activation.ours.p50} | ${activation.ours.max} |`,
    `| ${activation.anchor.name} | ${activation.anchor.min} | ${activation.anchor.p50} | ${activation.anchor.max} |`,
    '',
    `Target: ≤ 200 ms (p50 ${activation.ours.p50}, max ${activation.ours.max}).`,
    '',
    '### Client bundle',
    '',
    `\`client/out/extension.js\`, minified: ${kb(bundle.length)} KB (${kb(gzipSync(bundle).length)} KB gzipped); vscode-languageclient with the protocol,`,
    `JSON-RPC and matching libraries it brings is ${kb(libraryBytes)} KB of it, the extension's own code and shared modules ${kb(bundle.length - libraryBytes)} KB.`,
    `Target: ≤ 300 KB (${kb(bundle.length)}).`,
    '',
  );
  return lines;
}

/** A part's lines between its markers, so a run of one part leaves the other's figures in place. */
const marked = (part, lines) => [`<!-- ${part}: start -->`, ...lines, `<!-- ${part}: end -->`].join('\n');
const resultsFile = join(root, 'bench/RESULTS.md');
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const previousPart = (part) =>
  new RegExp(`<!-- ${part}: start -->[\\s\\S]*?<!-- ${part}: end -->`).exec(previous)?.[0] ??
  marked(part, ['Not measured yet: `npm run bench`.', '']);
const stamp = `${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${nodes.map(({ version }) => version).join(' and ')}${quick ? ' (--quick: fewer rounds, reloads and edits)' : ''}`;

/** Transform cost per file: the runtime's pipeline against esbuild's and TypeScript's transforms. */
function transformSection() {
  const result = tsx('transform.ts');
  const lines = [
    '## Transform cost per file',
    '',
    `The repository's own ${result.files} TypeScript files (${(result.bytes / 1024).toFixed(0)} KB; ${result.withDecorators} with decorators, the Nest conformance app's), each transformed`,
    'three times in one process, the first round discarded; legacy decorators with metadata asked for. The runtime compiles with oxc, then',
    "rewrites the module (imports, exports, call counting) on oxc-parser's tree; it used esbuild's transform API before.",
    '',
    '| transformer | p50 per file (ms) | p95 per file (ms) | all files (ms) |',
    '|---|---:|---:|---:|',
  ];
  for (const row of result.rows) lines.push(`| ${row.name} | ${row.p50.toFixed(2)} | ${row.p95.toFixed(2)} | ${row.totalMs.toFixed(0)} |`);
  lines.push('');
  return lines;
}

/** The runtime part on each Node: the runtime and unmodified apps measured on it, then side by side. */
async function runtimePart() {
  const perNode = [];
  for (const { binary, version } of nodes) {
    process.stderr.write(`bench runtime: on Node ${version}\n`);
    perNode.push({
      version,
      result: await benchRuntime({ toolsDir: join(toolsDir, 'runtime'), quick, node: binary }),
      unmodified: await benchUnmodified({ toolsDir: join(toolsDir, 'unmodified'), quick, node: binary }),
    });
  }
  const onNode = (lines, version) => (nodes.length > 1 ? lines.map((line) => (line.startsWith('## ') ? `${line}, Node ${version}` : line)) : lines);
  return [
    ...(nodes.length > 1
      ? [...runtimeByNode(perNode), ...startupByNode(perNode.map(({ version, unmodified }) => ({ version, result: unmodified })))]
      : []),
    ...perNode.flatMap(({ version, result, unmodified }) => [
      ...onNode(runtimeSection(result), version),
      ...onNode(unmodifiedSection(unmodified), version),
    ]),
    ...transformSection(),
  ];
}

const runs = {
  runtime: runtimePart,
  serving: async () => {
    const perNode = [];
    for (const { binary, version } of nodes)
      perNode.push({ version, result: await benchServing({ toolsDir: join(toolsDir, 'runtime'), quick, node: binary }) });
    return servingSection(perNode);
  },
  cluster: async () => clusterSection(await benchCluster({ toolsDir: join(toolsDir, 'cluster'), quick })),
  apps: async () => realAppsSection(await benchRealApps()),
  analysis: async () => ['## Analysis', '', ...benchAnalysis()],
  precision: async () => precisionSection(benchPrecision()),
  editor: async () => benchEditor(),
};
const sections = [];
for (const part of parts)
  sections.push(only && only !== part ? previousPart(part) : marked(part, [`Measured ${stamp}.`, '', ...(await runs[part]())]), '');
const text = ['# Benchmark results', '', 'Written by `npm run bench`. Each part measures its anchors in the same run.', '', ...sections].join('\n');
writeFileSync(resultsFile, text);
process.stdout.write(text);
