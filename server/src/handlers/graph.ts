// The custom request of src-shared/lsp-protocol.ts: each folder's module graph, with the facts the rules decided.
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { ConfigError } from '../../../src-shared/config';
import type { FolderGraph, ModuleGraphRequest } from '../../../src-shared/lsp-protocol';
import type { Workspace } from '../workspace';

export function moduleGraph(
  workspace: Workspace,
  params: ModuleGraphRequest.Params,
  hazardCount: (file: string) => number,
): ModuleGraphRequest.Result {
  const wanted = params.folder ? URI.parse(params.folder).fsPath : undefined;
  const folders: FolderGraph[] = [];
  for (const { folder, state } of workspace.all()) {
    if (wanted && folder !== wanted) continue;
    const uri = URI.file(folder).toString();
    if (state instanceof ConfigError) {
      folders.push({
        folder: uri,
        layers: [],
        modules: [],
        edges: [],
        cycles: [],
        reloadOrder: { unload: [], load: [] },
        configError: state.message,
      });
      continue;
    }
    const graph = state.graph();
    folders.push({
      folder: uri,
      layers: state.setup.config.layers.map((layer) => layer.name),
      modules: graph.modules.map((module) => {
        const file = path.join(folder, module.id);
        return { ...module, uri: URI.file(file).toString(), hazards: hazardCount(file) };
      }),
      edges: state.decidedEdges(),
      cycles: state.cycles(),
      reloadOrder: state.reloadOrder(),
    });
  }
  return { folders };
}
