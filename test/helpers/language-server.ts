import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { repoRoot } from './cli';
import { waitUntil } from './wait';

/** The built language server (server/out/server.js) over stdio, driven the way an editor drives it. */
export class LanguageServer {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every notification from the server, with the `performance.now()` it arrived at. */
  readonly notifications: Array<{ method: string; params: unknown; at: number }> = [];
  stderr = '';
  private readonly events = new EventEmitter();

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  static async start(folders: string[], options: { capabilities?: object } = {}): Promise<LanguageServer> {
    const child = spawn(process.execPath, [path.join(repoRoot, 'server/out/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const server = new LanguageServer(child, connection);
    child.stderr!.on('data', (chunk) => (server.stderr += chunk));
    connection.onNotification((method, params) => {
      server.notifications.push({ method, params, at: performance.now() });
      if (method === 'textDocument/publishDiagnostics') {
        const { uri, diagnostics } = params as PublishDiagnosticsParams;
        server.diagnostics.set(uri, diagnostics);
      }
      server.events.emit('notification');
    });
    // What an editor answers: registrations accepted, progress tokens created, the folders it has open.
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('workspace/workspaceFolders', () => folders.map((folder) => ({ uri: uri(folder), name: path.basename(folder) })));
    connection.onRequest('workspace/configuration', () => []);
    connection.listen();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: folders.map((folder) => ({ uri: uri(folder), name: path.basename(folder) })),
      capabilities: options.capabilities ?? {
        workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, dataSupport: true } },
      },
    });
    await connection.sendNotification('initialized', {});
    return server;
  }

  /** Resolves once `ready()` holds after some notification; rejects after `timeoutMs` (30 s) or when the server exits. */
  waitFor(ready: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return waitUntil(ready, what, { events: [[this.events, 'notification']], child: this.child, context: () => this.stderr, timeoutMs });
  }

  diagnosticsOf(file: string): Diagnostic[] | undefined {
    return this.diagnostics.get(uri(file));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.connection.sendRequest('shutdown').catch(() => undefined);
      await this.connection.sendNotification('exit').catch(() => undefined);
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.child.kill('SIGKILL');
        }, 5000);
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    this.connection.dispose();
  }
}

export const uri = (file: string) => pathToFileURL(file).href;
