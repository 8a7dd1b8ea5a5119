// Runs inside the real extension host with test/fixtures/workspaces/hazards open: what the language server
// publishes, what its quick fixes do, and what the extension contributes, through VS Code's own API.
import * as assert from 'node:assert/strict';
import Mocha from 'mocha';
import * as vscode from 'vscode';

const extensionId = 'reloadable.reloadable';

function folder(): vscode.Uri {
  const folders = vscode.workspace.workspaceFolders;
  assert.ok(folders?.length, 'a workspace folder is open');
  return folders[0].uri;
}

function fileUri(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(folder(), relative);
}

/** Resolves with the diagnostics of `uri` once `ready` holds for them, checked on every change. */
function diagnosticsWhen(uri: vscode.Uri, ready: (diagnostics: vscode.Diagnostic[]) => boolean, what: string): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const ours = () => vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'reloadable');
    const check = () => {
      const diagnostics = ours();
      if (!ready(diagnostics)) return false;
      listener.dispose();
      clearTimeout(timer);
      resolve(diagnostics);
      return true;
    };
    const listener = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((changed) => changed.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out waiting for ${what}; diagnostics now: ${JSON.stringify(ours().map((d) => d.code))}`));
    }, 45_000);
    check();
  });
}

function codeOf(diagnostic: vscode.Diagnostic): string | number | undefined {
  return typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
}

function hasCode(code: string) {
  return (diagnostics: vscode.Diagnostic[]) => diagnostics.some((diagnostic) => codeOf(diagnostic) === code);
}

function test(suite: Mocha.Suite, title: string, fn: () => Promise<void>): void {
  suite.addTest(new Mocha.Test(title, fn));
}

export function defineExtensionTests(root: Mocha.Suite): void {
  const suite = Mocha.Suite.create(root, 'Reloadable extension');

  test(suite, 'activates and contributes its commands', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is installed`);
    await extension.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['reloadable.restartServer', 'reloadable.showOutput', 'reloadable.checkWorkspace']) {
      assert.ok(commands.includes(command), `${command} is registered`);
    }
  });

  test(suite, 'publishes a dropped timer with its code and documentation link', async () => {
    const uri = fileUri('src/core/clock.ts');
    const [timer] = (await diagnosticsWhen(uri, hasCode('unowned-timer'), 'unowned-timer on clock.ts')).filter(hasCodeOf('unowned-timer'));
    assert.equal(timer.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(timer.range.start.line, 3);
    assert.ok(
      typeof timer.code === 'object' && timer.code.target.toString().includes('hazards.md#unowned-timer'),
      'the code links to its documentation',
    );
  });

  test(suite, 'points a layer violation at the module it reaches up to', async () => {
    const uri = fileUri('src/core/config.ts');
    const [violation] = (await diagnosticsWhen(uri, hasCode('layer-violation'), 'layer-violation on config.ts')).filter(hasCodeOf('layer-violation'));
    assert.equal(violation.severity, vscode.DiagnosticSeverity.Error);
    const related = violation.relatedInformation ?? [];
    assert.ok(
      related.some((info) => info.location.uri.path.endsWith('/src/http/server.ts')),
      `related information names server.ts: ${JSON.stringify(related)}`,
    );
  });

  test(suite, 'a quick fix owns the timer, and the warning goes', async () => {
    const uri = fileUri('src/core/clock.ts');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const [timer] = (await diagnosticsWhen(uri, hasCode('unowned-timer'), 'unowned-timer on clock.ts')).filter(hasCodeOf('unowned-timer'));
    const actions = await quickFixes(uri, timer.range);
    const titles = actions.map((action) => action.title);
    const fix = actions.find((action) => /setInterval/.test(action.title) && action.edit);
    assert.ok(fix?.edit, `a setInterval fix is offered among ${JSON.stringify(titles)}`);
    assert.ok(
      titles.some((title) => /suppress/i.test(title)),
      `a suppress action is offered among ${JSON.stringify(titles)}`,
    );
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), /import\.meta\.hot[!?]*\.setInterval\(/);
    await diagnosticsWhen(uri, (diagnostics) => !hasCode('unowned-timer')(diagnostics), 'the unowned-timer warning to go');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
}

/**
 * The quick fixes at `range`. VS Code cancels the request when a code action provider registers while it runs
 * (the TypeScript extension activating on the first .ts file); its own light bulb asks again, and so do we.
 */
async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        range,
        vscode.CodeActionKind.QuickFix.value,
      );
    } catch (error) {
      const canceled = error instanceof vscode.CancellationError || (error as Error).message === 'Canceled';
      if (!canceled || attempt === 5) throw error;
    }
  }
}

function hasCodeOf(code: string) {
  return (diagnostic: vscode.Diagnostic) => codeOf(diagnostic) === code;
}
