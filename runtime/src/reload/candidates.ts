// Preparing a reload's candidates while the old versions serve: transform the planned modules, load them
// (the registry evaluates them in Node's order), check that the unchanged importers still find what they
// import, and wait until the new versions listen where the versions they replace did.
import type { Address, ListenSlots } from '../containment/listen-slots';
import { ReloadStepError, say } from '../errors';
import type { LoadingWatch } from '../modules/loading-watch';
import type { ModuleVersion } from '../modules/module';
import type { Registry } from '../modules/registry';
import type { LoadSession } from '../modules/session';
import { original } from '../originals';
import { transformModule } from '../transform';

/** Transforms every planned module's source (a syntax error throws, with its position). */
export function transformPlanned(registry: Registry, session: LoadSession): void {
  for (const [id, source] of session.sources) {
    const record = registry.records.get(id)!;
    session.transforms.set(
      id,
      transformModule({ file: record.file, id, source: source.text, format: record.format, settings: registry.options.settings }, source.stamp.hash),
    );
  }
}

/** Unchanged importers of what runs again must still find every name they import; none may import a deleted module. */
export function checkLiveImporters(registry: Registry, session: LoadSession, deleted: string[]): void {
  for (const record of registry.records.values()) {
    const importer = record.current;
    // A deleted importer goes with what it imports (a folder of modules removed with its last import).
    if (!importer || session.versions.has(record.id) || deleted.includes(record.id)) continue;
    for (const [id, version] of session.versions) {
      if (!importer.edges.has(id) || !record.current) continue;
      registry.linker.checkNames(importer, registry.linker.namesImportedFrom(importer, id), version);
    }
    for (const id of deleted)
      if (importer.edges.has(id) && importer.edges.get(id) !== 'dynamic') throw new ReloadStepError(id, 'link', say.deleted(id, importer.id));
  }
  for (const version of session.versions.values()) {
    for (const id of deleted) if (version.edges.has(id)) throw new ReloadStepError(id, 'link', say.deleted(id, version.id));
  }
}

/**
 * Resolves once every address in `expected` (what the replaced versions listen on) is claimed by a candidate,
 * or once the candidates' loading finished without claiming one (the app moved it: resolves to those given
 * up). Rejects when the time limit passes first, naming what the loading still waits for.
 */
export function untilListening(
  slots: ListenSlots,
  expected: Address[],
  candidates: () => ReadonlySet<ModuleVersion>,
  loading: LoadingWatch,
  timeoutMs: number,
): Promise<Address[]> {
  const missing = () => {
    const versions = candidates();
    return expected.filter((address) => !slots.claimed(address, versions));
  };
  if (missing().length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const idle = loading.whenIdle();
    const finish = (error?: Error) => {
      stopWatching();
      clearTimeout(deadline);
      idle.cancel();
      if (error) reject(error);
      else resolve(missing());
    };
    const stopWatching = slots.onClaim(() => {
      if (missing().length === 0) finish();
    });
    void idle.promise.then(() => finish());
    const deadline = original.setTimeout(() => {
      const addresses = missing().map((address) => address.description);
      const pending = loading.describe();
      finish(new ReloadStepError(pending.split(' ')[0] || null, 'listen', say.notListeningYet(addresses, timeoutMs, pending)));
    }, timeoutMs);
  });
}
