// How a reload result reads to people: the pieces the CLI and the extension word the same way.
import type { ReloadResult } from './control-protocol';

/** Milliseconds: one decimal below 10 ms, whole numbers above. */
export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/**
 * How long a reload took as people feel it: until the new code served, for a committed reload (its settle window
 * and the old versions' retiring come after); the whole transaction for one that rolled back.
 */
export function servingMs(result: Pick<ReloadResult, 'durationMs' | 'servingAfterMs' | 'outcome'>): number {
  return result.outcome === 'committed' ? (result.servingAfterMs ?? result.durationMs) : result.durationMs;
}

/** What happened to the calls in flight across the swap. */
export function describeCounts(result: Pick<ReloadResult, 'drained' | 'queued' | 'forced'>): string {
  return `drained ${result.drained}, queued ${result.queued}, forced ${result.forced}`;
}
