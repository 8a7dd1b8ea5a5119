// The mocha runner VS Code's extension host loads through `extensionTestsPath` (code-server's `payload` URL,
// or @vscode/test-electron's runTests): it runs the suite that fits the open workspace and resolves or rejects
// with the outcome. The workspace names its suite in `.e2e-suite` (written by the test that copies it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { defineExtensionTests } from './extension.test';
import { defineRuntimeTests } from './runtime.test';

const suites: Record<string, (root: Mocha.Suite) => void> = { hazards: defineExtensionTests, runtime: defineRuntimeTests };

export function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const marker = folder ? path.join(folder, '.e2e-suite') : undefined;
  const name = marker && fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : 'hazards';
  const define = suites[name];
  if (!define) return Promise.reject(new Error(`no e2e suite named ${name}`));
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  define(mocha.suite);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
