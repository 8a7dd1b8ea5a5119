// What a module version starts, it stops. Node's own timers, `process` listeners, servers, client sockets,
// UDP sockets, child processes, workers and file watchers are patched once, at start (each patch lives in the
// file of what it contains): each one made while a version's code runs (its loading, and what runs on from
// it) is recorded on that version's Resources, with the stack that made it, and stopped when the version
// retires or its reload rolls back, whether the app uses `import.meta.hot` or not. Code outside any version (a
// request a server answers, a package at start-up) pays one context lookup and keeps Node's behaviour exactly.
import { syncBuiltinESMExports } from 'node:module';
import { patchChildren } from './children';
import { ListenSlots, type ListenPolicy } from './listen-slots';
import { patchPackageObjects } from './package-objects';
import { patchProcessListeners } from './process-listeners';
import { patchServers } from './servers';
import { patchSockets } from './sockets';
import { patchTimers } from './timers';
import { patchWatchers } from './watchers';

let slots: ListenSlots | undefined;

/** Installs the tracking once per process; `policy` (the newest runtime's) decides listen hand-overs. Returns the listen slots. */
export function installContainment(policy: ListenPolicy): ListenSlots {
  if (slots) {
    slots.policy = policy;
    return slots;
  }
  slots = new ListenSlots(policy);
  patchTimers();
  patchProcessListeners();
  patchServers(slots);
  patchSockets();
  patchChildren();
  patchWatchers();
  patchPackageObjects();
  syncBuiltinESMExports();
  return slots;
}
