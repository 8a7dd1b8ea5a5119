// `Reloadable: Show Module Graph`: a webview that draws the graph. The facts come from the language server
// (modules, layers, imports, cycles, hazard counts) and the connected app (live versions, in-flight calls,
// the pending change set, the last reload); the webview decides how they look.
import { randomBytes } from 'node:crypto';
import { commands, Uri, ViewColumn, window, type Disposable, type ExtensionContext, type WebviewPanel } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { ModuleGraphRequest } from '../../src-shared/lsp-protocol';
import type { GraphFacts } from '../webview/model';
import type { Apps } from './apps';
import type { Reloader } from './reload';

export class GraphPanel implements Disposable {
  private panel: WebviewPanel | undefined;
  private readonly disposables: Disposable[] = [];
  private pending: string[] | undefined;
  private last: ReloadResult | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: ExtensionContext,
    private readonly client: LanguageClient,
    private readonly apps: Apps,
    reloader: Reloader,
  ) {
    this.disposables.push(
      apps.onDidChange(() => this.schedule()),
      reloader.onDidChangePending((pending) => {
        this.pending = pending?.load;
        this.schedule();
      }),
      apps.onEvent((event) => {
        if (event.type !== 'reload-finished' || event.result.outcome === 'planned') return;
        this.last = event.result;
        this.pending = undefined;
        this.schedule();
      }),
    );
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
    panel.webview.onDidReceiveMessage(
      async (message: { type: string; uri?: string }) => {
        if (message.type === 'ready') await this.post();
        else if (message.type === 'open' && message.uri) await window.showTextDocument(Uri.parse(message.uri), { viewColumn: ViewColumn.Beside });
        else if (message.type === 'reload') await commands.executeCommand('reloadable.reload');
      },
      undefined,
      this.disposables,
    );
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
    const app = this.apps.current;
    const facts: GraphFacts = {
      folders,
      runtime: app.kind === 'connected' ? { project: app.discovery.project, modules: app.status.modules } : undefined,
      pending: this.pending,
      last: this.last ?? (app.kind === 'connected' ? app.status.lastResult : undefined),
    };
    await panel.webview.postMessage({ type: 'facts', facts });
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
