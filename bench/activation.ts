// Extension activation as VS Code itself measures and shows it (Developer: Show Running Extensions: code
// loading plus the `activate` call), in code-server 4.100.3 with the packaged VSIX installed, on the example
// app's folder. The built-in TypeScript extension, activated by opening a .ts file in the same window, is the
// anchor. Each round starts its own code-server: a server keeps a closed window's extension host (and its
// language servers) running for hours, and those would load the next round. Prints JSON.
// Needs out/reloadable.vsix (`npm run package`) and test/e2e/setup.sh. Run with: node --import tsx bench/activation.ts [ROUNDS]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../test/helpers/cli';
import { CodeServer, copyWorkspace, openBrowser, openWorkbench, runCommand } from '../test/helpers/code-server';
import { percentile } from './stats';

const rounds = Number(process.argv[2] ?? 5);
const anchor = 'TypeScript and JavaScript Language Features';

/** The "Activation: N ms" of an extension's row in the Running Extensions editor, once it has one. */
async function activationMs(page: Page, name: string): Promise<number> {
  const row = page
    .locator('.runtime-extensions-editor .monaco-list-row')
    .filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
  const time = row.locator('.activation-time', { hasText: /Activation: \d+ms/ });
  await time.waitFor({ timeout: 60_000 });
  return Number(/(\d+)ms/.exec((await time.textContent()) ?? '')![1]);
}

async function main(): Promise<void> {
  const vsix = path.join(repoRoot, 'out/reloadable.vsix');
  const workspace = copyWorkspace('examples/layered-service');
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const server = await CodeServer.start({ vsix });
      const browser = await openBrowser();
      try {
        const { page } = browser;
        await openWorkbench(page, server.url(workspace));
        // The status bar item appears once the extension runs; opening a module wakes TypeScript's.
        await page.locator('.statusbar-item', { hasText: /layers/ }).waitFor({ timeout: 60_000 });
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget input').fill('main.ts');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'main.ts' }).first().waitFor();
        await page.keyboard.press('Enter');
        await runCommand(page, 'Developer: Show Running Extensions');
        ours.push(await activationMs(page, 'Reloadable'));
        theirs.push(await activationMs(page, anchor));
      } finally {
        await browser.close();
        await server.stop();
      }
    }
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  const summary = (values: number[]) => ({ min: Math.min(...values), p50: percentile(values, 50), max: Math.max(...values) });
  process.stdout.write(`${JSON.stringify({ rounds, ours: summary(ours), anchor: { name: anchor, ...summary(theirs) } })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
