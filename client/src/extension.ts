import * as path from 'node:path';
import { commands, StatusBarAlignment, window, workspace, type ExtensionContext, type StatusBarItem } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { AnalysisSummaryNotification } from '../../src-shared/lsp-protocol';

let client: LanguageClient | undefined;

/** Starts the language server and shows its summary in the status bar. The runtime drive comes on top of this. */
export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('server', 'out', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const output = window.createOutputChannel('Reloadable', { log: true });
  const clientOptions: LanguageClientOptions = {
    documentSelector: ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({ scheme: 'file', language })),
    outputChannel: output,
  };
  client = new LanguageClient('reloadable', 'Reloadable', serverOptions, clientOptions);

  const status = window.createStatusBarItem('reloadable.status', StatusBarAlignment.Left, 50);
  status.name = 'Reloadable';
  status.text = '$(sync~spin) Reloadable';
  status.tooltip = 'Reloadable: analysing the workspace';
  status.command = 'workbench.actions.view.problems';
  status.show();
  context.subscriptions.push(
    output,
    status,
    commands.registerCommand('reloadable.restartServer', () => client?.restart()),
    commands.registerCommand('reloadable.showOutput', () => output.show(true)),
    commands.registerCommand('reloadable.checkWorkspace', () => commands.executeCommand('workbench.actions.view.problems')),
  );
  client.onNotification(AnalysisSummaryNotification.method, (summary: AnalysisSummaryNotification.Params) => showSummary(status, summary));
  if (workspace.workspaceFolders?.length) await client.start();
}

function showSummary(status: StatusBarItem, summary: AnalysisSummaryNotification.Params): void {
  const hazards = summary.hazards === 0 ? '$(check) 0' : `${summary.errors > 0 ? '$(error)' : '$(warning)'} ${summary.hazards}`;
  status.text = `$(layers) ${summary.modules} · ${summary.layers.length} layers · ${hazards} · no runtime`;
  status.tooltip = [
    `Reloadable: ${summary.modules} modules, ${summary.hazards} hazards (${summary.errors} errors), ${summary.cycles} cycles`,
    `Layers, bottom first: ${summary.layers.join(' → ') || 'none declared'}`,
    'No app is running under `reloadable run`.',
  ].join('\n');
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
