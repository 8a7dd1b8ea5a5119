// `Reloadable: Show Module Graph`: a webview that draws the graph. The facts come from the language server
// (modules, layers, imports with their violations and cycles, hazard counts) and the reload state (live
// versions, in-flight calls, the pending change set, the last reload), translated here into each folder's
// ids (panel-facts.ts); the webview decides how they look. Messages: src-shared/webview-protocol.ts.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { commands, Uri, ViewColumn, window, workspace, type Disposable, type ExtensionContext, type WebviewPanel } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { assertNever } from '../../src-shared/exhaustive';
import { ModuleGraphRequest } from '../../src-shared/lsp-protocol';
import { webviewProtocolVersion, type FromPanel, type ToPanel } from '../../src-shared/webview-protocol';
import { panelFacts } from './panel-facts';
import type { ReloadState } from './reload-state';

export class GraphPanel implements Disposable {
  private panel: WebviewPanel | undefined;
  private readonly disposables: Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: ExtensionContext,
    private readonly client: LanguageClient,
    private readonly store: ReloadState,
    private readonly log: (message: string) => void,
  ) {
    this.disposables.push(store.onDidChange(() => this.schedule()));
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const media = Uri.joinPath(this.context.extensionUri, 'client', 'out', 'webview');
    const panel = window.createWebviewPanel('reloadable.graph', 'Reloadable: Module Graph', ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [media],
    });
    this.panel = panel;
    panel.webview.html = this.html(panel, media);
    panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((message: FromPanel) => this.receive(message), undefined, this.disposables);
  }

  private async receive(message: FromPanel): Promise<void> {
    if (message?.version !== webviewProtocolVersion) {
      this.log(`graph panel: a message of protocol version ${String(message?.version)} ignored (this extension speaks ${webviewProtocolVersion})`);
      return;
    }
    switch (message.type) {
      case 'ready':
        await this.post();
        break;
      case 'open':
        await window.showTextDocument(Uri.parse(message.uri), { viewColumn: ViewColumn.Beside });
        break;
      case 'reload':
        await commands.executeCommand('reloadable.reload');
        break;
      default:
        assertNever(message);
    }
  }

  /** The language server finished an analysis: new facts to draw. */
  analysisChanged(): void {
    this.schedule();
  }

  /** Coalesces bursts (an analysis and a reload land together) into one message. */
  private schedule(): void {
    if (!this.panel) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.post(), 100);
  }

  private async post(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    const { folders } = await this.client.sendRequest(ModuleGraphRequest.type, {});
    const { app, pending, last } = this.store.snapshot;
    const appFacts =
      app.kind === 'connected'
        ? {
            project: app.discovery.project,
            entry: app.discovery.entry,
            modules: app.status.modules,
            pending: pending?.load,
            last,
            ...(app.status.cluster ? { cluster: app.status.cluster } : {}),
          }
        : undefined;
    const folderInfo = (uri: string) => {
      const folderUri = Uri.parse(uri);
      return { path: folderUri.fsPath, name: workspace.getWorkspaceFolder(folderUri)?.name ?? path.basename(folderUri.fsPath) };
    };
    const message: ToPanel = { version: webviewProtocolVersion, type: 'facts', facts: panelFacts(folders, folderInfo, appFacts) };
    await panel.webview.postMessage(message);
  }

  private html(panel: WebviewPanel, media: Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = panel.webview.asWebviewUri(Uri.joinPath(media, 'graph.js'));
    const style = panel.webview.asWebviewUri(Uri.joinPath(media, 'graph.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${panel.webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${panel.webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Module Graph</title>
</head>
<body>
<div id="toolbar" role="toolbar">
  <select id="folder" aria-label="Workspace folder" hidden></select>
  <select id="layer" aria-label="Layer"></select>
  <input id="search" type="search" placeholder="Search modules" aria-label="Search modules">
  <label><input id="collapse" type="checkbox"> Collapse folders</label>
  <button id="zoom-out" title="Zoom out" aria-label="Zoom out">−</button>
  <button id="zoom-fit" title="Fit" aria-label="Fit">Fit</button>
  <button id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
  <button id="reload" title="Reload what changed">Reload</button>
  <span id="summary" aria-live="polite">Waiting for the language server…</span>
</div>
<div id="canvas"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
