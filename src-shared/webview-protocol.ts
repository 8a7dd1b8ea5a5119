// The messages between the extension and the module graph panel (a webview). Versioned: a panel restored from
// an older extension's state talks to a newer one. The extension translates everything the panel shows into
// the ids of one workspace folder; the panel decides only how it looks.
import type { FolderGraph } from './lsp-protocol';

export const webviewProtocolVersion = 1;

/** A module the connected app runs, by its id in the folder. */
export interface LiveModule {
  id: string;
  version: number;
  /** Calls running on every version of it, retiring ones included. */
  inFlight: number;
}

/** The last reload, in the folder's ids. */
export interface LastReload {
  /** Increases by one per reload of the app: a new id is a new reload to animate. */
  id: number;
  outcome: 'committed' | 'rolled-back' | 'no-change';
  /** Callees first (empty unless it committed). */
  loadOrder: string[];
  /** The module that made it roll back, and why. */
  failure?: { module: string | null; reason: string };
}

/** One folder's graph (flags decided by the language server) with the app's facts in its ids. */
export interface PanelFolder extends FolderGraph {
  /** For the folder picker. */
  name: string;
  /** The connected app's modules, when it runs in this folder. */
  live?: LiveModule[];
  /** The load order of the change set saved since the last reload. */
  pending?: string[];
  last?: LastReload;
}

export interface PanelFacts {
  folders: PanelFolder[];
  /**
   * A connected app's entry, for the summary line; for an app on several processes, each process and the epoch
   * it runs, only while they differ (a reload between its first and last commit, a process started again).
   */
  app?: { entry: string; modules: number; split?: Array<{ process: string; epoch: number }> };
}

/** Extension → panel. */
export type ToPanel = { version: typeof webviewProtocolVersion; type: 'facts'; facts: PanelFacts };

/** Panel → extension. */
export type FromPanel =
  | { version: typeof webviewProtocolVersion; type: 'ready' }
  | { version: typeof webviewProtocolVersion; type: 'open'; uri: string }
  | { version: typeof webviewProtocolVersion; type: 'reload' };
