// The control endpoint (docs/control-protocol.md): JSON-RPC (vscode-jsonrpc) over a Unix socket in a folder only this user
// can open, announced by a 0600 discovery file holding a random token. A connection must say hello with
// the token first; anything else, a wrong token, garbage or an oversized message closes it. Nothing a
// client sends can take the app down.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createMessageConnection,
  ResponseError,
  SocketMessageReader,
  SocketMessageWriter,
  type DataCallback,
  type Disposable,
  type MessageConnection,
  type MessageReader,
} from 'vscode-jsonrpc/node';
import {
  ControlErrorCodes,
  controlProtocolVersion,
  EventNotification,
  HelloRequest,
  HistoryRequest,
  ReloadRequest,
  StatusRequest,
  SubscribeRequest,
  type AppInfo,
  type DiscoveryFile,
  type ReloadResult,
  type RuntimeEvent,
} from '../../../src-shared/control-protocol';
import { original } from '../originals';
import { say } from '../errors';
import type { Logger } from '../runtime';
import { discoveryFolder } from './discovery';

/** A connection may buffer this much without completing a message. */
const maxMessageBytes = 1 << 20;
/** Before hello, far less: a hello is a few hundred bytes. */
const maxHelloBytes = 16 << 10;
/** A connection that has not said hello by then is closed. */
const helloTimeoutMs = 5000;

export interface ControlEndpoint {
  socket: string;
  discoveryFile: string;
  close(): Promise<void>;
}

/** What the endpoint serves: a runtime, or the primary of an app run with `--workers`. */
export interface ControlledApp {
  readonly info: AppInfo;
  /** Why the process is exiting, when known (for the discovery file). */
  readonly exitReason: string | undefined;
  status(): StatusRequest.Result | Promise<StatusRequest.Result>;
  history(): ReloadResult[];
  reload(params?: ReloadRequest.Params): Promise<ReloadResult>;
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
}

export async function openControlEndpoint(runtime: ControlledApp, logger: Logger): Promise<ControlEndpoint> {
  const token = crypto.randomBytes(32).toString('base64url');
  const socketFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-'));
  fs.chmodSync(socketFolder, 0o700);
  const socketPath = path.join(socketFolder, 'control.sock');
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serve(socket, runtime, token, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  server.on('error', (error) => logger.warn(`control endpoint: ${error.message}`));
  // The endpoint serves the app; it does not keep an app that has finished alive.
  server.unref();

  const info = runtime.info;
  const discovery: DiscoveryFile = {
    protocolVersion: controlProtocolVersion,
    pid: info.pid,
    socket: socketPath,
    token,
    project: info.project,
    entry: info.entry,
    startedAt: info.startedAt,
  };
  const folder = privateFolder(discoveryFolder(info.project));
  const discoveryFile = path.join(folder, `${info.pid}.json`);
  fs.writeFileSync(discoveryFile, JSON.stringify(discovery, null, 2), { mode: 0o600 });

  // When the process ends, the discovery file says how, so clients tell "exited" from "never started".
  const recordExit = (code: number) => {
    fs.rmSync(socketFolder, { recursive: true, force: true });
    const exit = { at: new Date().toISOString(), code, ...(runtime.exitReason ? { reason: runtime.exitReason } : {}) };
    try {
      fs.writeFileSync(discoveryFile, JSON.stringify({ ...discovery, exit }, null, 2), { mode: 0o600 });
    } catch {
      // The project folder may be gone already (a test's temporary app).
    }
  };
  original.processOnce('exit', recordExit);
  return {
    socket: socketPath,
    discoveryFile,
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketFolder, { recursive: true, force: true });
    },
  };
}

/**
 * The discovery folder: made private (0700) when new; an existing one must be the user's and writable by
 * nobody else, or a client could be handed a forged socket.
 */
export function privateFolder(folder: string): string {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(folder);
  const uid = process.getuid?.();
  if (stat.isSymbolicLink() || !stat.isDirectory()) throw new Error(say.discoveryNotAFolder(folder));
  if (uid !== undefined && stat.uid !== uid) throw new Error(say.discoveryNotOwned(folder, stat.uid, uid));
  if ((stat.mode & 0o022) !== 0) throw new Error(say.discoveryWritable(folder, stat.mode & 0o777));
  return folder;
}

function serve(socket: net.Socket, runtime: ControlledApp, token: string, logger: Logger): void {
  new ControlConnection(socket, runtime, token, logger).listen();
}

