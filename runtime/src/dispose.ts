// Retiring one module version: its dispose callbacks run, what it owns closes (newest first), and its
// listeners and mailbox handlers go away. Used by reloads, by rollbacks (for the dropped candidates) and
// when the app stops.
import { messageOf, say } from './errors';
import type { LifecycleBus } from './events';
import type { ModuleRecord } from './registry';
import { closeResource } from './resources';
import type { ModuleVersion } from './version';

/** Disposes a version; returns what went wrong (a dispose that threw, a close that failed) as warnings. */
export async function disposeVersion(
  version: ModuleVersion,
  record: ModuleRecord | undefined,
  bus: LifecycleBus,
  closeWaitMs: number,
): Promise<string[]> {
  const warnings: string[] = [];
  const data = record?.data ?? {};
  for (const dispose of version.disposers) {
    try {
      await dispose(data);
    } catch (error) {
      warnings.push(say.disposeThrew(version.id, version.number, messageOf(error)));
    }
  }
  for (const resource of [...version.owned].reverse()) {
    try {
      await closeResource(resource, closeWaitMs);
    } catch (error) {
      warnings.push(say.closeFailed(version.id, version.number, messageOf(error)));
    }
  }
  version.owned.length = 0;
  bus.removeFor(version);
  for (const mailbox of record?.mailboxes ?? []) mailbox.unbind(version);
  record?.retiring.delete(version);
  version.status = version.status === 'candidate' ? 'dropped' : 'retired';
  return warnings;
}
