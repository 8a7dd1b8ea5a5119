// The connections the app's servers hold, looked at only when a reload needs them, never per request: at a
// commit, the requests then in flight (they may run old code of any module the reload retires: the old versions
// wait for them to finish, up to the drain timeout) and the long-lived connections then open, upgraded ones
// (WebSocket, socket.io) and event streams (`text/event-stream` responses). Their handlers were attached by the
// code live when they opened, and they never end by themselves: once the old calls drained they are closed
// (counted as forced), so their clients reconnect to the new code, as they would after a fresh start.
import type { ServerResponse } from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';

/** What a commit found open: requests to wait for, and long-lived connections to close. */
export interface OpenAtCommit {
  requests: ServerResponse[];
  longLived: Array<{ close(): void }>;
}

/** An http server's list of its connections (Node keeps it for closeIdleConnections): one parser each. */
type ConnectionList = { all(): Array<{ socket?: { _httpMessage?: unknown } | null }> };

let connectionsKey: symbol | undefined;

export class ServerConnections {
  /** Servers that may hold connections: listening, or detached with keep-alive connections still open. */
  private readonly servers = new Set<net.Server>();
  private readonly upgraded = new Set<Duplex>();

  /** A server of the app's: its connections are looked at when a reload commits. */
  watch(server: net.Server): void {
    this.servers.add(server);
  }

  /** An upgraded connection (the socket of an 'upgrade' event): rare, so followed as it comes. */
  upgrade(socket: Duplex): void {
    if (this.upgraded.has(socket)) return;
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  }

  /** The requests in flight and the long-lived connections open now. */
  openNow(): OpenAtCommit {
    const requests: ServerResponse[] = [];
    const longLived: Array<{ close(): void }> = [...this.upgraded].map((socket) => ({ close: () => socket.destroy() }));
    for (const server of this.servers) {
      const list = connectionsOf(server);
      if (!list) continue;
      const all = list.all();
      if (all.length === 0 && !server.listening) this.servers.delete(server);
      for (const parser of all) {
        const response = parser.socket?._httpMessage as ServerResponse | undefined;
        if (!response || response.writableFinished || response.destroyed) continue;
        if (isEventStream(response)) longLived.push({ close: () => response.destroy() });
        else requests.push(response);
      }
    }
    return { requests, longLived };
  }

  /** Upgraded connections and event streams open now. */
  get longLivedOpen(): number {
    return this.openNow().longLived.length;
  }
}

function connectionsOf(server: net.Server): ConnectionList | undefined {
  connectionsKey ??= Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connections');
  const list = connectionsKey ? (server as unknown as Record<symbol, unknown>)[connectionsKey] : undefined;
  return list && typeof (list as ConnectionList).all === 'function' ? (list as ConnectionList) : undefined;
}

function isEventStream(response: ServerResponse): boolean {
  const type = response.getHeader('content-type');
  if (typeof type === 'string') return type.toLowerCase().startsWith('text/event-stream');
  // Headers given to writeHead() go straight to the wire: only the header block written says what they were.
  const written = (response as unknown as { _header?: unknown })._header;
  return typeof written === 'string' && /^content-type:\s*text\/event-stream/im.test(written);
}

/** Resolves once `response` is done (finished or closed). */
export function whenDone(response: ServerResponse): Promise<void> {
  if (response.writableFinished || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => response.once('close', () => resolve()));
}
