// The unit, integration and conformance tiers on the other Node versions people run: 22 and 24 (LTS), next to
// the one `npm test` runs on. Node comes from the npm registry (the `node-<os>-<arch>` packages carry the
// official binaries), installed once into test/.tools/node-<major>, so CI needs no other download.
//   node test/nodes.mjs                  every version, every tier
//   node test/nodes.mjs 24 --tiers unit  one version, one tier
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The versions tested: the newest of each line when this was written. Raise them as new ones come out. */
const versions = { 22: '22.23.5', 24: '24.22.3' };
const allTiers = ['unit', 'integration', 'conformance'];

const root = join(import.meta.dirname, '..');
const tools = process.env.RELOADABLE_NODE_TOOLS ?? join(import.meta.dirname, '.tools');
const args = process.argv.slice(2);
const tiersAt = args.indexOf('--tiers');
const tiers = tiersAt >= 0 ? args[tiersAt + 1].split(',') : allTiers;
const majors = args.filter((arg, index) => /^\d+$/.test(arg) && (tiersAt < 0 || index !== tiersAt + 1));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const tier of tiers) if (!allTiers.includes(tier)) fail(`unknown tier "${tier}": the tiers are ${allTiers.join(', ')}`);
for (const major of majors) if (!versions[major]) fail(`Node ${major} is not one this script tests: it tests ${Object.keys(versions).join(' and ')}`);

/** The node binary of a version, installed from the registry when it is not there yet. */
function installNode(version) {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const name = `node-${platform}-${process.arch}`;
  const folder = join(tools, `node-${version.split('.')[0]}`);
  const binary = join(folder, 'node_modules', name, process.platform === 'win32' ? 'bin/node.exe' : 'bin/node');
  if (existsSync(binary) && spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim() === `v${version}`) return binary;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
  console.log(`installing ${name}@${version} into ${folder}`);
  const install = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', `${name}@${version}`], {
    cwd: folder,
    stdio: 'inherit',
  });
  if (install.status !== 0 || !existsSync(binary)) fail(`could not install ${name}@${version} from the registry (npm exited ${install.status})`);
  return binary;
}

function fail(message) {
  console.error(`test/nodes.mjs: ${message}`);
  process.exit(2);
}

const results = [];
for (const major of majors.length > 0 ? majors : Object.keys(versions)) {
  const node = installNode(versions[major]);
  // The tiers start `node`, `npm` and `npx` by name too: the version under test comes first on the PATH.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
  for (const tier of tiers) {
    console.log(`\n=== Node ${versions[major]}: ${tier} ===`);
    const started = performance.now();
    const run = spawnSync(node, [join(root, 'test/run.mjs'), tier], { cwd: root, env, stdio: 'inherit' });
    results.push({ node: versions[major], tier, ok: run.status === 0, seconds: Math.round((performance.now() - started) / 1000) });
  }
}

console.log('\nNode versions:');
for (const { node, tier, ok, seconds } of results) console.log(`  ${ok ? 'pass' : 'FAIL'}  Node ${node}  ${tier} (${seconds} s)`);
process.exit(results.every((result) => result.ok) ? 0 : 1);
