// Connections node:cluster's round-robin primary hands to a worker that dies before taking them. The primary
// accepts each connection and sends it to a worker, keeping its own copy until the worker answers; a worker
// killed in between never answers, and Node keeps that copy open for good: the client's request hangs, its
// bytes unread in the primary (nodejs/node#21746 is one report of it). Here each handoff to a worker is noted
// until its answer, and when the worker exits, what it never took is closed: the client sees the connection end
// at once (a request failed on the worker that died, as its accepted ones do) instead of waiting forever.
import type { Worker } from 'node:cluster';

/** Node's message for a connection handed to a worker (internal/cluster/round_robin_handle.js). */
interface Handoff {
  cmd: 'NODE_CLUSTER';
  act: 'newconn';
  seq: number;
}

function isHandoff(message: unknown): message is Handoff {
  const candidate = message as Partial<Handoff> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.cmd === 'NODE_CLUSTER' &&
    candidate.act === 'newconn' &&
    typeof candidate.seq === 'number'
  );
}

/** Watches the connections handed to `worker`; closes those it has not taken when it exits. */
export function closeUntakenOnExit(worker: Worker): void {
  const child = worker.process as Worker['process'] & { send(message: unknown, handle?: unknown, ...rest: unknown[]): boolean };
  const untaken = new Map<number, { close(): void }>();
  const send = child.send;
  child.send = function (this: unknown, message: unknown, handle?: unknown, ...rest: unknown[]) {
    if (isHandoff(message) && handle && typeof (handle as { close?: unknown }).close === 'function')
      untaken.set(message.seq, handle as { close(): void });
    return send.call(this, message, handle, ...rest);
  } as typeof child.send;
  child.on('internalMessage', (message: { cmd?: unknown; ack?: unknown } | null) => {
    if (message?.cmd === 'NODE_CLUSTER' && typeof message.ack === 'number') untaken.delete(message.ack);
  });
  worker.once('exit', () => {
    for (const handle of untaken.values()) {
      try {
        handle.close();
      } catch {
        // Closed already.
      }
    }
    untaken.clear();
  });
}
