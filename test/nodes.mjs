// The unit, integration and conformance tiers on the other Node versions people run: 22 and 24 (LTS), next to
// the one `npm test` runs on. Node comes from the npm registry (the `node-<os>-<arch>` packages carry the
// official binaries), installed once into test/.tools/node-<major>, so CI needs no other download.
//   node test/nodes.mjs                  what `npm test` runs: every tier on 24; unit and conformance on 22
//   node test/nodes.mjs --all            every version, every tier
//   node test/nodes.mjs 24 --tiers unit  one version, one tier
// Node 22 (22.15 and later) loads through the same in-thread hooks as 24, which the integration tier covers on 24;
// the default keeps CI short.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { defaultTools, nodeBinary, nodeVersions } from './node-versions.mjs';

/** The versions tested here, besides the one `npm test` runs on. */
const versions = Object.fromEntries([22, 24].map((major) => [major, nodeVersions[major]]));
const allTiers = ['unit', 'integration', 'conformance'];
/**
 * Failures of the runtime's own on a Node version, each written up with its reproduction for the runtime's
 * owners (docs/node-versions.md): reported on every run, not failing it; any other failure does, and a known one
 * that passes again is said, so it leaves this list.
 */
const knownFailures = {};

const root = join(import.meta.dirname, '..');
const tools = process.env.RELOADABLE_NODE_TOOLS ?? defaultTools;
const args = process.argv.slice(2);
const tiersAt = args.indexOf('--tiers');
const tiers = tiersAt >= 0 ? args[tiersAt + 1].split(',') : allTiers;
const defaultTiers = { 22: ['unit', 'conformance'], 24: allTiers };
const tiersOf = (major) => (tiersAt >= 0 || args.includes('--all') ? tiers : defaultTiers[major]);
const majors = args.filter((arg, index) => /^\d+$/.test(arg) && (tiersAt < 0 || index !== tiersAt + 1));

for (const tier of tiers) if (!allTiers.includes(tier)) fail(`unknown tier "${tier}": the tiers are ${allTiers.join(', ')}`);
for (const major of majors) if (!versions[major]) fail(`Node ${major} is not one this script tests: it tests ${Object.keys(versions).join(' and ')}`);

function fail(message) {
  console.error(`test/nodes.mjs: ${message}`);
  process.exit(2);
}

/** The names of the failed tests in a JUnit report of Node's test runner. */
function failedTests(report) {
  const xml = existsSync(report) ? readFileSync(report, 'utf8') : '';
  const unescape = (text) => text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]);
  return [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)]
    .filter(([, , body]) => body?.includes('<failure'))
    .map(([, name]) => unescape(name));
}

const results = [];
for (const major of majors.length > 0 ? majors : Object.keys(versions)) {
  let node;
  try {
    node = nodeBinary(major, tools);
  } catch (error) {
    fail(error.message);
  }
  // The tiers start `node`, `npm` and `npx` by name too: the version under test comes first on the PATH.
  const report = join(tools, `junit-${major}.xml`);
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}`, RELOADABLE_TEST_JUNIT: report };
  const known = knownFailures[major] ?? [];
  for (const tier of tiersOf(major)) {
    console.log(`\n=== Node ${versions[major]}: ${tier} ===`);
    rmSync(report, { force: true });
    const started = performance.now();
    const run = spawnSync(node, [join(root, 'test/run.mjs'), tier], { cwd: root, env, stdio: 'inherit' });
    const failed = failedTests(report);
    const unknown = failed.filter((name) => !known.includes(name));
    // A run that failed with no failed test in its report (a crash, a file that did not load) fails as it is.
    const ok = run.status === 0 || (failed.length > 0 && unknown.length === 0);
    results.push({
      node: versions[major],
      tier,
      ok,
      seconds: Math.round((performance.now() - started) / 1000),
      knownFailed: failed.filter((name) => known.includes(name)),
    });
  }
  const stillKnown = new Set(results.filter((result) => result.node === versions[major]).flatMap((result) => result.knownFailed));
  for (const name of known)
    if (!stillKnown.has(name) && tiersOf(major).length === allTiers.length)
      console.log(`Node ${versions[major]}: "${name}" passes now: take it off knownFailures.`);
}

console.log('\nNode versions:');
for (const { node, tier, ok, seconds, knownFailed } of results) {
  const known = knownFailed.length > 0 ? `; known runtime failures (docs/node-versions.md): ${knownFailed.join('; ')}` : '';
  console.log(`  ${ok ? 'pass' : 'FAIL'}  Node ${node}  ${tier} (${seconds} s)${known}`);
}
process.exit(results.every((result) => result.ok) ? 0 : 1);
