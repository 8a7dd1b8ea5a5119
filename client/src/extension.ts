import * as path from 'node:path';
import { commands, window, workspace, type ExtensionContext } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { AnalysisSummaryNotification } from '../../src-shared/lsp-protocol';
import { Apps } from './apps';
import { registerCommands } from './commands';
import { registerDebugConfigurations } from './commands/debug-app';
import { GraphPanel } from './graph-panel';
import { HistoryView } from './history';
import { Reloader } from './reload';
import { ReloadState } from './reload-state';
import { RuntimeDiagnostics } from './runtime-diagnostics';
import { StatusBar } from './status-bar';

let client: LanguageClient | undefined;

/** What `activate` returns to other extensions and to the extension tests. */
export interface ReloadableApi {
  readonly apps: Apps;
}

/** Starts the language server, finds the workspace's running apps, and wires the commands, views and status bar. */
export async function activate(context: ExtensionContext): Promise<ReloadableApi> {
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
  const languageClient = client;

  const apps = new Apps();
  // The one place the reload state is kept: the status bar, the history, the runtime's diagnostics and the
  // graph panel read it; the app's connection and the reloader feed it.
  const store = new ReloadState(apps);
  const status = new StatusBar(store);
  const history = new HistoryView(store);
  const diagnostics = new RuntimeDiagnostics(store);
  const reloader = new Reloader(apps, store, output);
  const graph = new GraphPanel(context, languageClient, store, (message) => output.warn(message));
  context.subscriptions.push(
    output,
    apps,
    store,
    status,
    history,
    diagnostics,
    reloader,
    graph,
    window.registerTreeDataProvider('reloadable.history', history),
    registerDebugConfigurations(context.extensionPath),
    ...registerCommands({ client: languageClient, output, apps, reloader, graph, extensionPath: context.extensionPath }),
  );
  apps.onDidChange(
    (state) => void commands.executeCommand('setContext', 'reloadable.connected', state.kind === 'connected'),
    undefined,
    context.subscriptions,
  );
  client.onNotification(AnalysisSummaryNotification.type, (summary) => {
    status.setSummary(summary);
    graph.analysisChanged();
  });
  if (workspace.workspaceFolders?.length) await client.start();
  return { apps };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
