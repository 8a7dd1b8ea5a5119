// How a reload result reads to people: the pieces the CLI and the extension word the same way.
import type { ReloadResult } from './control-protocol';

/** Milliseconds: one decimal below 10 ms, whole numbers above. */
export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** What happened to the calls in flight across the swap. */
export function describeCounts(result: Pick<ReloadResult, 'drained' | 'queued' | 'forced'>): string {
  return `drained ${result.drained}, queued ${result.queued}, forced ${result.forced}`;
}
