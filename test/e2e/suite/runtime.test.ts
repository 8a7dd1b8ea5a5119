// Runs inside the real extension host with a copy of examples/layered-service open: the extension finds the
// app it starts under `reloadable run`, reloads an edit, shows a rollback for a faulty one and a leaked timer
// at its line, is refused with a forged token, and reconnects when the app restarts. The app is a real child process; the reloads go through
// the real control socket.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { ReloadResult } from '../../../src-shared/control-protocol';
import type { ReloadableApi } from '../../../client/src/extension';
import type { AppState } from '../../../client/src/apps';
import { freePort, request } from '../../helpers/net';

function test(suite: Mocha.Suite, title: string, fn: () => Promise<void>): void {
  suite.addTest(new Mocha.Test(title, fn));
}

async function fetchJson(port: number): Promise<{ version: number; path: string; greeting?: string }> {
  return JSON.parse(await request(port, '/e2e'));
}

/** Resolves once the extension's app state satisfies `ready`, checked on every change. */
function appState(api: ReloadableApi, ready: (state: AppState) => boolean, what: string): Promise<AppState> {
  return new Promise((resolve, reject) => {
    if (ready(api.apps.current)) return resolve(api.apps.current);
    const listener = api.apps.onDidChange((state) => {
      if (!ready(state)) return;
      listener.dispose();
      clearTimeout(timer);
      resolve(state);
    });
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out waiting for ${what}; state: ${api.apps.current.kind}`));
    }, 30_000);
  });
}

class App {
  output = '';
  private constructor(readonly child: ChildProcess) {}

  static start(folder: string, port: number): App {
    const cli = path.join(process.env.RELOADABLE_REPO ?? path.resolve(__dirname, '../../..'), 'runtime/bin/reloadable.cjs');
    // The extension host's own Node may be Electron's: run the CLI with the Node on the PATH.
    const child = spawn('node', [cli, 'run', 'src/main.ts'], {
      cwd: folder,
      env: { ...process.env, PORT: String(port), ELECTRON_RUN_AS_NODE: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new App(child);
    child.stdout!.on('data', (chunk) => (app.output += chunk));
    child.stderr!.on('data', (chunk) => (app.output += chunk));
    return app;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    process.kill(-this.child.pid!, 'SIGTERM');
    await exited;
  }
}

/** Resolves with the runtime's diagnostics on `uri` once there are some. */
function runtimeDiagnostics(uri: vscode.Uri, code = 'runtime-leak'): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const ours = () =>
      vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'reloadable runtime' && diagnostic.code === code);
    const listener = vscode.languages.onDidChangeDiagnostics(() => {
      if (ours().length === 0) return;
      listener.dispose();
      clearTimeout(timer);
      resolve(ours());
    });
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error('timed out waiting for a runtime diagnostic'));
    }, 30_000);
  });
}

async function replaceInFile(uri: vscode.Uri, search: string | RegExp, replacement: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const next = text.replace(search, replacement);
  assert.notEqual(next, text, `${search} occurs in ${uri.path}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), next);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await document.save());
}

