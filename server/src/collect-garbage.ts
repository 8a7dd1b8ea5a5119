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

export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  keptAfterLast = getHeapStatistics().used_heap_size;
}

/** Collects when the heap grew well past what the last collection kept; cheap otherwise. */
export function collectGarbageIfGrown(): void {
  if (keptAfterLast > 0 && getHeapStatistics().used_heap_size > keptAfterLast * growthBeforeCollecting) collectGarbage();
}
