// What a worker thread of the app tells the main thread's runtime (containment/threads.ts): each app file it
// loads, with the stamp of the text it read (time, size, hash), and when its entry module is up. A thread runs its own module
// registry, which the runtime does not swap; instead, when one of the files a thread loaded changes, the
// module that started the thread runs again, starting a new thread on the new code, and the reload waits for
// that thread to be up before it commits. The messages go over a BroadcastChannel, so the app's own
// `parentPort` and `worker.on('message')` never see them.
//
// "Up" is the end of the entry's evaluation (a line appended to an ES entry; the return of a CommonJS entry's
// compiled function), or, for an ES entry that awaits at its top level (a message loop, a connection), the
// first turn of the thread's event loop after the entry's body started: the thread then waits for work.
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { readSource, type SourceStamp } from '../modules/sources';

/** The channel's name: one per process, every thread of the app posting to it. */
export const threadChannel = 'reloadable:threads';

/** Where the thread's code calls to say how far its entry got (the lines added to an ES entry). */
const signalKey = 'reloadable.thread';

export type ThreadMessage =
  | { token: string; type: 'loaded'; file: string; stamp: SourceStamp }
  /** The entry finished evaluating, or waits at its top level. */
  | { token: string; type: 'up' };

/** A thread's side, from the parameters the main thread put on the `--import` URL; undefined outside a thread of the app. */
export class ThreadReport {
  private readonly channel: BroadcastChannel;
  private readonly reported = new Set<string>();

  constructor(
    readonly token: string,
    /** The thread's entry, as a file URL. */
    readonly entry: string,
  ) {
    this.channel = new BroadcastChannel(threadChannel);
    // The channel never keeps a thread alive: it lives as long as the app's own work does.
    (this.channel as { unref?: () => void }).unref?.();
  }

  static fromUrl(url: string): ThreadReport | undefined {
    const params = new URL(url).searchParams;
    const token = params.get('thread');
    const entry = params.get('entry');
    return token && entry ? new ThreadReport(token, entry) : undefined;
  }

  /** An app file the thread loads (node_modules are not the app's). */
  loaded(url: string): void {
    if (!url.startsWith('file:')) return;
    const file = fileURLToPath(url);
    if (this.reported.has(file) || file.split(/[\\/]/).includes('node_modules')) return;
    this.reported.add(file);
    let stamp: SourceStamp;
    try {
      stamp = readSource(file).stamp;
    } catch {
      return;
    }
    this.post({ token: this.token, type: 'loaded', file, stamp });
  }

  up(): void {
    this.post({ token: this.token, type: 'up' });
  }

  /**
   * What a loader hook answers for `url`, seen on its way: an ES load is reported (`loaded`), and the entry's
   * source gets the lines that say how far it got (`marked`).
   */
  seen<T extends { format?: string | null; source?: unknown }>(url: string, result: T): T {
    this.loaded(url);
    const text = url === this.entry ? sourceText(result.source) : undefined;
    return text === undefined ? result : { ...result, source: ThreadReport.marked(text, result.format) };
  }

  /** Installs the function an ES entry's added lines call (in the thread itself, not in a hooks thread). */
  listenForEntry(): void {
    let up = false;
    const signal = (state: 'evaluating' | 'done') => {
      if (up) return;
      if (state === 'done') {
        up = true;
        return this.up();
      }
      // The body started: its imports are evaluated. The first turn of the event loop after it means the
      // body ran to its end or to a top-level await.
      setImmediate(() => {
        if (up) return;
        up = true;
        this.up();
      });
    };
    Object.defineProperty(globalThis, Symbol.for(signalKey), { value: signal, configurable: true });
  }

  /**
   * An entry's source with the lines that say how far it got: for an ES module, one at the start of its body
   * (after its imports ran: they evaluate first) and one at its end; for CommonJS, which runs in one go, the
   * one at its end (a line at its start would come before a 'use strict'). Line numbers stay as they are.
   */
  static marked(source: string, format: string | null | undefined): string {
    const call = (state: string) => `globalThis[Symbol.for(${JSON.stringify(signalKey)})]?.(${JSON.stringify(state)});`;
    const end = `${source}\n${call('done')}\n`;
    if (!format?.startsWith('module')) return end;
    const shebang = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
    return `${end.slice(0, shebang)}${call('evaluating')}${end.slice(shebang)}`;
  }

  private post(message: ThreadMessage): void {
    try {
      this.channel.postMessage(message);
    } catch {
      // The channel is closed as the thread ends: nothing left to say.
    }
  }
}

/** A loader's `source` as text (Node hands it over as a string, a Buffer or an ArrayBuffer view). */
export function sourceText(source: unknown): string | undefined {
  if (typeof source === 'string') return source;
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8');
  if (source instanceof ArrayBuffer) return Buffer.from(source).toString('utf8');
  return undefined;
}
