import type { HazardCode } from './hazard-codes';

/** One line per hazard, for rule lists (SARIF, the docs, the editor). */
export const hazardTitles: Record<HazardCode, string> = {
  'unowned-timer': 'A timer whose handle is dropped keeps running old code after a reload.',
  'floating-promise': 'A promise neither awaited, returned, stored nor handled outlives its module version.',
  'unowned-handle': 'A worker, child process, server, socket or watcher whose handle is dropped stays open after a reload.',
  'stray-listener': 'A listener on something the module does not own keeps calling old code after a reload.',
  'global-mutation': 'A write to global state survives the module and piles up across versions.',
  'layer-violation': 'An import goes up the declared layers.',
  'import-cycle': 'An import closes a cycle, so its modules can only reload together.',
};
