import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import WebSocket from 'ws';
import { repoRoot } from './cli';
import { waitUntil } from './wait';

/** The built language server (server/out/server.js) over stdio, driven the way an editor drives it. */
export class LanguageServer {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every notification from the server, with the `performance.now()` it arrived at. */
  readonly notifications: Array<{ method: string; params: unknown; at: number }> = [];
  stderr = '';
  private readonly events = new EventEmitter();
  private readonly publishListeners: Array<(params: PublishDiagnosticsParams) => void> = [];

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  /**
   * Starts the server on `folders`. `nodeArgs` go to Node before the script (`--inspect=127.0.0.1:0` lets
   * `heapAfterCollection` read the heap); `server` (or the RELOADABLE_SERVER variable) replaces the built
   * server/out/server.js, to measure another build against this one; RELOADABLE_SERVER_NODE_ARGS adds Node
   * options (`--cpu-prof`, say) to every server started.
   */
  static async start(folders: string[], options: { capabilities?: object; nodeArgs?: string[]; server?: string } = {}): Promise<LanguageServer> {
    const script = options.server ?? process.env.RELOADABLE_SERVER ?? path.join(repoRoot, 'server/out/server.js');
    const nodeArgs = [...(process.env.RELOADABLE_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeArgs ?? [])];
    const child = spawn(process.execPath, [...nodeArgs, script, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const server = new LanguageServer(child, connection);
    child.stderr!.on('data', (chunk) => (server.stderr += chunk));
    connection.onNotification((method, params) => {
      server.notifications.push({ method, params, at: performance.now() });
      if (method === 'textDocument/publishDiagnostics') {
        const { uri, diagnostics } = params as PublishDiagnosticsParams;
        server.diagnostics.set(uri, diagnostics);
        for (const listener of server.publishListeners) listener(params as PublishDiagnosticsParams);
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

  /** Calls `listener` with every `publishDiagnostics` from now on, as it arrives. */
  onDiagnostics(listener: (params: PublishDiagnosticsParams) => void): void {
    this.publishListeners.push(listener);
  }

  /** Resolves once `ready()` holds after some notification; rejects after `timeoutMs` (30 s) or when the server exits. */
  waitFor(ready: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return waitUntil(ready, what, { events: [[this.events, 'notification']], child: this.child, context: () => this.stderr, timeoutMs });
  }

  diagnosticsOf(file: string): Diagnostic[] | undefined {
    return this.diagnostics.get(uri(file));
  }

  /**
   * The server's used heap in bytes after a full collection, without V8's compiled code (the JIT compiles
   * more of the server as it meets new paths: that is not memory the server keeps). Read over the inspector
   * protocol: the server must have been started with `nodeArgs: ['--inspect=127.0.0.1:0']`. Nothing in the
   * server is there for tests.
   */
  async heapAfterCollection(): Promise<number> {
    await this.waitFor(() => /Debugger listening on ws:\/\//.test(this.stderr), 'the inspector to listen');
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(this.stderr)![1]!;
    const socket = new WebSocket(url);
    try {
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      let id = 0;
      const send = (method: string, params: object = {}) =>
        new Promise<{ result?: { value?: unknown } }>((resolve, reject) => {
          const sent = ++id;
          const onMessage = (data: WebSocket.RawData) => {
            const message = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: unknown } }; error?: { message: string } };
            if (message.id !== sent) return;
            socket.off('message', onMessage);
            if (message.error) reject(new Error(`${method}: ${message.error.message}`));
            else resolve(message.result ?? {});
          };
          socket.on('message', onMessage);
          socket.send(JSON.stringify({ id: sent, method, params }));
        });
      // Twice: the first collection's finalizers can free more on the second.
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const spaces = await send('Runtime.evaluate', {
        expression: "JSON.stringify(require('node:v8').getHeapSpaceStatistics())",
        includeCommandLineAPI: true,
        returnByValue: true,
      });
      const statistics = JSON.parse(String(spaces.result?.value)) as Array<{ space_name: string; space_used_size: number }>;
      return statistics.filter((space) => !space.space_name.startsWith('code_')).reduce((sum, space) => sum + space.space_used_size, 0);
    } finally {
      socket.close();
    }
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
