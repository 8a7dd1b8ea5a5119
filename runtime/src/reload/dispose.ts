// Retiring one module version: its dispose callbacks run, what it owns closes (newest first), what it started
// stops (timers, listeners, servers, sockets, children, workers, watchers), and its lifecycle listeners and
// mailbox handlers go away. Used by reloads, by rollbacks (for the dropped candidates) and when the app stops.
import { closeResource } from '../module-api/closing';
import { messageOf, say } from '../errors';
import type { LifecycleBus } from './events';
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import { isThenable, within } from '../wait';

export interface DisposeOptions {
  bus: LifecycleBus;
  /** How long a dispose callback or a close may take. */
  waitMs: number;
  /** Whether something live still needs a handle the version started (owned by a newer version, kept in `hot.data`). */
  keep(target: object): boolean;
}

/** Disposes a version; returns what went wrong (a dispose that threw, a close that failed) as warnings. */
export async function disposeVersion(version: ModuleVersion, record: ModuleRecord | undefined, options: DisposeOptions): Promise<string[]> {
  const warnings: string[] = [];
  const data = record?.data ?? {};
  for (const dispose of version.hot.disposers) {
    try {
      await settledWithin(
        version.call(() => dispose(data)),
        options.waitMs,
      );
    } catch (error) {
      warnings.push(say.disposeThrew(version.id, version.number, messageOf(error)));
    }
  }
  for (const resource of [...version.hot.owned].reverse()) {
    try {
      await closeResource(resource, options.waitMs);
    } catch (error) {
      warnings.push(say.closeFailed(version.id, version.number, messageOf(error)));
    }
  }
  version.hot.owned.length = 0;
  for (const failure of await version.resources.stopAll(version, options.keep, options.waitMs))
    warnings.push(say.closeFailed(version.id, version.number, failure));
  options.bus.removeFor(version);
  for (const mailbox of record?.mailboxes ?? []) mailbox.unbind(version);
  version.record.finish(version);
  return warnings;
}

/** Waits for a dispose callback's promise, a moment at most. */
async function settledWithin(value: unknown, ms: number): Promise<void> {
  if (isThenable(value)) await within(value, ms, () => undefined);
}
