// `npm run bench`: two parts, each against its anchors in the same run, written to bench/RESULTS.md.
// - analysis: our CLI against dependency-cruiser, madge and ESLint (typescript-eslint's type-aware
//   no-floating-promises) on the same corpora; wall time and peak memory of each process.
// - runtime (bench/runtime.mjs): hot reload under load against node --watch, dynohot, hot-hook and Vite.
// `--only analysis` or `--only runtime` runs one part and keeps the other's last figures. `--quick` for a
// short run while working on the bench itself. Corpora and tools come through npm into bench/.corpora and bench/.tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { countModules, ensureTheia, ensureTools, theiaPackages, theiaVersion, tools } from './corpora.mjs';
import { generate } from './generate-synthetic.mjs';
import { benchRuntime, runtimeSection } from './runtime.mjs';

const root = join(import.meta.dirname, '..');
const corpora = join(root, 'bench/.corpora');
const toolsDir = join(root, 'bench/.tools');
const bin = (name) => join(toolsDir, 'node_modules/.bin', name);
const cli = join(root, 'bin/reloadable.js');
const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only && only !== 'analysis' && only !== 'runtime') throw new Error(`--only takes analysis or runtime, not ${only}`);
// 50k modules takes the comparison tools many minutes on two cores: opt in with --large.
const sizes = quick ? [1000] : process.argv.includes('--large') ? [1000, 10000, 50000] : [1000, 10000];

/** Runs a command under /usr/bin/time: wall seconds and peak resident memory in MB. */
function measure(command, args, cwd) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const [seconds, kilobytes] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, mb: Math.round(kilobytes / 1024), status: result.status, stdout: result.stdout };
}

function eslintConfig(folder) {
  const file = join(folder, 'eslint.bench.mjs');
  writeFileSync(file, `import tseslint from '${join(toolsDir, 'node_modules/typescript-eslint/dist/index.js')}';
export default [{ files: ['**/*.ts', '**/*.tsx'], ignores: ['**/*.d.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: ${JSON.stringify(folder)} } }, plugins: { '@typescript-eslint': tseslint.plugin }, rules: { '@typescript-eslint/no-floating-promises': 'warn' } }];\n`);
  return file;
}

function benchCorpus(label, folder, source, { eslint = true } = {}) {
  const rows = [];
  const row = (tool, task, m) => rows.push({ tool, task, ...m });
  row('reloadable', 'graph + layers + cycles', measure(process.execPath, [cli, 'graph', folder], folder));
  row('dependency-cruiser ' + tools['dependency-cruiser'], 'graph (post-compilation)', measure(bin('depcruise'), ['--no-config', '--ts-config', 'tsconfig.json', '--output-type', 'json', source], folder));
  row('madge ' + tools.madge, 'graph', measure(bin('madge'), ['--json', '--extensions', 'ts,tsx', '--ts-config', 'tsconfig.json', source], folder));
  row('reloadable', 'check, syntactic rules', measure(process.execPath, [cli, 'check', folder, '--no-types', '--format', 'json'], folder));
  row('reloadable', 'check, all rules (type-aware included)', measure(process.execPath, [cli, 'check', folder, '--format', 'json'], folder));
  if (eslint) row('ESLint + typescript-eslint', 'no-floating-promises (type-aware)', measure(bin('eslint'), ['--no-config-lookup', '-c', eslintConfig(folder), '--format', 'json', source], folder));
  const incremental = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/incremental.ts'), folder], { cwd: root, encoding: 'utf8' }));
  return { label, modules: countModules(join(folder, source)), rows, incremental };
}

/** The analysis part: its section of RESULTS.md, as lines. */
function benchAnalysis() {
  ensureTools(toolsDir);
  mkdirSync(corpora, { recursive: true });
  const results = [];
  const theia = join(corpora, 'theia');
  ensureTheia(theia);
  const included = readdirSync(join(theia, 'packages')).length;
  results.push(benchCorpus(`@theia/* ${theiaVersion} sources (${included} of ${theiaPackages.length} listed packages)`, theia, 'packages'));
  for (const size of sizes) {
    const folder = join(corpora, `synthetic-${size}`);
    generate(folder, size);
    results.push(benchCorpus(`synthetic layered project, ${size} modules`, folder, 'src', { eslint: size <= 10000 }));
  }
  const lines = ['Each figure is one run of the whole process: wall time and peak resident memory (`/usr/bin/time`).', ''];
  for (const result of results) {
    const ours = result.rows.find((r) => r.task.startsWith('graph +'));
    const cruiser = result.rows.find((r) => r.tool.startsWith('dependency-cruiser'));
    lines.push(`### ${result.label}`, '', `${result.modules} modules.`, '', '| tool | task | wall (s) | peak memory (MB) | exit |', '|---|---|---:|---:|---:|');
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

/** A part's lines between its markers, so a run of one part leaves the other's figures in place. */
const marked = (part, lines) => [`<!-- ${part}: start -->`, ...lines, `<!-- ${part}: end -->`].join('\n');
const resultsFile = join(root, 'bench/RESULTS.md');
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const previousPart = (part) => new RegExp(`<!-- ${part}: start -->[\\s\\S]*?<!-- ${part}: end -->`).exec(previous)?.[0] ?? marked(part, ['Not measured yet: `npm run bench`.', '']);
const stamp = `${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

const runtimePart = only === 'analysis' ? previousPart('runtime') : marked('runtime', [`Measured ${stamp}.`, '', ...runtimeSection(await benchRuntime({ toolsDir: join(toolsDir, 'runtime'), quick }))]);
const analysisPart = only === 'runtime' ? previousPart('analysis') : marked('analysis', [`Measured ${stamp}.`, '', '## Analysis', '', ...benchAnalysis()]);
const text = ['# Benchmark results', '', 'Written by `npm run bench`. Both parts measure their anchors in the same run.', '', runtimePart, '', analysisPart, ''].join('\n');
writeFileSync(resultsFile, text);
process.stdout.write(text);
