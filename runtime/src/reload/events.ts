// Lifecycle events (`import.meta.hot.on`). A listener belongs to the module version that registered it and
// goes away with that version. A listener that throws or rejects is reported, never propagated: the reload
// goes on and the process stays up.
import type { LifecycleEvent } from '../../../src-shared/control-protocol';
import type { ModuleVersion } from '../modules/module';

export interface LifecyclePayload {
  event: LifecycleEvent;
  /** The modules the event is about, with the version each moves to or from. */
  modules: Array<{ id: string; version: number }>;
}

export type ListenerErrorReporter = (version: ModuleVersion, event: string, error: unknown) => void;

export class LifecycleBus {
  private readonly listeners = new Set<{ version: ModuleVersion; event: string; callback: (payload: unknown) => unknown }>();

  constructor(private readonly report: ListenerErrorReporter) {}

  add(version: ModuleVersion, event: string, callback: (payload: unknown) => unknown): void {
    this.listeners.add({ version, event, callback });
  }

  removeFor(version: ModuleVersion): void {
    for (const listener of this.listeners) if (listener.version === version) this.listeners.delete(listener);
  }

  emit(payload: LifecyclePayload): void {
    for (const listener of [...this.listeners]) {
      if (listener.event !== payload.event) continue;
      const { version, event, callback } = listener;
      try {
        const result = version.call(() => callback(payload));
        if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
          Promise.resolve(result).catch((error: unknown) => this.report(version, event, error));
        }
      } catch (error) {
        this.report(version, event, error);
      }
    }
  }
}