/** One client's connection: refused until it says hello with the token, then answered, and never a danger. */
class ControlConnection {
  private authenticated = false;
  private buffered = 0;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly reader: CountingReader;
  private readonly connection: MessageConnection;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly runtime: ControlledApp,
    private readonly token: string,
    private readonly logger: Logger,
  ) {
    socket.on('error', () => socket.destroy());
    this.helloTimer = original.setTimeout(() => {
      if (!this.authenticated) this.refuse(ControlErrorCodes.unauthorized, 'no hello in time');
    }, helloTimeoutMs);
    this.helloTimer.unref();
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.length;
      if (this.buffered > (this.authenticated ? maxMessageBytes : maxHelloBytes)) this.refuse(ControlErrorCodes.tooLarge, 'message too large');
    });
    const socketReader = new SocketMessageReader(socket);
    // No partial-message timer: it re-arms itself for as long as the message stays partial, also after the
    // socket closed, and keeps the connection's buffers with it (size and hello limits guard instead).
    socketReader.partialMessageTimeout = 0;
    this.reader = new CountingReader(socketReader, () => (this.buffered = 0));
    this.connection = createMessageConnection(this.reader, new SocketMessageWriter(socket));
  }

  listen(): void {
    const { connection, runtime } = this;
    connection.onRequest(HelloRequest.type, (params) => this.hello(params));
    connection.onRequest(
      StatusRequest.type,
      this.guard(() => runtime.status()),
    );
    connection.onRequest(
      HistoryRequest.type,
      this.guard(() => runtime.history()),
    );
    connection.onRequest(
      ReloadRequest.type,
      this.guard((params: ReloadRequest.Params | undefined) => this.reload(params)),
    );
    connection.onRequest(
      SubscribeRequest.type,
      this.guard((): SubscribeRequest.Result => {
        this.unsubscribe ??= runtime.subscribe((event) => void connection.sendNotification(EventNotification.type, event).catch(() => undefined));
        return { subscribed: true };
      }),
    );
    connection.onRequest((method) => {
      if (!this.authenticated) this.reject(ControlErrorCodes.unauthorized, 'say hello with the token first');
      return new ResponseError(-32601, `unknown method ${method}`);
    });
    connection.onNotification(() => {
      if (!this.authenticated) this.refuse(ControlErrorCodes.unauthorized, 'say hello with the token first');
    });
    connection.onError(([error]) => {
      this.logger.warn(`control endpoint: closed a connection that sent ${error.message.split('\n')[0]}`);
      this.refuse(ControlErrorCodes.badRequest, 'malformed message');
    });
    connection.onClose(() => this.unsubscribe?.());
    this.socket.once('close', () => this.closed());
    connection.listen();
  }

  private hello(params: HelloRequest.Params): HelloRequest.Result {
    const given = Buffer.from(typeof params?.token === 'string' ? params.token : '');
    const expected = Buffer.from(this.token);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) this.reject(ControlErrorCodes.unauthorized, 'wrong token');
    if (params.protocolVersion !== controlProtocolVersion) {
      this.reject(ControlErrorCodes.protocolMismatch, `this app speaks control protocol ${controlProtocolVersion}; update the client`);
    }
    this.authenticated = true;
    clearTimeout(this.helloTimer);
    return { protocolVersion: controlProtocolVersion, app: this.runtime.info };
  }

  private reload(params: ReloadRequest.Params | undefined): Promise<ReloadRequest.Result> {
    const files = params?.files;
    if (files !== undefined && (!Array.isArray(files) || files.some((file) => typeof file !== 'string'))) {
      throw new ResponseError(ControlErrorCodes.badRequest, '`files` must be an array of paths');
    }
    return this.runtime.reload({ ...(files ? { files } : {}), dryRun: params?.dryRun === true });
  }

  /** A handler that answers only a client that said hello. */
  private guard<P, R>(handler: (params: P) => R | Promise<R>): (params: P) => R | Promise<R> {
    return (params: P) => {
      if (!this.authenticated) this.reject(ControlErrorCodes.unauthorized, 'say hello with the token first');
      return handler(params);
    };
  }

  /** Answers with an error no request can be matched to, then hangs up. */
  private refuse(code: number, message: string): void {
    const { socket } = this;
    if (socket.destroyed) return;
    const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } });
    socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    original.setTimeout(() => socket.destroy(), 100).unref();
  }

  /** Answers the request with `code`, then hangs up once the answer is written. */
  private reject(code: number, message: string): never {
    original.setTimeout(() => this.socket.destroy(), 50).unref();
    throw new ResponseError(code, message);
  }

  private closed(): void {
    clearTimeout(this.helloTimer);
    this.unsubscribe?.();
    this.connection.dispose();
    this.reader.dispose();
    this.socket.removeAllListeners('data');
  }
}

/** Tells the connection each time a whole message arrived, so the size guard measures one message at a time. */
class CountingReader implements MessageReader {
  constructor(
    private readonly inner: MessageReader,
    private readonly onMessage: () => void,
  ) {}

  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  get onPartialMessage() {
    return this.inner.onPartialMessage;
  }
  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      this.onMessage();
      callback(message);
    });
  }
  dispose(): void {
    this.inner.dispose();
  }
}
