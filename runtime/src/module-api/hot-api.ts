// `import.meta.hot`: the module API (docs/runtime.md), one object per module version.
import type { LifecycleEvent } from '../../../src-shared/control-protocol';
import { say } from '../errors';
import { runIn, type ModuleVersion } from '../modules/module';
import { original } from '../originals';
import { describeValue, isOwnable } from './closing';
import type { Mailbox } from './mailbox';
import type { MailboxHandler, StateHandler } from './registrations';

/** What the API needs from the registry. */
export interface HotHost {
  dataOf(id: string): Record<string, unknown>;
  /** Module id of a specifier as written in `file`, or undefined when it is not an app module. */
  idOfSpecifier(specifier: string, file: string): string | undefined;
  mailbox(version: ModuleVersion, index: number): Mailbox;
  on(version: ModuleVersion, event: LifecycleEvent, callback: (payload: unknown) => unknown): void;
  invalidate(id: string, message: string | undefined): void;
}

const events: readonly LifecycleEvent[] = ['before-unload', 'after-unload', 'after-load', 'commit', 'rollback'];

export function createHot(version: ModuleVersion, host: HotHost) {
  const registered = version.hot;
  const duringInit = (api: string) => {
    if (!version.evaluation.initialising) throw new Error(say.notAfterInit(api));
  };
  const own = <T>(resource: T): T => {
    if (!isOwnable(resource)) throw new TypeError(say.notOwnable(describeValue(resource)));
    registered.own(resource);
    return resource;
  };
  return {
    get data() {
      return host.dataOf(version.id);
    },
    get version() {
      return version.number;
    },
    dispose(callback: (data: Record<string, unknown>) => unknown) {
      registered.disposers.push(callback);
    },
    accept(deps?: unknown, callback?: (module: unknown) => void) {
      accept(version, host, deps, callback);
    },
    decline() {
      registered.declines = true;
    },
    invalidate(message?: string) {
      host.invalidate(version.id, message);
    },
    on(event: LifecycleEvent, callback: (payload: unknown) => unknown) {
      if (!events.includes(event)) throw new TypeError(`import.meta.hot.on(): unknown event '${event}', use one of ${events.join(', ')}`);
      host.on(version, event, callback);
    },
    state(options: StateOptions) {
      duringInit('state');
      registered.stateHandler = stateHandlerOf(options);
    },
    own,
    ...ownedTimers(version, own),
    listen(target: any, event: string, listener: (...args: any[]) => void) {
      if (typeof target?.addEventListener === 'function' && typeof target?.on !== 'function') {
        target.addEventListener(event, listener);
        own({ close: () => target.removeEventListener(event, listener) });
      } else {
        target.on(event, listener);
        own({ close: () => target.off?.(event, listener) ?? target.removeListener?.(event, listener) });
      }
    },
    mailbox(handler: MailboxHandler) {
      duringInit('mailbox');
      if (typeof handler !== 'function') throw new TypeError('import.meta.hot.mailbox() needs a handler function');
      registered.mailboxHandlers.push(handler);
      return host.mailbox(version, registered.mailboxHandlers.length - 1).port;
    },
  };
}

type StateOptions = { version: number; save(): unknown; restore(saved: unknown, fromVersion: number): void };

/** `accept()`, `accept(cb)`: the module takes its own changes; `accept(deps, cb)`: those of the modules named. */
function accept(version: ModuleVersion, host: HotHost, deps: unknown, callback: ((module: unknown) => void) | undefined): void {
  const registered = version.hot;
  if (deps === undefined || typeof deps === 'function') {
    registered.selfAccepts = true;
    if (typeof deps === 'function') registered.selfAcceptCallbacks.push(deps as (module: unknown) => void);
    return;
  }
  for (const specifier of typeof deps === 'string' ? [deps] : (deps as string[])) {
    const id = host.idOfSpecifier(specifier, version.file);
    if (id === undefined) throw new Error(say.unknownSpecifier(specifier));
    const callbacks = registered.acceptedDeps.get(id) ?? [];
    if (callback) callbacks.push(callback);
    registered.acceptedDeps.set(id, callbacks);
  }
}

function stateHandlerOf(options: StateOptions): StateHandler {
  if (typeof options !== 'object' || options === null) throw new TypeError(say.badState('needs an options object'));
  if (!Number.isInteger(options.version)) throw new TypeError(say.badState('needs an integer `version`'));
  if (typeof options.save !== 'function' || typeof options.restore !== 'function') {
    throw new TypeError(say.badState('needs `save` and `restore` functions'));
  }
  return { version: options.version, save: options.save, restore: options.restore };
}

/** `hot.setInterval`, `hot.setTimeout`: timers the version owns, running in its run context. */
function ownedTimers(version: ModuleVersion, own: <T>(resource: T) => T) {
  const run = version.contexts.run;
  return {
    setInterval(callback: () => void, ms: number) {
      const timer = original.setInterval(() => runIn(run, callback), ms);
      own({ close: () => clearInterval(timer) });
      return timer;
    },
    setTimeout(callback: () => void, ms: number) {
      const closer = { close: () => clearTimeout(timer) };
      const timer = original.setTimeout(() => {
        version.hot.disown(closer);
        runIn(run, callback);
      }, ms);
      own(closer);
      return timer;
    },
  };
}
