// The live graph as `status` shows it: every module with its version, its calls in flight and the versions
// still retiring, the edges the live versions trace (and their cycles), whether a reload runs, the last
// result, the faults kept, and whether the app started.
import type { ReloadableConfig } from '../../src-shared/config';
import type { AppInfo, FaultReport, StatusRequest } from '../../src-shared/control-protocol';
import type { LayerMap } from '../../src-shared/layers';
import { findCycles } from '../../src-shared/strongly-connected';
import type { Registry } from './modules/registry';
import { liveAdjacency } from './reload/plan';
import type { ReloadQueue } from './reload/queue';
import type { AppStart } from './reload/start';

export interface StatusSources {
  info: AppInfo;
  config: ReloadableConfig;
  layers: LayerMap;
  registry: Registry;
  queue: ReloadQueue;
  start: AppStart;
  faults(): FaultReport[];
}

export function statusOf({ info, config, layers, registry, queue, start, faults }: StatusSources): StatusRequest.Result {
  const adjacency = liveAdjacency(registry);
  const modules = [...registry.records.values()]
    .filter((record) => record.current)
    .map((record) => ({
      id: record.id,
      layer: layers.layerOf(record.id),
      version: record.current!.number,
      inFlight: record.current!.inFlight,
      stateful: record.current!.stateful,
      retiring: [...record.retiring].map((version) => ({ version: version.number, inFlight: version.inFlight })),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edges = [...adjacency].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
  const lastResult = queue.lastResult;
  const failure = start.failure;
  return {
    app: info,
    layers: config.layers.map((layer) => layer.name),
    modules,
    edges,
    cycles: findCycles(adjacency),
    busy: queue.busy,
    ...(lastResult ? { lastResult } : {}),
    faults: faults(),
    state: start.started ? 'running' : 'not-started',
    ...(failure ? { startError: failure } : {}),
  };
}
