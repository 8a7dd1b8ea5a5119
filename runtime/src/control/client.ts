// A client of the control endpoint, for the CLI and the editor.
import * as net from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  controlProtocolVersion,
  EventNotification,
  HelloRequest,
  HistoryRequest,
  ReloadRequest,
  StatusRequest,
  SubscribeRequest,
  type AppInfo,
  type DiscoveryFile,
  type RuntimeEvent,
} from '../../../src-shared/control-protocol';

export class ControlClient {
  private constructor(
    private readonly connection: MessageConnection,
    private readonly socket: net.Socket,
    readonly app: AppInfo,
  ) {}

  /** Connects and says hello; rejects when the socket is gone or the token is refused. */
  static async connect(discovery: Pick<DiscoveryFile, 'socket' | 'token'>, client = 'cli'): Promise<ControlClient> {
    const socket = net.connect(discovery.socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    connection.listen();
    try {
      // A refused hello is answered and then hung up on; a hang-up without an answer must not wait forever.
      const closed = new Promise<never>((_, reject) => {
        connection.onClose(() => reject(new Error('the app closed the control connection')));
        socket.once('close', () => reject(new Error('the app closed the control connection')));
      });
      closed.catch(() => undefined);
      const hello = await Promise.race([
        connection.sendRequest(HelloRequest.type, {
          protocolVersion: controlProtocolVersion,
          token: discovery.token,
          client,
        } satisfies HelloRequest.Params),
        closed,
      ]);
      return new ControlClient(connection, socket, hello.app);
    } catch (error) {
      connection.dispose();
      socket.destroy();
      throw error;
    }
  }

  status(): Promise<StatusRequest.Result> {
    return this.connection.sendRequest(StatusRequest.type, {});
  }

  reload(params: ReloadRequest.Params = {}): Promise<ReloadRequest.Result> {
    return this.connection.sendRequest(ReloadRequest.type, params);
  }

  history(): Promise<HistoryRequest.Result> {
    return this.connection.sendRequest(HistoryRequest.type, {});
  }

  async subscribe(listener: (event: RuntimeEvent) => void): Promise<void> {
    this.connection.onNotification(EventNotification.type, listener);
    await this.connection.sendRequest(SubscribeRequest.type, {});
  }

  onClose(listener: () => void): void {
    this.connection.onClose(listener);
  }

  close(): void {
    this.connection.dispose();
    this.socket.destroy();
  }
}
