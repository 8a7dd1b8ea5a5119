import { increment, snapshot } from '../core/store.js';

/** Counts visits per path and logs a summary every ten seconds, with a timer this version owns. */
export function visit(path: string): number {
  return increment(path);
}

import.meta.hot?.setInterval(() => {
  const counts = snapshot();
  if (Object.keys(counts).length > 0) process.stdout.write(`visits: ${JSON.stringify(counts)}\n`);
}, 10_000);
