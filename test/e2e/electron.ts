// The extension-host suites (test/e2e/suite) in a desktop VS Code that @vscode/test-electron downloads: for
// machines that can reach update.code.visualstudio.com. Where it cannot (CI here), the same suites run in
// code-server through test/e2e/extension.test.ts. Run with `npm run test:e2e:electron` after `npm run build`.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../helpers/cli';
import { copyWorkspace } from '../helpers/code-server';

const suites: Array<[folder: string, suite: string]> = [
  ['test/fixtures/workspaces/hazards', 'hazards'],
  ['examples/layered-service', 'runtime'],
];

async function main(): Promise<void> {
  for (const [folder, suite] of suites) {
    const workspace = copyWorkspace(folder, suite);
    console.log(`suite ${suite} on a copy of ${folder}`);
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'out/test/e2e/index'),
      extensionTestsEnv: { RELOADABLE_REPO: repoRoot },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
