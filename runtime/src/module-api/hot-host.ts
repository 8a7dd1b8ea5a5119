// Gives each new version what its code runs with (`__rl`, `require`, `import.meta.hot`), and answers what
// `import.meta.hot` asks of the runtime: a module's data, a specifier's module, a mailbox, lifecycle
// listeners, and invalidation (which reloads the importers).
import type { LifecycleEvent } from '../../../src-shared/control-protocol';
import { say } from '../errors';
import type { Logger } from '../logger';
import { codeBindings } from '../modules/code-api';
import type { ModuleRecord, ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import type { LifecycleBus } from '../reload/events';
import { createHot, type HotHost } from './hot-api';
import { Mailbox } from './mailbox';

export class ModuleApiHost implements HotHost {
  constructor(
    private readonly registry: Registry,
    private readonly bus: LifecycleBus,
    private readonly logger: Logger,
    /** The entry's record: `require.main`. */
    private readonly entry: () => ModuleRecord | undefined,
    /** Reloads these files (an invalidated module's importers). */
    private readonly reload: (files: string[]) => void,
  ) {}

  /** Gives a new version its bindings and its `import.meta.hot`. */
  prepareVersion(version: ModuleVersion): void {
    const hot = createHot(version, this);
    // The entry's new version is `require.main` to itself while it loads (`require.main === module` guards its
    // listen, as in a fresh start), before it is live for everyone else.
    const main = () => {
      const entry = this.entry();
      return version.record === entry ? version.module : entry?.current?.module;
    };
    version.attach(codeBindings(this.registry, version, hot, main));
  }

  dataOf(id: string): Record<string, unknown> {
    return this.registry.records.get(id)?.data ?? {};
  }

  idOfSpecifier(specifier: string, file: string): string | undefined {
    const resolved = this.registry.resolve(specifier, file, 'import');
    return resolved.kind === 'app' ? this.registry.idOf(resolved.file) : undefined;
  }

  mailbox(version: ModuleVersion, index: number): Mailbox {
    const record = version.record;
    let mailbox = record.mailboxes[index];
    if (!mailbox) {
      mailbox = new Mailbox(version.id, index, (owner, error) =>
        this.logger.warn(say.handlerError(owner.id, error instanceof Error ? (error.stack ?? error.message) : String(error))),
      );
      record.mailboxes[index] = mailbox;
    }
    // A first version's handler takes messages at once; a candidate's only when its reload commits.
    if (version.status === 'live') mailbox.bind(version, version.hot.mailboxHandlers[index]!);
    return mailbox;
  }

  on(version: ModuleVersion, event: LifecycleEvent, callback: (payload: unknown) => unknown): void {
    this.bus.add(version, event, callback);
  }

  invalidate(id: string): void {
    const importers = [...this.registry.records.values()].filter((record) => record.current?.edges.has(id)).map((record) => record.file);
    if (importers.length > 0) this.reload(importers);
  }
}