export function defineRuntimeTests(root: Mocha.Suite): void {
  const suite = Mocha.Suite.create(root, 'Reloadable drives the runtime');
  let api: ReloadableApi;
  let app: App | undefined;
  let port: number;
  const folder = () => vscode.workspace.workspaceFolders![0].uri;
  const routes = () => vscode.Uri.joinPath(folder(), 'src/http/routes.ts');

  suite.beforeAll(async () => {
    const extension = vscode.extensions.getExtension<ReloadableApi>('reloadable.reloadable');
    assert.ok(extension);
    api = await extension.activate();
    port = await freePort();
    app = App.start(folder().fsPath, port);
  });
  suite.afterAll(async () => {
    await app?.stop();
  });

  test(suite, 'finds the app through its discovery file and connects', async () => {
    const state = await appState(api, (candidate) => candidate.kind === 'connected', 'the app to connect');
    assert.equal(state.kind === 'connected' && state.discovery.entry, 'src/main.ts');
    assert.ok(state.kind === 'connected' && state.status.modules.some((module) => module.id === 'src/http/routes.ts'));
    assert.equal((await fetchJson(port)).version, 1);
  });

  test(suite, 'reloads an edited module in graph order, and the app serves the new version', async () => {
    await replaceInFile(
      routes(),
      'response.end(JSON.stringify({ path, count, version:',
      "response.end(JSON.stringify({ path, count, greeting: 'hello from e2e', version:",
    );
    const result = await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
    assert.equal(result?.outcome, 'committed', JSON.stringify(result?.error));
    assert.deepEqual(result.changed, ['src/http/routes.ts']);
    assert.ok(result.loadOrder.includes('src/http/routes.ts'));
    const body = await fetchJson(port);
    assert.equal(body.greeting, 'hello from e2e');
    assert.equal(body.version, 2);
  });

  test(suite, 'a syntax error rolls back with its module, phase and line, and the old version keeps serving', async () => {
    await replaceInFile(routes(), "greeting: 'hello from e2e',", "greeting: 'hello from e2e' +,");
    const result = await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
    assert.equal(result?.outcome, 'rolled-back');
    assert.equal(result.error?.module, 'src/http/routes.ts');
    assert.equal(result.error?.phase, 'transform');
    assert.ok(result.error?.line, 'the failure carries its line');
    const body = await fetchJson(port);
    assert.equal(body.greeting, 'hello from e2e');
    await replaceInFile(routes(), "greeting: 'hello from e2e' +,", "greeting: 'hello from e2e',");
  });

  test(suite, 'what a retired version could not stop shows as a diagnostic at the line that created it', async () => {
    // A child process that ignores SIGTERM: the runtime asks it to end when its version retires, and it does not.
    const leak = `\nimport { spawn as spawnChild } from 'node:child_process';\nspawnChild(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)']); // stubborn\n`;
    await replaceInFile(routes(), /\n$/, `\n${leak}`);
    const line = (await vscode.workspace.openTextDocument(routes()))
      .getText()
      .split('\n')
      .findIndex((text) => text.startsWith('spawnChild('));
    const first = await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
    assert.equal(first?.outcome, 'committed', JSON.stringify(first?.error));
    const diagnostics = runtimeDiagnostics(routes());
    await replaceInFile(routes(), leak, '\n');
    const second = await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
    assert.equal(second?.outcome, 'committed', JSON.stringify(second?.error));
    const report = second.leaks.find((candidate) => candidate.line === line + 1);
    try {
      assert.ok(report, `the result reports the leak: ${JSON.stringify(second.leaks)}`);
      const [diagnostic] = await diagnostics;
      assert.equal(diagnostic.range.start.line, line);
      assert.equal(diagnostic.code, 'runtime-leak');
      assert.match(diagnostic.message, /Still alive after src\/http\/routes\.ts v\d+ was retired: child process/);
    } finally {
      const pid = Number(/pid (\d+)/.exec(report?.description ?? '')?.[1]);
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });

  test(suite, 'a fault of the running code shows as a diagnostic at the throwing line, and the app keeps serving', async () => {
    const fault = `\nsetTimeout(() => {\n  throw new Error('thrown on purpose');\n}, 500);\n`;
    await replaceInFile(routes(), /\n$/, `\n${fault}`);
    const line = (await vscode.workspace.openTextDocument(routes()))
      .getText()
      .split('\n')
      .findIndex((text) => text.includes("throw new Error('thrown on purpose')"));
    const diagnostics = runtimeDiagnostics(routes(), 'runtime-fault');
    const result = await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
    assert.equal(result?.outcome, 'committed', JSON.stringify(result?.error));
    const [found] = await diagnostics;
    assert.ok(found, 'a runtime-fault diagnostic');
    assert.equal(found.range.start.line, line);
    assert.match(found.message, /threw outside any caller: thrown on purpose \(the app kept running\)/);
    assert.equal((await fetchJson(port)).greeting, 'hello from e2e', 'the app keeps serving');
    await replaceInFile(routes(), fault, '\n');
    await vscode.commands.executeCommand<ReloadResult>('reloadable.reload');
  });

  test(suite, 'refuses to drive an app with a token that is not its own, says so, and recovers', async () => {
    const state = api.apps.current;
    assert.ok(state.kind === 'connected');
    const real = state.discovery;
    // A newer discovery file for the same socket with a forged token (the pid must be alive: ours).
    const forged = path.join(real.project, '.reloadable', `${process.pid}.json`);
    fs.writeFileSync(
      forged,
      JSON.stringify({ ...real, pid: process.pid, token: 'f'.repeat(real.token.length), startedAt: new Date().toISOString() }),
      { mode: 0o600 },
    );
    try {
      const refused = await appState(api, (candidate) => candidate.kind === 'refused', 'the forged token to be refused');
      assert.match(refused.kind === 'refused' ? refused.message : '', /wrong token/);
      assert.equal((await fetchJson(port)).greeting, 'hello from e2e', 'the app keeps serving');
    } finally {
      fs.rmSync(forged, { force: true });
    }
    const back = await appState(api, (candidate) => candidate.kind === 'connected' && candidate.discovery.pid === real.pid, 'the real app again');
    assert.equal(back.kind, 'connected');
  });

  test(suite, 'reconnects when the app restarts', async () => {
    const before = api.apps.current.kind === 'connected' ? api.apps.current.discovery.pid : undefined;
    await app!.stop();
    await appState(api, (state) => state.kind === 'none', 'the connection to drop');
    app = App.start(folder().fsPath, port);
    const state = await appState(
      api,
      (candidate) => candidate.kind === 'connected' && candidate.discovery.pid !== before,
      'the restarted app to connect',
    );
    assert.equal(state.kind, 'connected');
    assert.equal((await fetchJson(port)).greeting, 'hello from e2e');
  });
}
