// Long-lived connections the app's servers hold: upgraded ones (WebSocket, socket.io) and event streams
// (`text/event-stream` responses). Their handlers were attached by whatever code was live when they opened, and
// they never end by themselves: after a reload retires code, the connections opened before its commit are
// closed once the retired versions' calls drained (counted as forced), so their clients reconnect to the new
// code, as they would after a fresh start.
import type { Duplex } from 'node:stream';

interface Opened {
  /** What to close: the upgraded socket, or the stream's response. */
  close(): void;
  /** When it opened, on the runtime's clock. */
  at: number;
}

export class LongLivedConnections {
  private readonly upgraded = new Map<Duplex, Opened>();
  private readonly responses = new Map<object, Opened>();

  /** An upgraded connection (the socket of an 'upgrade' event). */
  upgrade(socket: Duplex): void {
    if (this.upgraded.has(socket)) return;
    this.upgraded.set(socket, { close: () => socket.destroy(), at: performance.now() });
    socket.once('close', () => this.upgraded.delete(socket));
  }

  /** A response a server is answering: long-lived if it turns out to be an event stream. */
  response(response: { once(event: 'close', listener: () => void): unknown; getHeader?(name: string): unknown; destroy?(): void }): void {
    this.responses.set(response, { close: () => response.destroy?.(), at: performance.now() });
    response.once('close', () => this.responses.delete(response));
  }

  /** How many upgraded connections and event streams are open now. */
  get open(): number {
    let streams = 0;
    for (const response of this.responses.keys()) if (isEventStream(response)) streams++;
    return this.upgraded.size + streams;
  }

  /** Closes those opened before `before` (a commit's time); returns how many. */
  closeOpenedBefore(before: number): number {
    let closed = 0;
    for (const [socket, opened] of [...this.upgraded]) {
      if (opened.at >= before) continue;
      this.upgraded.delete(socket);
      opened.close();
      closed++;
    }
    for (const [response, opened] of [...this.responses]) {
      if (opened.at >= before || !isEventStream(response)) continue;
      this.responses.delete(response);
      opened.close();
      closed++;
    }
    return closed;
  }
}

function isEventStream(response: object): boolean {
  const type = (response as { getHeader?(name: string): unknown }).getHeader?.('content-type');
  if (typeof type === 'string') return type.toLowerCase().startsWith('text/event-stream');
  // Headers given to writeHead() go straight to the wire: only the header block written says what they were.
  const written = (response as { _header?: unknown })._header;
  return typeof written === 'string' && /^content-type:\s*text\/event-stream/im.test(written);
}
