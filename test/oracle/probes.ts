// Asking an app the same questions, and telling which differences in its answers are the app's and which are
// noise: whatever differs between two processes on the same sources (a Date, a request id, an uptime) is noise
// for that probe, found at the start and left out of every later comparison.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import type { HttpProbe, SocketProbe } from './spec';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers of the transport, never of the app. */
const transport = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

export function describeProbe(probe: HttpProbe): string {
  return `${probe.method ?? 'GET'} ${probe.path}`;
}

export function send(port: number, probe: HttpProbe, agent?: http.Agent, timeoutMs = 15_000): Promise<Answer> {
  const body = probe.body === undefined ? undefined : typeof probe.body === 'string' ? probe.body : JSON.stringify(probe.body);
  const headers = { ...(body !== undefined && typeof probe.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...probe.headers };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: probe.method ?? 'GET', path: probe.path, headers, agent: agent ?? false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          const kept: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) if (!transport.has(name)) kept[name] = String(value);
          resolve({ status: response.statusCode ?? 0, headers: kept, body: text });
        });
        response.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** What is noise in one probe's answers. */
export interface Noise {
  headers: string[];
  /** JSON paths of the body that differ between processes; `['*']` when the body is not JSON and differs. */
  body: string[];
}

function jsonDiff(a: unknown, b: unknown, at = '$', out: string[] = []): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) jsonDiff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(at);
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A value that says what time it is (an HTTP date, epoch seconds or milliseconds within a day of now): two
 * processes answer alike only when they happen to answer in the same second, so it is noise even when the two
 * answers the noise is learned from agree (a rate limiter's `x-ratelimit-reset`).
 */
export function tellsTime(value: string | undefined, now = Date.now()): boolean {
  if (value === undefined) return false;
  const day = 86_400_000;
  if (/^\d{10}$/.test(value)) return Math.abs(Number(value) * 1000 - now) < day;
  if (/^\d{13}$/.test(value)) return Math.abs(Number(value) - now) < day;
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return false;
  return Math.abs(Date.parse(value) - now) < day;
}

export function noiseBetween(a: Answer, b: Answer): Noise {
  const headers = [...new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])].filter(
    (name) => a.headers[name] !== b.headers[name] || tellsTime(a.headers[name]),
  );
  if (a.body === b.body) return { headers, body: [] };
  const [x, y] = [parseJson(a.body), parseJson(b.body)];
  return { headers, body: x !== undefined && y !== undefined ? jsonDiff(x, y) : ['*'] };
}

function masked(value: unknown, paths: string[], at = '$'): unknown {
  if (paths.includes(at)) return '<noise>';
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item, index) => masked(item, paths, `${at}.${index}`));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item, paths, `${at}.${key}`)]));
}

/** The answer as compared: noise left out, a JSON body masked where it is noise. */
export function comparable(answer: Answer, noise: Noise): Answer {
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => !noise.headers.includes(name) && !(name === 'content-length' && noise.body.length)),
  );
  if (noise.body.includes('*')) return { status: answer.status, headers, body: '<noise>' };
  if (noise.body.length === 0) return { status: answer.status, headers, body: answer.body };
  const json = parseJson(answer.body);
  return { status: answer.status, headers, body: json === undefined ? answer.body : JSON.stringify(masked(json, noise.body)) };
}

/** A client that stays connected across reloads: asks over its connection, and reconnects when it was closed. */
export class SocketClient {
  reconnects = 0;
  private ws: WebSocket | undefined;
  private io: any;

  constructor(
    readonly probe: SocketProbe,
    private readonly port: number,
    private readonly appDir: string,
  ) {}

  static describe(probe: SocketProbe): string {
    return probe.type === 'ws' ? `ws ${probe.path ?? '/'} ${probe.message}` : `socket.io ${probe.event}`;
  }

  async ask(timeoutMs = 5000): Promise<string> {
    return this.probe.type === 'ws' ? this.askWs(this.probe, timeoutMs) : this.askIo(this.probe, timeoutMs);
  }

  close(): void {
    this.ws?.terminate();
    this.io?.disconnect();
  }

  private async openWs(path: string): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.ws;
    if (this.ws) this.reconnects++;
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}${path}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('error', () => undefined);
    this.ws = ws;
    return ws;
  }

  private async askWs(probe: Extract<SocketProbe, { type: 'ws' }>, timeoutMs: number): Promise<string> {
    const ws = await this.openWs(probe.path ?? '/');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no ws answer within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (data: WebSocket.RawData) => done(undefined, String(data));
      const onClose = () => done(new Error('the ws connection closed before answering'));
      const done = (error?: Error, text?: string) => {
        clearTimeout(timer);
        ws.off('message', onMessage);
        ws.off('close', onClose);
        if (error) reject(error);
        else resolve(text!);
      };
      ws.on('message', onMessage);
      ws.once('close', onClose);
      ws.send(probe.message);
    });
  }

  private async askIo(probe: Extract<SocketProbe, { type: 'socket.io' }>, timeoutMs: number): Promise<string> {
    if (!this.io) {
      // The app's own socket.io-client, so client and server speak the same protocol version.
      const { io } = createRequire(`${this.appDir}/package.json`)('socket.io-client');
      this.io = io(`http://127.0.0.1:${this.port}`, {
        path: probe.path ?? '/socket.io',
        transports: ['websocket'],
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
      });
      this.io.io.on('reconnect', () => this.reconnects++);
    }
    const answer = await this.io.timeout(timeoutMs).emitWithAck(probe.event, ...(probe.args ?? []));
    return JSON.stringify(answer);
  }
}
