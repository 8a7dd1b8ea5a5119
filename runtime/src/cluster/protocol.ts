// What a cluster's primary and its workers say to each other over node:cluster's IPC channel. The messages
// travel as Node's own internal messages do (a `cmd` starting with NODE_): Node hands those to 'internalMessage'
// listeners, never to the app's `process.on('message')` or `worker.on('message')`, so the app's own messages and
// the runtime's never meet.
import type { AppInfo, ReloadFailure, ReloadRequest, ReloadResult, RuntimeEvent, StatusRequest } from '../../../src-shared/control-protocol';

/** Sources as the primary read them once for every worker: absolute path and text, null for a file that is gone. */
export type Sources = Array<[file: string, text: string | null]>;

export type ToWorker =
  /** The code to start on: the committed sources of the cluster's epoch (files no reload touched come from disk). */
  | { type: 'snapshot'; epoch: number; sources: Sources }
  /** One transaction: load these sources and vote. */
  | { type: 'reload'; tx: number; sources: Sources; barrier?: Barrier }
  /** The answer to a vote: go on (`go: true`) or roll back with another worker's failure. */
  | { type: 'decision'; tx: number; step: 'prepared' | 'settled'; go: boolean; error?: ReloadFailure }
  | { type: 'ask'; id: number; question: Question };

/** The hold barrier: from a process's vote to its commit, new requests wait (at most `maxMs`). */
export interface Barrier {
  maxMs: number;
}

export type Question =
  | { kind: 'status' }
  | { kind: 'changed' }
  | { kind: 'modules' }
  /** The text it runs for each of these files (those it loaded): the committed code the coordinator did not read itself. */
  | { kind: 'texts'; files: string[] }
  | { kind: 'dry-run'; params: ReloadRequest.Params };

export type Answer = StatusRequest.Result | string[] | Array<[file: string, hash: string]> | Sources | ReloadResult;

export type ToPrimary =
  /** Started and waiting for its snapshot. */
  | { type: 'hello' }
  | { type: 'started'; info: AppInfo }
  | { type: 'start-failed'; error: ReloadFailure }
  | { type: 'prepared'; tx: number }
  /** When its new versions went live, in milliseconds since the epoch (sub-millisecond: one clock for the machine). */
  | { type: 'committed'; tx: number; at: number; held: number }
  | { type: 'settled'; tx: number }
  | { type: 'result'; tx: number; result: ReloadResult }
  | { type: 'answer'; id: number; value?: Answer; error?: string }
  | { type: 'event'; event: RuntimeEvent }
  /** The app asked for a reload (`import.meta.hot.invalidate()`): the primary runs it across every worker. */
  | { type: 'reload-request'; files: string[] };

const command = 'NODE_RELOADABLE';

interface Envelope<T> {
  cmd: typeof command;
  message: T;
}

/** What can carry messages: this process to its parent, or a child process (a cluster worker's `process`). */
interface Channel {
  send?: ((message: object, handle: undefined, options: undefined, callback: (error: Error | null) => void) => boolean) | undefined;
  connected?: boolean;
  on(event: 'internalMessage', listener: (message: unknown) => void): unknown;
}

/** Sends a message over the channel when it is still open; `then` runs once it was handed to the OS. */
export function post<T>(channel: Channel, message: T, then?: () => void): void {
  if (channel.connected === false || !channel.send) return then?.();
  channel.send({ cmd: command, message } satisfies Envelope<T>, undefined, undefined, () => then?.());
}

/** Calls `receive` with each message of the runtime's that arrives on the channel. */
export function listen<T>(channel: Channel, receive: (message: T) => void): void {
  channel.on('internalMessage', (envelope: unknown) => {
    if (typeof envelope === 'object' && envelope !== null && (envelope as Envelope<T>).cmd === command) receive((envelope as Envelope<T>).message);
  });
}

/** Marks the processes the primary forks: `reloadable run` in such a process is a worker. */
export const workerVariable = 'RELOADABLE_CLUSTER_WORKER';
