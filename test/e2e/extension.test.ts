// The extension in a real VS Code (code-server 4.100.3 in headless Chromium, see test/e2e/setup.sh): the
// packaged .vsix installed and used as a person would, then the mocha suite inside the extension host.
// Screenshots go to test/artifacts/e2e.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot } from '../helpers/cli';
import { CodeServer, copyWorkspace, focusRow, openBrowser, openWorkbench, runCommand, screenshot } from '../helpers/code-server';
import { freePort, request } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';
import { eventually } from '../helpers/wait';

const vsix = path.join(repoRoot, 'out/reloadable.vsix');

before(() => {
  // The VSIX users install: production bundles, the .vscodeignore allowlist.
  execFileSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
});

/** A test of the workbench that leaves a screenshot behind when it fails. */
function uiTest(title: string, page: () => Page, fn: () => Promise<void>): void {
  test(title, async () => {
    try {
      await fn();
    } catch (error) {
      await screenshot(page(), `failed-${title.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * For the describe it is called in: a fresh code-server with the packaged extension, and the workbench of
 * what `open` prepares (a folder, or a `.code-workspace` file) loaded in Chromium and handed to `opened`.
 * With `logs`, the workbench's logs are kept under test/artifacts/e2e/logs/<logs>.
 */
function packagedWorkbench(open: () => string | Promise<string>, opened: (page: Page) => void, logs?: string): void {
  let server: CodeServer | undefined;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
  before(async () => {
    const target = await open();
    server = await CodeServer.start({ vsix });
    browser = await openBrowser();
    await openWorkbench(browser.page, server.url(target));
    opened(browser.page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop(logs);
  });
}

describe('the packaged extension in VS Code', () => {
  let page: Page;
  const workspace = copyWorkspace('test/fixtures/workspaces/hazards');
  packagedWorkbench(
    () => workspace,
    (opened) => (page = opened),
  );

  uiTest(
    'the status bar shows the modules, layers and hazards',
    () => page,
    async () => {
      // Four modules, two layers, two hazards (one error): the analysis of the whole folder has finished.
      // Codicons render as empty spans, so the text runs "4 · 2 layers ·  2 · no runtime".
      const item = page.locator('.statusbar-item', { hasText: /4 · 2 layers ·\s*2 · no runtime/ });
      await item.waitFor({ timeout: 60_000 });
      await screenshot(page, '1-status-bar');
    },
  );

  uiTest(
    'the Problems panel lists both hazards with their codes',
    () => page,
    async () => {
      await runCommand(page, 'View: Focus Problems');
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.filter({ hasText: 'unowned-timer' }).first().waitFor({ timeout: 30_000 });
      await rows.filter({ hasText: 'layer-violation' }).first().waitFor();
      await screenshot(page, '2-problems');
    },
  );

  uiTest(
    'the dropped timer is squiggled, and its quick fix removes it',
    () => page,
    async () => {
      // From the Problems row to the line, as a person would.
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'unowned-timer' }).first().dblclick();
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.squiggly-warning').first().waitFor({ timeout: 30_000 });
      await screenshot(page, '3-squiggle');
      const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'import.meta.hot.setInterval' });
      // VS Code cancels a code action request when a provider registers meanwhile (the TypeScript extension
      // activating on the first .ts file): the menu then shows nothing, and a person presses Ctrl+. again.
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('Control+.');
        try {
          await fix.waitFor({ timeout: 10_000 });
          break;
        } catch (error) {
          if (attempt === 3) throw error;
          await page.keyboard.press('Escape');
        }
      }
      await screenshot(page, '4-quick-fixes');
      // The menu takes keys (a pointer block covers it for the mouse until it settles): down to the fix, Enter.
      await focusRow(page, fix, 'the fix');
      await page.keyboard.press('Enter');
      await editor.locator('.view-lines', { hasText: 'import.meta.hot!.setInterval' }).waitFor({ timeout: 15_000 });
      await editor.locator('.squiggly-warning').first().waitFor({ state: 'detached', timeout: 30_000 });
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'unowned-timer' }).first().waitFor({ state: 'detached', timeout: 30_000 });
      await screenshot(page, '5-fixed');
    },
  );
});

describe('driving the example app from VS Code', () => {
  let page: Page;
  let app: RunningApp;
  const routes = 'src/http/routes.ts';
  const notification = (text: RegExp) => page.locator('.notification-toast', { hasText: text });

  packagedWorkbench(
    async () => {
      // The example app runs first, as a person would start it (`npm start`), in the folder VS Code opens.
      app = await RunningApp.runIn(copyWorkspace('examples/layered-service'), { port: await freePort() });
      return app.dir;
    },
    (opened) => (page = opened),
    'example-app',
  );
  // After the workbench's own after hook: the app outlives the window that drives it.
  after(async () => {
    await app?.stop();
  });

  uiTest(
    'the status bar shows the app it drives',
    () => page,
    async () => {
      await page.locator('.statusbar-item', { hasText: /main\.ts ·\s*\d+ · \d+ layers/ }).waitFor({ timeout: 60_000 });
      await screenshot(page, '6-connected');
    },
  );

  uiTest(
    'an edit reloads with one click on the status bar, and the app serves it',
    () => page,
    async () => {
      app.edit(routes, (text) =>
        text.replace('response.end(JSON.stringify({ path, count,', "response.end(JSON.stringify({ path, count, greeting: 'hello from the editor',"),
      );
      await page.locator('.statusbar-item', { hasText: /main\.ts/ }).click();
      const result = notification(/reloaded \d+ modules? in [\d.]+ ms: .*src\/http\/routes\.ts.*drained \d+, queued \d+, forced 0/);
      await result.waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item', { hasText: /main\.ts .*[\d.]+ ms/ }).waitFor();
      await notification(/Reloading /).waitFor({ state: 'detached' });
      await screenshot(page, '7-reloaded');
      const body = await app.get('/from-the-editor');
      assert.equal(body.greeting, 'hello from the editor');
      assert.equal(body.version, 2);
    },
  );

  uiTest(
    'the module graph panel shows the layers, the live versions and the last reload',
    () => page,
    async () => {
      await runCommand(page, 'Reloadable: Show Module Graph');
      // A webview is an iframe in an iframe.
      const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const node = panel.locator('g.node', { hasText: 'routes.ts' });
      await node.waitFor({ timeout: 30_000 });
      // The last reload stays marked on its modules (and animates when it lands while the panel is open).
      await panel.locator('g.node.last-reload', { hasText: /routes\.ts.*v2/ }).waitFor();
      for (const layer of ['core', 'services', 'http']) await panel.locator('.band-label', { hasText: layer }).first().waitFor();
      await screenshot(page, '8-graph');
      // A click on a node opens its module.
      await node.click();
      await page.locator('.tab.active', { hasText: 'routes.ts' }).waitFor();
      // Saved in the editor, the module joins the pending change set, numbered in its reload order.
      await page.keyboard.press('Control+End');
      await page.keyboard.type('// saved in the editor\n');
      await page.keyboard.press('Control+S');
      await panel.locator('g.node.pending', { hasText: 'routes.ts' }).locator('.order-text', { hasText: /^1$/ }).waitFor();
      await screenshot(page, '8-pending');
    },
  );

  uiTest(
    'a faulty edit rolls back with its reason, and the old version keeps serving',
    () => page,
    async () => {
      app.edit(routes, (text) => text.replace("greeting: 'hello from the editor',", "greeting: 'hello from the editor' +,"));
      await runCommand(page, 'Reloadable: Reload');
      const failure = notification(/rolled back, the old version still serves: src\/http\/routes\.ts failed in transform/);
      await failure.waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item.warning-kind', { hasText: /main\.ts .*rolled-back/ }).waitFor();
      const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await panel.locator('g.node.failed', { hasText: /routes\.ts.*v2/ }).waitFor();
      await screenshot(page, '9-rolled-back');
      assert.equal((await app.get('/after-rollback')).greeting, 'hello from the editor');
      // The notification's button opens the failing line.
      await failure.locator('.monaco-button', { hasText: /Open routes\.ts:\d+/ }).click();
      await page.locator('.tab.active', { hasText: 'routes.ts' }).waitFor();
    },
  );
});

describe('an app on two workers, driven from VS Code', () => {
  let page: Page;
  let app: RunningApp;

  packagedWorkbench(
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-e2e-workers-'));
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'workers-app', type: 'module' }));
      fs.writeFileSync(path.join(dir, 'src/greeting.ts'), "export const greeting = (): string => 'one';\n");
      fs.writeFileSync(
        path.join(dir, 'src/main.ts'),
        [
          "import http from 'node:http';",
          "import { greeting } from './greeting.ts';",
          'http',
          '  .createServer((request, response) => response.end(JSON.stringify({ greeting: greeting(), pid: process.pid })))',
          "  .listen(Number(process.env.PORT), () => console.log('listening', process.env.PORT));",
          '',
        ].join('\n'),
      );
      app = await RunningApp.runIn(dir, { args: ['--workers', '2'], port: await freePort(), anyOutput: true });
      return app.dir;
    },
    (opened) => (page = opened),
  );
  after(async () => {
    await app?.stop();
  });

  uiTest(
    'the status bar shows the processes and their epoch, and one click reloads them all',
    () => page,
    async () => {
      await page.locator('.statusbar-item', { hasText: /main\.ts .*2 processes · epoch 0/ }).waitFor({ timeout: 60_000 });
      app.edit('src/greeting.ts', (text) => text.replace("'one'", "'two'"));
      await page.locator('.statusbar-item', { hasText: /main\.ts/ }).click();
      await page.locator('.notification-toast', { hasText: /reloaded 1 module on 2 processes/ }).waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item', { hasText: /2 processes · epoch 1/ }).waitFor();
      // The Reloads view expands the reload into its processes.
      await runCommand(page, 'Explorer: Focus on Reloadable: Reloads View');
      const reload = page.locator('.monaco-list-row', { hasText: /#1 committed/ });
      await reload.waitFor({ timeout: 30_000 });
      await reload.click();
      // The view is short below the folder's files: folded away, the folder leaves it the room for every row.
      await page.locator('.pane-header', { hasText: /reloadable-e2e-workers/i }).click();
      await page
        .locator('.monaco-list-row', { hasText: /worker \d+.*committed \(pid \d+\)/ })
        .first()
        .waitFor();
      await screenshot(page, 'workers-reloaded');
      // Both workers serve the new code (fresh connections reach both).
      const pids = new Set<number>();
      for (let attempt = 0; attempt < 100 && pids.size < 2; attempt++) {
        const body = JSON.parse(await request(app.port, '/', new http.Agent({ keepAlive: false }))) as { greeting: string; pid: number };
        assert.equal(body.greeting, 'two');
        pids.add(body.pid);
      }
      assert.equal(pids.size, 2);
    },
  );
});

describe('an Express app written as its documentation writes it, driven from VS Code on save', () => {
  let page: Page;
  let app: RunningApp;
  const greeter = 'src/services/greeter.ts';
  const notification = (text: RegExp) => page.locator('.notification-toast', { hasText: text });
  const panel = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

  /** Opens `file` from Quick Open and replaces line `line`'s text (after its indent) with `text`. */
  async function retype(file: string, line: number, text: string): Promise<void> {
    // From the palette, as Ctrl+P does not reach the workbench while a webview has the focus.
    await runCommand(page, 'Go to File...');
    const input = page.locator('.quick-input-widget input');
    await eventually(async () => (await input.inputValue()) === '', 'Quick Open to replace the palette');
    await input.fill(path.basename(file));
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).filter({ hasText: path.dirname(file) });
    await focusRow(page, row.first(), file);
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: path.basename(file) }).waitFor();
    // The keys go to the editor, not to a panel or a notification that kept the focus.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type(text);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    // The save reached the disk: what follows tests the reload, not the workbench's keyboard.
    await eventually(() => fs.readFileSync(path.join(app.dir, file), 'utf8').includes(text), `${file} to be saved`);
  }

  packagedWorkbench(
    async () => {
      // The conformance suite's Express 4 app (CommonJS, tsconfig paths, two routers importing each other, no
      // import.meta.hot), run as its users run it, with reload on save turned on in the folder's settings.
      const dir = copyWorkspace('test/conformance/apps/express4');
      fs.mkdirSync(path.join(dir, '.vscode'));
      fs.writeFileSync(path.join(dir, '.vscode/settings.json'), JSON.stringify({ 'reloadable.reloadOnSave': true }));
      app = await RunningApp.runIn(dir, { entry: 'src/index.ts', port: await freePort() });
      return app.dir;
    },
    (opened) => (page = opened),
    'express-app',
  );
  after(async () => {
    await app?.stop();
  });

  uiTest(
    'the status bar shows the app and its hazards, and the Problems panel the router cycle and the dropped server',
    () => page,
    async () => {
      // Four modules, no layers declared, three hazards: the two ends of the router cycle (errors) and the server
      // `app.listen` returns, which nothing closes (a warning; the runtime hands its socket over anyway).
      await page.locator('.statusbar-item', { hasText: /index\.ts ·\s*4 · 0 layers ·\s*3\b/ }).waitFor({ timeout: 60_000 });
      await runCommand(page, 'View: Focus Problems');
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.filter({ hasText: 'import-cycle' }).first().waitFor({ timeout: 30_000 });
      await rows.filter({ hasText: 'unowned-handle' }).first().waitFor();
      await screenshot(page, 'express-1-connected');
    },
  );

  uiTest(
    'a save in the editor reloads the service, and the app serves it',
    () => page,
    async () => {
      await retype(greeter, 2, "return 'service-2 from the editor'");
      await page
        .locator('.statusbar-item', { hasText: /index\.ts .*[\d.]+ ms/ })
        .waitFor({ timeout: 30_000 })
        .catch(async (error: Error) => {
          // What the editor saved, what the status bar says and what the app printed tell a lost save from a stuck reload.
          const saved = fs.readFileSync(path.join(app.dir, greeter), 'utf8');
          const status = await page.locator('.statusbar-item').allInnerTexts();
          throw new Error(`${error.message}\non disk:\n${saved}\nstatus bar: ${status.join(' | ')}\napp:\n${app.stderr}`);
        });
      await screenshot(page, 'express-2-reloaded-on-save');
      const body = await app.get('/');
      assert.deepEqual(body, { route: 'route-1', service: 'service-2 from the editor' });
    },
  );

  uiTest(
    'the module graph panel shows the router cycle and the new version of the service',
    () => page,
    async () => {
      await runCommand(page, 'Reloadable: Show Module Graph');
      await panel()
        .locator('g.node.last-reload', { hasText: /greeter\.ts.*v2/ })
        .waitFor({ timeout: 30_000 });
      await panel().locator('g.node.cycle').first().waitFor();
      await screenshot(page, 'express-3-graph');
    },
  );

  uiTest(
    'a syntax error saved in the editor rolls back with its reason, and the old version keeps serving',
    () => page,
    async () => {
      await retype(greeter, 2, "return 'service-3' +");
      await notification(/rolled back, the old version still serves: src\/services\/greeter\.ts failed in transform/).waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item.warning-kind', { hasText: /index\.ts .*rolled-back/ }).waitFor();
      // The panel, brought back to the front, marks the module that failed.
      await runCommand(page, 'Reloadable: Show Module Graph');
      await panel()
        .locator('g.node.failed', { hasText: /greeter\.ts.*v2/ })
        .waitFor();
      await screenshot(page, 'express-4-rolled-back');
      assert.equal((await app.get('/')).service, 'service-2 from the editor');
    },
  );
});

describe('the packaged extension in a multi-root workspace', () => {
  let page: Page;
  const folders = [copyWorkspace('test/fixtures/workspaces/hazards'), copyWorkspace('test/fixtures/workspaces/hazards')];
  const workspaceFile = path.join(folders[0]!, '..', `${path.basename(folders[0]!)}.code-workspace`);

  packagedWorkbench(
    () => {
      // The second folder's own config makes a dropped timer an error: each folder is analysed under its config.
      const config = path.join(folders[1]!, 'reloadable.config.json');
      fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), rules: { 'unowned-timer': 'error' } }));
      fs.writeFileSync(workspaceFile, JSON.stringify({ folders: folders.map((folder) => ({ path: folder })) }));
      return workspaceFile;
    },
    (opened) => (page = opened),
  );
  after(() => {
    for (const file of [...folders, workspaceFile]) fs.rmSync(file, { recursive: true, force: true });
  });

  uiTest(
    'the status bar adds up both folders',
    () => page,
    async () => {
      await page.locator('.statusbar-item', { hasText: /8 · 2 layers ·\s*4 · no runtime/ }).waitFor({ timeout: 60_000 });
      await screenshot(page, 'multi-root-status-bar');
    },
  );

  uiTest(
    'the Problems panel shows each folder under its own config',
    () => page,
    async () => {
      await runCommand(page, 'View: Focus Problems');
      const timerRows = page.locator('.markers-panel .monaco-list-row', { hasText: 'unowned-timer' });
      await timerRows
        .filter({ has: page.locator('.marker-icon.warning') })
        .first()
        .waitFor({ timeout: 30_000 });
      await timerRows
        .filter({ has: page.locator('.marker-icon.error') })
        .first()
        .waitFor();
      await screenshot(page, 'multi-root-problems');
    },
  );
});

/** Runs one suite of test/e2e/suite inside the extension host of a fresh code-server, with `folder` open. */
async function runSuiteInExtensionHost(folder: string, suite: string): Promise<void> {
  const server = await CodeServer.start();
  const browser = await openBrowser();
  const log: string[] = [];
  try {
    const exitCode = new Promise<number>((resolve) => {
      void browser.page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await browser.page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // Mocha's reporters log through format strings ("%d passing (%s)").
      log.push(`${type}: ${format(...args)}`);
    });
    const workspace = copyWorkspace(folder, suite);
    await browser.page.goto(
      server.url(workspace, [
        ['extensionDevelopmentPath', server.remote(repoRoot)],
        ['extensionTestsPath', server.remote(path.join(repoRoot, 'out/test/e2e/index'))],
      ]),
    );
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), 180_000).unref());
    const code = await Promise.race([exitCode, timeout]);
    await screenshot(browser.page, `extension-host-${suite}`);
    assert.equal(code, 0, `the suite failed (exit ${code}):\n${log.join('\n')}`);
    assert.ok(
      log.some((line) => /passing/.test(line)),
      `mocha reported:\n${log.join('\n')}`,
    );
    // What mocha reported in there, test by test.
    for (const line of log)
      if (/^info: +(✔|\d+\)|\d+ (passing|failing|pending))/.test(line)) console.log(`    [${suite}] ${line.replace(/^info: +/, '')}`);
  } finally {
    await browser.close();
    await server.stop(`suite-${suite}`);
  }
}

describe('the mocha suites in the extension host', () => {
  test('hazard diagnostics and quick fixes', () => runSuiteInExtensionHost('test/fixtures/workspaces/hazards', 'hazards'));
  test('driving the example app under the runtime', () => runSuiteInExtensionHost('examples/layered-service', 'runtime'));
});

describe('Run App and Debug App in a workspace that installed nothing', () => {
  let page: Page;
  let port = 0;
  let dir = '';
  const answers = async (body: string) => (await request(port, '/').catch(() => '')) === body;
  /** The words in the output channel's view, wherever it wraps them (the view renders spaces as non-breaking ones). */
  const logLine = (words: string) =>
    page.locator('.view-lines', {
      hasText: new RegExp(
        words
          .split(' ')
          .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('\\s*'),
      ),
    });
  const stopped = async () => {
    await runCommand(page, 'Terminal: Kill All Terminals');
    await eventually(
      async () =>
        await request(port, '/').then(
          () => false,
          () => true,
        ),
      'the app to stop',
      30_000,
    );
  };

  packagedWorkbench(
    async () => {
      // No node_modules anywhere above it, no reloadable-node: only the runtime the VSIX carries can run it.
      port = await freePort();
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-bare-')));
      const files: Record<string, string> = {
        'package.json': '{ "name": "bare-app", "private": true, "type": "module" }\n',
        'reloadable.config.json': '{ "entry": "src/main.ts" }\n',
        'src/main.ts': [
          "import * as http from 'node:http';",
          "import { answer } from './answer.js';",
          '',
          'const server = http.createServer((_request, response) => response.end(answer()));',
          `server.listen(${port}, '127.0.0.1');`,
          '',
        ].join('\n'),
        'src/answer.ts': "export const answer = (): string => 'answer-1';\n",
      };
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      return dir;
    },
    (opened) => (page = opened),
    'bare-workspace',
  );
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  uiTest(
    "Run App runs the entry with the extension's own runtime, says so, and reloads a save",
    () => page,
    async () => {
      await page.locator('.statusbar-item', { hasText: /no runtime/ }).waitFor({ timeout: 60_000 });
      await runCommand(page, 'Reloadable: Run App');
      await eventually(() => answers('answer-1'), 'the app to answer', 60_000);
      // The extension finds the app it started and connects to it.
      await page.locator('.statusbar-item', { hasText: /main\.ts ·\s*\d+ · 0 layers/ }).waitFor({ timeout: 30_000 });
      fs.writeFileSync(path.join(dir, 'src/answer.ts'), "export const answer = (): string => 'answer-2';\n");
      await eventually(() => answers('answer-2'), 'the saved edit to be served', 30_000);
      await screenshot(page, '14-run-app');
      await runCommand(page, 'Reloadable: Show Output');
      const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'runtime/package.json'), 'utf8')).version as string;
      await logLine(`running src/main.ts with the reloadable-node ${version} this extension ships (none is installed in the workspace)`).waitFor({
        timeout: 15_000,
      });
      // Closing its terminal ends the app.
      await stopped();
    },
  );

  uiTest(
    "Debug App runs it under the debugger with the extension's own runtime, and says so",
    () => page,
    async () => {
      await stopped();
      await runCommand(page, 'Reloadable: Debug App');
      await page.locator('.debug-toolbar').waitFor({ timeout: 60_000 });
      await eventually(() => answers('answer-2'), 'the app to answer under the debugger', 60_000);
      await screenshot(page, '15-debug-app');
      await runCommand(page, 'Reloadable: Show Output');
      await logLine('debugging src/main.ts with the reloadable-node').waitFor({ timeout: 15_000 });
      await logLine('this extension ships').last().waitFor();
      await runCommand(page, 'Debug: Stop');
      await eventually(async () => !(await answers('answer-2')), 'the app to stop with the debug session', 30_000);
    },
  );
});
