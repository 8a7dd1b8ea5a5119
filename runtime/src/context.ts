// The asynchronous context of app code: which module version's code is running, and whether it is still
// loading. A version's top level runs in its `load` context, and so does everything that runs on from it as
// a continuation (promises, timeouts, immediates): a bootstrap function that awaits its database and then
// builds the app is still loading. Long-lived sources a version starts (intervals, servers) run their
// callbacks in its `run` context; requests a server receives run in no version's context at all.
//
// The context tells the registry what a loading version consumed from its imports, the resource tracker
// who owns a timer or a server, and the fault handler whose fault an uncaught exception is.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ModuleVersion } from './modules/version';

export interface VersionContext {
  readonly version: ModuleVersion;
  readonly loading: boolean;
}

export const appContext = new AsyncLocalStorage<VersionContext>();

/** The module version whose code (or whose loading) is running now, if any. */
export function currentVersion(): ModuleVersion | undefined {
  return appContext.getStore()?.version;
}

/** Runs `call` outside any version's context: what it starts belongs to no version. */
export function outsideVersions<T>(call: () => T): T {
  return appContext.exit(call);
}
