// Calls that wait while a stateful module is suspended for its swap: a call of one of its exported async
// functions (or an async method of an exported object) made then is kept, in arrival order, and run once the
// swap ends, on whatever version is live then: the new one after a commit, the old one after a rollback.
import type { ModuleVersion } from '../modules/module';

interface DeferredCall {
  version: ModuleVersion;
  /** The export's name, or `name.method` for a method of an exported object. */
  key: string;
  self: unknown;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class DeferredCalls {
  private readonly calls: DeferredCall[] = [];

  /** Keeps a call of `version`'s export `key`; the promise settles as the call will. */
  defer(version: ModuleVersion, key: string, self: unknown, args: ArrayLike<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => this.calls.push({ version, key, self, args: Array.from(args), resolve, reject }));
  }

  /** Runs the calls that waited, in arrival order, on whatever version is live now; returns how many ran. */
  resume(): number {
    const calls = this.calls.splice(0);
    for (const call of calls) {
      const live = call.version.record.current ?? call.version;
      const [name, method] = call.key.split('.') as [string, string | undefined];
      const oldTarget = call.version.module.exports[name];
      const target = live.module.exports[name];
      const fn = method ? target?.[method] : target;
      const self = method && call.self === oldTarget ? target : call.self;
      try {
        call.resolve(Reflect.apply(fn, self, call.args));
      } catch (error) {
        call.reject(error);
      }
    }
    return calls.length;
  }
}
