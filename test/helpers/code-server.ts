// A real VS Code for the end-to-end tests: code-server 4.100.3 (installed by test/e2e/setup.sh) driven by
// Debian's headless Chromium through playwright-core. Each instance has its own user data and extensions, in
// its own process group, and is stopped with the whole group.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './cli';
import { freePort, request } from './net';
import { waitUntil } from './wait';

const tools = process.env.RELOADABLE_E2E_TOOLS ?? path.join(repoRoot, 'test/e2e/.tools');
const codeServerBin = path.join(tools, 'node_modules/.bin/code-server');
export const artifacts = path.join(repoRoot, 'test/artifacts/e2e');

export class CodeServer {
  output = '';
  private readonly events = new EventEmitter();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly home: string,
  ) {}

  /** Starts code-server with fresh settings; `vsix`, when given, is installed first. */
  static async start(options: { vsix?: string } = {}): Promise<CodeServer> {
    const home = mkdtempSync(path.join(tmpdir(), 'reloadable-code-server-'));
    const dirs = ['user-data', 'extensions'].map((name) => path.join(home, name));
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const common = ['--user-data-dir', dirs[0], '--extensions-dir', dirs[1]];
    // Settings a person would have turned off: the welcome page, telemetry prompts, workspace trust.
    mkdirSync(path.join(dirs[0], 'User'), { recursive: true });
    cpSync(path.join(repoRoot, 'test/e2e/settings.json'), path.join(dirs[0], 'User/settings.json'));
    if (options.vsix) {
      const install = spawnSync(codeServerBin, [...common, '--install-extension', options.vsix], { encoding: 'utf8' });
      if (install.status !== 0) throw new Error(`installing ${options.vsix} failed:\n${install.stdout}\n${install.stderr}`);
    }
    const port = await freePort();
    const child = spawn(
      codeServerBin,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...common],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const server = new CodeServer(child, port, home);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        server.output += chunk;
        server.events.emit('output');
      });
    }
    await waitUntil(() => /HTTP server listening/.test(server.output), 'code-server to listen', {
      events: [[server.events, 'output']],
      child,
      context: () => server.output,
      timeoutMs: 60_000,
    });
    await request(port, '/healthz');
    return server;
  }

  /** The workbench of a folder, or of a multi-root workspace when given a `.code-workspace` file. */
  url(folder: string, payload?: Array<[string, string]>): string {
    const query = new URLSearchParams(folder.endsWith('.code-workspace') ? { workspace: folder } : { folder });
    if (payload) query.set('payload', JSON.stringify(payload));
    return `http://127.0.0.1:${this.port}/?${query}`;
  }

  /** A path on this machine as the web workbench names it for the extension host. */
  remote(file: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${file}`;
  }

  /** Stops the server; with `logs`, its logs (the extension host's among them) go to test/artifacts/e2e/logs/<logs>. */
  async stop(logs?: string): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
      await exited;
    }
    if (logs) {
      const target = path.join(artifacts, 'logs', logs);
      rmSync(target, { recursive: true, force: true });
      cpSync(path.join(this.home, 'user-data/logs'), target, { recursive: true });
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Headless Debian Chromium with a fresh profile. */
export async function openBrowser(): Promise<{ context: BrowserContext; page: Page; console: string[]; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'reloadable-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // The workbench's own errors, for the failure report of a test.
  const console: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => console.push(`pageerror: ${error.stack ?? error.message}`));
  return {
    context,
    page,
    console,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A copy of a workspace (a folder of the repository) in a temporary folder, so edits made by the tests never
 * reach the repository; `suite` names the extension-host suite it is for (test/e2e/suite/index.ts). The
 * repository's node_modules is linked in, as the folder sees it inside the repository (the typings of Node
 * and of `import.meta.hot` come from there).
 */
export function copyWorkspace(folder: string, suite?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'reloadable-ws-'));
  cpSync(path.join(repoRoot, folder), dir, { recursive: true, filter: (source) => !/[/\\](node_modules|\.reloadable|\.run)$/.test(source) });
  if (suite) writeFileSync(path.join(dir, '.e2e-suite'), suite);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/** Loads the workbench of a folder and waits for it to render. */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}

/** Moves the focus of the open list (a quick pick, a code action menu) down to `row`. */
export async function focusRow(page: Page, row: Locator, what: string): Promise<void> {
  await row.waitFor();
  for (let step = 0; !/\bfocused\b/.test((await row.getAttribute('class')) ?? ''); step++) {
    assert.ok(step < 30, `${what} takes the focus`);
    await page.keyboard.press('ArrowDown');
  }
}

/** Runs a command from the palette (F1), by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  // The row whose whole label is the title, give or take a parenthesis ("Explorer: Focus on Reloadable: Reloads
  // View" matches "Reloadable: Reload" too), chosen with the keys: the list re-sorts while it fills, so a
  // click may land on another row.
  const label = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\(.*\\))?$`);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.monaco-highlighted-label', { hasText: label }) })
    .first();
  await focusRow(page, row, `the palette row "${title}"`);
  await page.keyboard.press('Enter');
}
