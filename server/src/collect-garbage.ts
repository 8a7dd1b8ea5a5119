// A full collection on demand, for the one moment it pays: after the whole-workspace pass, when the type
// checkers that held every module's types were let go. V8 would collect them on its own only as the heap
// grows again, and until then the server would hold the pass's peak from the system. Node exposes `gc` only
// with --expose-gc, which a language client does not pass: the flag is set here, and a context created after
// it has the function.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
