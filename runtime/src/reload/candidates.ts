// Preparing a reload's candidates while the old versions serve: transform the planned modules, load them
// (the registry evaluates them in Node's order), check that the unchanged importers still find what they
// import, and wait until the new versions listen where the versions they replace did.
import type { Address, ListenSlots } from '../containment/listen-slots';
import { ReloadStepError, say } from '../errors';
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
    if (!importer || session.versions.has(record.id)) continue;
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

/** How long new versions may do nothing before an address they did not claim counts as given up. */
const quietMs = 250;

/**
 * Resolves once every address a replaced version listens on is claimed by a candidate, or the candidates
 * stopped doing anything without claiming it (the app moved it), or the init timeout passed. Resolves to the
 * addresses given up. Claims are announced by the listen slots; quietness is checked each time the window
 * since the last activity seen closes.
 */
export function untilListening(
  slots: ListenSlots,
  replaced: ReadonlySet<ModuleVersion>,
  candidates: ReadonlySet<ModuleVersion>,
  timeoutMs: number,
): Promise<Address[]> {
  const expected = slots.heldBy(replaced);
  const missing = () => expected.filter((address) => !slots.claimed(address, candidates));
  if (missing().length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    let lastActivity = activityOf(candidates);
    let quiet: NodeJS.Timeout;
    const finish = () => {
      stopWatching();
      clearTimeout(deadline);
      clearTimeout(quiet);
      resolve(missing());
    };
    const stopWatching = slots.onClaim(() => {
      if (missing().length === 0) finish();
    });
    const deadline = original.setTimeout(finish, timeoutMs);
    const checkQuiet = () => {
      const activity = activityOf(candidates);
      if (activity === lastActivity) return finish();
      lastActivity = activity;
      quiet = original.setTimeout(checkQuiet, quietMs);
    };
    quiet = original.setTimeout(checkQuiet, quietMs);
  });
}

/** A number that changes whenever the versions do something observable (start or finish calls, start handles). */
function activityOf(versions: ReadonlySet<ModuleVersion>): string {
  let calls = 0;
  let handles = 0;
  for (const version of versions) {
    calls += version.inFlight;
    handles += version.resources.alive().length;
  }
  return `${calls}:${handles}`;
}
