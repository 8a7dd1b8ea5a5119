import * as fs from 'node:fs';
import * as path from 'node:path';
import { commands, window, workspace, type ExtensionContext } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { parseConfig } from '../../src-shared/config';
import { AnalysisSummaryNotification } from '../../src-shared/lsp-protocol';
import { Apps } from './apps';
import { GraphPanel } from './graph-panel';
import { HistoryView } from './history';
import { LeakDiagnostics } from './leaks';
import { Reloader } from './reload';
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

  const status = new StatusBar();
  const apps = new Apps();
  const history = new HistoryView();
  const leaks = new LeakDiagnostics();
  const reloader = new Reloader(apps, status, history, leaks, output);
  const graph = new GraphPanel(context, languageClient, apps, reloader);
  context.subscriptions.push(
    output,
    status,
    apps,
    leaks,
    reloader,
    graph,
    window.registerTreeDataProvider('reloadable.history', history),
    commands.registerCommand('reloadable.restartServer', () => client?.restart()),
    commands.registerCommand('reloadable.showOutput', () => output.show(true)),
    commands.registerCommand('reloadable.checkWorkspace', () => commands.executeCommand('workbench.actions.view.problems')),
    commands.registerCommand('reloadable.reload', () => reloader.reload()),
    commands.registerCommand('reloadable.showGraph', () => graph.show()),
    commands.registerCommand('reloadable.pickApp', () => pickApp(apps)),
    commands.registerCommand('reloadable.runApp', () => runApp()),
  );
  apps.onDidChange((state) => void commands.executeCommand('setContext', 'reloadable.connected', state.kind === 'connected'), undefined, context.subscriptions);
  client.onNotification(AnalysisSummaryNotification.method, (summary: AnalysisSummaryNotification.Params) => {
    status.setSummary(summary);
    graph.analysisChanged();
  });
  if (workspace.workspaceFolders?.length) await client.start();
  return { apps };
}

/** `Reloadable: Choose App`: the quick pick when several apps of the workspace run. */
async function pickApp(apps: Apps): Promise<void> {
  const running = await apps.list();
  if (running.length === 0) {
    void window.showInformationMessage('No app of this workspace is running under `reloadable run`.');
    return;
  }
  const current = apps.current.kind === 'connected' ? apps.current.discovery.pid : undefined;
  const picked = await window.showQuickPick(
    running.map((app) => ({
      label: `${app.pid === current ? '$(check) ' : ''}${app.entry}`,
      description: `pid ${app.pid}`,
      detail: `${app.project}, started ${new Date(app.startedAt).toLocaleString()}`,
      app,
    })),
    { title: 'Reloadable: the app to drive' },
  );
  if (picked) await apps.choose(picked.app);
}

/** `Reloadable: Run App`: the config's entry under `reloadable run`, in a terminal. */
async function runApp(): Promise<void> {
  const configs = await workspace.findFiles('**/reloadable.config.json', '**/node_modules/**', 20);
  if (configs.length === 0) {
    void window.showErrorMessage('Reloadable: no reloadable.config.json in this workspace, so there is no entry to run.');
    return;
  }
  const config = configs.length === 1 ? configs[0] : (await window.showQuickPick(configs.map((uri) => ({ label: workspace.asRelativePath(uri), uri }))))?.uri;
  if (!config) return;
  const project = path.dirname(config.fsPath);
  let entry: string | undefined;
  try {
    // The config is JSON with comments, validated as everywhere else; its errors name the line and the fix.
    entry = parseConfig(fs.readFileSync(config.fsPath, 'utf8'), config.fsPath).entry;
  } catch (error) {
    void window.showErrorMessage(`Reloadable: ${(error as Error).message}`);
    return;
  }
  if (!entry) {
    void window.showErrorMessage(`Reloadable: ${workspace.asRelativePath(config)} has no "entry" to run.`);
    return;
  }
  const command = workspace.getConfiguration('reloadable', config).get<string>('runtime.command', 'npx reloadable');
  const terminal = window.createTerminal({ name: `reloadable run ${entry}`, cwd: project });
  terminal.show();
  terminal.sendText(`${command} run ${JSON.stringify(entry)}`);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
