// Runs one tier of tests with Node's test runner; TypeScript is loaded through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tier = process.argv[2];
const folder = join(import.meta.dirname, tier);
const files = [];
// test/e2e/suite runs inside VS Code's extension host (mocha), not here; test/e2e/.tools holds code-server.
const skipped = new Set(['suite', '.tools', 'node_modules', 'apps']);
const collect = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) {
      if (!skipped.has(name)) collect(file);
    } else if (name.endsWith('.test.ts')) files.push(file);
  }
};
collect(folder);
if (files.length === 0) {
  console.error(`no tests in ${folder}`);
  process.exit(1);
}
const concurrency = tier === 'unit' ? [] : ['--test-concurrency=1'];
// RELOADABLE_TEST_JUNIT=<file>: a JUnit report too, for test/nodes.mjs to read which tests failed.
const junit = process.env.RELOADABLE_TEST_JUNIT;
const reporters = junit
  ? ['--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=junit', `--test-reporter-destination=${junit}`]
  : ['--test-reporter=spec'];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...concurrency, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
