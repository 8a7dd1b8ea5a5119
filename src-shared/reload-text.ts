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

/** Each phase that ran, with its time: `plan 0.5 ms`. */
export function phaseTexts(phases: ReloadResult['phases']): string[] {
  return Object.entries(phases).map(([phase, ms]) => `${phase} ${formatMs(ms ?? 0)}`);
}

/** A process of a cluster by its number: 0 is the app's own primary (an app that forks its workers). */
export function processName(worker: number): string {
  return worker === 0 ? "the app's primary" : `worker ${worker}`;
}

/** What happened to the calls in flight across the swap. */
export function describeCounts(result: Pick<ReloadResult, 'drained' | 'queued' | 'forced'>): string {
  return `drained ${result.drained}, queued ${result.queued}, forced ${result.forced}`;
}
