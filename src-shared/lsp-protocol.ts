// The language server's requests beyond LSP, declared once for the server and the extension. See
// docs/lsp-extensions.md. Module ids are paths relative to their workspace folder, `/`-separated.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { DecidedEdge, ModuleNode } from './module-graph';

/** One workspace folder's graph: modules with their hazard counts, imports, cycles and the full reload order. */
export interface FolderGraph {
  /** The folder's URI. */
  folder: string;
  layers: string[];
  modules: Array<ModuleNode & { uri: string; hazards: number }>;
  /** With `upward` and `inCycle` decided by the server. */
  edges: DecidedEdge[];
  /** Runtime import cycles, each a sorted list of ids. */
  cycles: string[][];
  /** The order reloading every module would use. */
  reloadOrder: { unload: string[]; load: string[] };
  /** The config could not be read: the message, and nothing else is filled in. */
  configError?: string;
}

export namespace ModuleGraphRequest {
  export const method = 'reloadable/moduleGraph' as const;
  /** One folder (by URI), or every folder of the workspace. */
  export interface Params {
    folder?: string;
  }
  export interface Result {
    folders: FolderGraph[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Sent by the server after each (re)analysis, so the status bar can update without asking. */
export namespace AnalysisSummaryNotification {
  export const method = 'reloadable/analysisSummary' as const;
  export interface Params {
    modules: number;
    layers: string[];
    hazards: number;
    errors: number;
    cycles: number;
  }
  export const type = new NotificationType<Params>(method);
}
