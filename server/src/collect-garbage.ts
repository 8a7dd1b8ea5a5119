// Full collections on demand, at the moments they pay: after the whole-workspace pass, when the type checkers
// that held every module's types were let go; and when the server goes idle with a heap grown well past what
// it kept after the last collection (each edit builds and drops type programs). V8 would collect on its own
// only as the heap grows further, holding the peak from the system meanwhile. Node exposes `gc` only with
// --expose-gc, which a language client does not pass: the flag is set here, and a context created after it
// has the function.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How far the heap may grow past what the last collection kept before an idle server collects. */
const growthBeforeCollecting = 1.5;

let collect: (() => void) | undefined;
let keptAfterLast = 0;

/**
 * `thorough` after the whole-workspace pass: full collections until two in a row free nothing more (at most six).
 * The first frees what is garbage, but its pages go back to the system only once sweeping is done, which the next
 * one finishes, and the one after returns what that freed; a collection that begins while V8 is already marking
 * keeps what that marking saw alive, which a later one frees. A single collection left a large workspace's server
 * 60–100 MB more resident until V8 got round to it; each collection of a 430 MB heap takes about 0.2 s, which an
 * idle server between edits should not pay several times.
 */
export function collectGarbage(thorough = false): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  if (thorough) {
    let used = getHeapStatistics().used_heap_size;
    for (let pass = 1, stable = 0; stable < 2 && pass < 6; pass++) {
      collect();
      const now = getHeapStatistics().used_heap_size;
      stable = now > used * 0.99 ? stable + 1 : 0;
      used = now;
    }
  }
  keptAfterLast = getHeapStatistics().used_heap_size;
}

/** Collects when the heap grew well past what the last collection kept; cheap otherwise. */
export function collectGarbageIfGrown(): void {
  if (keptAfterLast > 0 && getHeapStatistics().used_heap_size > keptAfterLast * growthBeforeCollecting) collectGarbage();
}
