// Timers a version's code schedules (`setTimeout`, `setImmediate`, `setInterval`, global or from
// `node:timers`) are recorded on it and cleared when it retires. A one-shot timer runs on in the context it
// was scheduled in (a bootstrap that waits a moment is still loading); an interval is a running source, so its
// ticks run in the version's run context.
import type { HandleKind } from '../../../src-shared/control-protocol';
import { runIn } from '../modules/module';
import { runtimeRequire } from '../location';
import { original } from '../originals';
import { calledFromGoneCode } from './faults';
import { likeOriginal, owner } from './replace';
import type { TrackedHandle } from './resources';

type Timer = { _destroyed?: boolean };

// The CommonJS exports object of node:timers: the one to patch (ES importers see it after syncBuiltinESMExports).
const timers = runtimeRequire('node:timers') as Record<string, unknown>;

export function patchTimers(): void {
  const once = (schedule: typeof setTimeout | typeof setImmediate, clear: (timer: any) => void, kind: HandleKind, label: string) =>
    likeOriginal(function scheduled(this: unknown, callback: unknown, ...rest: unknown[]) {
      const version = owner();
      if (!version || typeof callback !== 'function') return (schedule as Function).call(this, callback, ...rest);
      let handle: TrackedHandle | undefined;
      const timer = (schedule as Function).call(
        this,
        function (this: unknown, ...args: unknown[]) {
          version.resources.remove(handle);
          return callback.apply(this, args);
        },
        ...rest,
      ) as Timer;
      const delay = kind === 'timer' ? ` after ${Number(rest[0] ?? 0)} ms` : '';
      handle = version.resources.add(
        kind,
        timer,
        () => `${label}${delay}`,
        () => timer._destroyed === false,
        () => clear(timer),
        scheduled,
      );
      return timer;
    }, schedule);
  const interval = likeOriginal(function interval(this: unknown, callback: unknown, ...rest: unknown[]) {
    const version = owner();
    if (!version || typeof callback !== 'function') {
      const timer = (original.setInterval as Function).call(this, callback, ...rest) as Timer;
      // A rolled-back version's bootstrap, resumed after its rollback, starts nothing that runs its code.
      if (!version && calledFromGoneCode(interval)) clearInterval(timer as never);
      return timer;
    }
    const run = version.contexts.run;
    const timer = (original.setInterval as Function).call(
      this,
      function (this: unknown, ...args: unknown[]) {
        return runIn(run, () => callback.apply(this, args));
      },
      ...rest,
    ) as Timer;
    version.resources.add(
      'timer',
      timer,
      () => `setInterval every ${Number(rest[0] ?? 0)} ms`,
      () => timer._destroyed === false,
      () => clearInterval(timer as never),
      interval,
    );
    return timer;
  }, original.setInterval);
  const replacements = {
    setTimeout: once(original.setTimeout, clearTimeout, 'timer', 'setTimeout'),
    setImmediate: once(original.setImmediate, clearImmediate, 'immediate', 'setImmediate'),
    setInterval: interval,
  };
  Object.assign(globalThis, replacements);
  Object.assign(timers, replacements);
}
