// What the module graph panel is sent: the language server's graphs, with the connected app's facts (live
// versions, in-flight calls, the pending change set, the last reload) translated into each folder's ids.
// Pure (no vscode API), so it is tested in Node.
import * as path from 'node:path';
import type { ClusterWorker, ModuleStatus, ReloadResult } from '../../src-shared/control-protocol';
import { processName } from '../../src-shared/reload-text';
import type { FolderGraph } from '../../src-shared/lsp-protocol';
import type { LastReload, LiveModule, PanelFacts, PanelFolder } from '../../src-shared/webview-protocol';

/** The app's side, as the reload state holds it. */
export interface AppFacts {
  /** Absolute: the app's project folder; its module ids are relative to it. */
  project: string;
  entry: string;
  modules: ModuleStatus[];
  pending?: string[];
  last?: ReloadResult;
  /** An app on several processes: the cluster's epoch and each process's. */
  cluster?: { epoch: number; workers: Array<Pick<ClusterWorker, 'worker' | 'epoch'>> };
}

/** A workspace folder's path and display name, by its URI. */
export type FolderInfo = (uri: string) => { path: string; name: string };

export function panelFacts(folders: readonly FolderGraph[], folderInfo: FolderInfo, app: AppFacts | undefined): PanelFacts {
  return {
    folders: folders.map((graph) => {
      const { path: folder, name } = folderInfo(graph.folder);
      const prefix = app && prefixIn(folder, app.project);
      const panelFolder: PanelFolder = { ...graph, name };
      if (app && prefix !== undefined) {
        const id = (moduleId: string) => prefix + moduleId;
        panelFolder.live = app.modules.map((module) => live(module, id));
        if (app.pending) panelFolder.pending = app.pending.map(id);
        if (app.last) panelFolder.last = lastReload(app.last, id);
      }
      return panelFolder;
    }),
    ...(app ? { app: { entry: app.entry, modules: app.modules.length, ...splitOf(app.cluster) } } : {}),
  };
}

/** The processes and their epochs, while they differ: the modules shown are one process's. */
function splitOf(cluster: AppFacts['cluster']): { split?: Array<{ process: string; epoch: number }> } {
  if (!cluster || cluster.workers.every((worker) => worker.epoch === cluster.epoch)) return {};
  return { split: cluster.workers.map((worker) => ({ process: processName(worker.worker), epoch: worker.epoch })) };
}

/**
 * How the app's ids differ from the folder's: empty when the app's project is the folder, `src/` when it is
 * the folder's `src` subfolder; undefined when the app runs outside the folder.
 */
export function prefixIn(folder: string, project: string): string | undefined {
  const relative = path.relative(folder, project);
  if (relative === '') return '';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return `${relative.split(path.sep).join('/')}/`;
}

function live(module: ModuleStatus, id: (moduleId: string) => string): LiveModule {
  const inFlight = module.inFlight + module.retiring.reduce((sum, old) => sum + old.inFlight, 0);
  return { id: id(module.id), version: module.version, inFlight };
}

function lastReload(result: ReloadResult, id: (moduleId: string) => string): LastReload | undefined {
  if (result.outcome === 'planned') return undefined;
  const failure =
    result.outcome === 'rolled-back' && result.error
      ? { module: result.error.module && id(result.error.module), reason: `${result.error.phase}: ${result.error.message}` }
      : undefined;
  return {
    id: result.id,
    outcome: result.outcome,
    loadOrder: result.outcome === 'committed' ? result.loadOrder.map(id) : [],
    ...(failure ? { failure } : {}),
  };
}
