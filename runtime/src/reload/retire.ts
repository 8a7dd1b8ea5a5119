// Retiring the versions a committed reload replaced (and those it left unreached): calls still running on
// them finish, up to the drain timeout (what is still running then is counted as forced); then they are
// disposed, and what they started that is still alive is reported as a leak.
import type { LifecycleEvent, ReloadResult, RuntimeEvent } from '../../../src-shared/control-protocol';
import type { ServerResponse } from 'node:http';
import { whenDone, type OpenAtCommit } from '../containment/connections';
import type { ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import { original } from '../originals';
import { within } from '../wait';
import { leaksOf, type PhaseClock } from './result';

export interface RetireContext {
  registry: Registry;
  result: ReloadResult;
  clock: PhaseClock;
  drainTimeoutMs: number;
  emit(event: RuntimeEvent): void;
  lifecycle(event: LifecycleEvent, versions: ModuleVersion[]): void;
  dispose(version: ModuleVersion): Promise<void>;
  /** What was open at the commit: requests (they may run the old code), long-lived connections (to close). */
  openAtCommit: OpenAtCommit;
}

/** Drains `versions`, disposes them, and reports their leaks; `orphans` among them leave the registry. */
export async function retire(versions: ModuleVersion[], orphans: readonly ModuleVersion[], context: RetireContext): Promise<void> {
  const { result, clock } = context;
  const running = () => versions.reduce((sum, version) => sum + version.inFlight, 0) + context.openAtCommit.requests.filter(isOpen).length;
  const inFlight = running();
  if (inFlight > 0) await clock.timed('drain', () => drainAll(versions, context.drainTimeoutMs, context.openAtCommit.requests));
  const forced = running();
  result.drained += inFlight - forced;
  // Long-lived connections never end by themselves: once the old calls are done, their clients reconnect.
  for (const connection of context.openAtCommit.longLived) connection.close();
  result.forced += forced + context.openAtCommit.longLived.length;
  for (const orphan of orphans) context.registry.records.delete(orphan.id);
  await clock.timed('dispose', async () => {
    context.lifecycle('before-unload', versions);
    for (const version of versions) await context.dispose(version);
    context.lifecycle('after-unload', versions);
  });
  // What a close only asked for (a socket's end) has had its turn to happen before leaks are counted.
  await new Promise((resolve) => original.setTimeout(resolve, 0));
  for (const version of versions) result.leaks.push(...leaksOf(version));
  for (const leak of result.leaks) context.emit({ type: 'leak', leak });
}

/** Resolves true once every version is idle (and every request done), false when the timeout comes first. */
export function drainAll(versions: ModuleVersion[], timeoutMs: number, requests: readonly ServerResponse[] = []): Promise<boolean> {
  const idle = Promise.all([...versions.map((version) => version.whenIdle()), ...requests.map(whenDone)]).then(() => true);
  return within(idle, timeoutMs, () => false, { keepAlive: true });
}

function isOpen(response: ServerResponse): boolean {
  return !response.writableFinished && !response.destroyed;
}
