// The control protocol between a running app (`reloadable run`) and its clients (the CLI, the editor).
// JSON-RPC 2.0 over a Unix domain socket; see docs/control-protocol.md. Declared once here, used by both ends.
import { NotificationType, RequestType } from 'vscode-jsonrpc';

/** Bumped on any incompatible change; `hello` carries it both ways. */
export const controlProtocolVersion = 1;

/**
 * Where a reload stopped or spent its time. `plan` covers decline and unknown files; `listen` is the wait for
 * new servers to take the old ones' addresses; `settle` the short window after the commit in which a fault of
 * a new version still rolls the reload back.
 */
export type ReloadPhase =
  'plan' | 'transform' | 'evaluate' | 'link' | 'init' | 'listen' | 'drain' | 'save' | 'restore' | 'commit' | 'settle' | 'dispose';

/** `planned` answers a dry run: the order is computed, nothing is loaded. */
export type ReloadOutcome = 'committed' | 'rolled-back' | 'no-change' | 'planned';

export interface ReloadFailure {
  /** The module id that failed, or null when the failure is not a module's (an unknown file, say). */
  module: string | null;
  phase: ReloadPhase;
  message: string;
  stack?: string;
  /** Where in the source, 1-based, when known (a syntax error, the frame of a throw). */
  file?: string;
  line?: number;
  column?: number;
}

export type HandleKind = 'timer' | 'immediate' | 'server' | 'socket' | 'worker' | 'child-process' | 'watcher' | 'listener';

/** A handle created by a module version that is still alive after the version retired. */
export interface LeakReport {
  module: string;
  version: number;
  kind: HandleKind;
  /** What it is, for people: `setInterval every 1000 ms`, `listener for process 'SIGUSR2'`. */
  description: string;
  /** The stack where it was created, source-mapped to the module's own lines. */
  stack: string;
  /** The first frame inside the module, 1-based; absent when the stack does not reach it. */
  file?: string;
  line?: number;
  column?: number;
}

export interface ReloadResult {
  /** Increases by one per transaction of this app. */
  id: number;
  outcome: ReloadOutcome;
  /** The changed modules that started the transaction (ids). */
  changed: string[];
  /** Callers first. */
  unloadOrder: string[];
  /** Callees first; cycles are adjacent, in id order. */
  loadOrder: string[];
  startedAt: string;
  durationMs: number;
  /**
   * From the start to the commit: how soon the new versions served (committed reloads). The settle window, the
   * drain and the disposal of the old versions follow, and `durationMs` includes them.
   */
  servingAfterMs?: number;
  /** Milliseconds per phase that ran: transform, evaluate, init, restore, commit, drain, dispose. */
  phases: Partial<Record<ReloadPhase, number>>;
  /** Calls that were running on a retired version and finished there. */
  drained: number;
  /** Calls and messages that waited during the swap and went to the new version. */
  queued: number;
  /** Calls still running when the drain timeout retired their version anyway. */
  forced: number;
  /** Module versions after the transaction (ids of the load order). */
  versions: Record<string, number>;
  error?: ReloadFailure;
  /**
   * The runtime could not show that re-running the changed modules and their consumers alone equals a fresh
   * start, so it re-ran every module of the app (sockets handed over, state kept): why, and the modules whose
   * loading made it so (they read other modules' exports after their top level ran, during a framework's boot).
   */
  widened?: { reason: string; modules: string[] };
  /** Things that did not stop the reload: a dispose that threw, a dropped state, a handler without a mailbox. */
  warnings: string[];
  leaks: LeakReport[];
  /** An app run with `--workers`: one transaction across every worker. */
  cluster?: ClusterReload;
}

/** One reload across a cluster's workers: all commit or none does. */
export interface ClusterReload {
  /** Committed transactions of the cluster, this one included when it committed. */
  epoch: number;
  /** Between the first and the last worker putting the new versions live (committed reloads). */
  commitSpreadMs?: number;
  /** `hold`: the hold barrier ran (`run --barrier hold`): from each process's vote to its commit, new requests waited. */
  barrier?: 'hold';
  /** How many requests waited at the barrier, across the processes. */
  heldAtBarrier?: number;
  participants: ClusterParticipant[];
}

export interface ClusterParticipant {
  /** The worker's number (node:cluster's `worker.id`). */
  worker: number;
  pid: number;
  /** What happened on it: `gone` when it exited or was stopped during the transaction (it is started again on the outcome's code). */
  outcome: ReloadOutcome | 'gone';
  phases: Partial<Record<ReloadPhase, number>>;
  error?: ReloadFailure;
}

/** A worker of an app run with `--workers`, as `status` shows it. */
export interface ClusterWorker {
  worker: number;
  pid: number;
  /** The epoch whose code it runs. */
  epoch: number;
  state: 'starting' | 'live' | 'reloading';
}

export type LifecycleEvent = 'before-unload' | 'after-unload' | 'after-load' | 'commit' | 'rollback';

/** What kind of fault of the app's code the runtime caught instead of letting it end the process. */
export type FaultKind = 'uncaught-exception' | 'unhandled-rejection' | 'exit' | 'listen';

/** A fault of the app's code: reported (and, during a reload, what rolled it back). */
export interface FaultReport {
  kind: FaultKind;
  /** The module version it is attributed to, when known. */
  module: string | null;
  version: number | null;
  message: string;
  stack?: string;
  /** The frame in the module's source, 1-based, when known. */
  file?: string;
  line?: number;
  column?: number;
  /** `rolled-back`: it failed the reload that was running; `reported`: the app kept serving. */
  outcome: 'rolled-back' | 'reported';
  at: string;
  /** How many times the same fault happened again right after (a burst is reported once, with its count). */
  repeated?: number;
}

export interface ModuleStatus {
  id: string;
  layer: string | null;
  /** The live version; 0 while it has never loaded. */
  version: number;
  inFlight: number;
  /** Uses `hot.state` or a mailbox: suspended during its swaps. */
  stateful: boolean;
  /** Older versions still draining. */
  retiring: Array<{ version: number; inFlight: number }>;
}

export interface AppInfo {
  pid: number;
  /** Absolute: the project folder (holding the config or package.json). */
  project: string;
  /** Module id of the entry. */
  entry: string;
  startedAt: string;
  /** The runtime's version. */
  runtime: string;
}

/** Messages a client may receive after `subscribe`; a discriminated union keyed by `type`. */
export type RuntimeEvent =
  | { type: 'reload-started'; id: number; changed: string[] }
  | { type: 'phase'; id: number; phase: ReloadPhase; module?: string }
  | { type: 'reload-finished'; result: ReloadResult }
  | { type: 'lifecycle'; event: LifecycleEvent; modules: Array<{ id: string; version: number }> }
  | { type: 'leak'; leak: LeakReport }
  | { type: 'fault'; fault: FaultReport }
  | { type: 'listener-error'; module: string; version: number; event: string; message: string; stack?: string }
  | { type: 'log'; level: 'info' | 'warning' | 'error'; message: string };

/** The first request of every connection: anything else first, or a wrong token, closes it. */
export namespace HelloRequest {
  export const method = 'reloadable/hello' as const;
  export interface Params {
    protocolVersion: number;
    token: string;
    /** Who is asking, for the log: `cli`, `vscode`. */
    client?: string;
  }
  export interface Result {
    protocolVersion: number;
    app: AppInfo;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** The live graph: what a client shows in its status bar or graph panel. */
export namespace StatusRequest {
  export const method = 'reloadable/status' as const;
  export type Params = Record<string, never>;
  export interface Result {
    app: AppInfo;
    layers: string[];
    modules: ModuleStatus[];
    /** The live imports, those made by packages included (`reloadable status --json`); the analyser has the static graph. */
    edges: Array<{ from: string; to: string }>;
    /** Cycles of the live imports (`reloadable status` prints them). */
    cycles: string[][];
    /** A transaction is running. */
    busy: boolean;
    lastResult?: ReloadResult;
    /** The last faults of the app's code (newest last, bounded). */
    faults: FaultReport[];
    /** `not-started`: the app failed to start and waits for a change (`startError` says why). */
    state: 'running' | 'not-started';
    startError?: ReloadFailure;
    /** An app run with `--workers`: the modules are those of one worker; every worker runs the same epoch between reloads. */
    cluster?: { epoch: number; workers: ClusterWorker[] };
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Reloads what changed since the last load, or the named files; answers when the transaction is over. */
export namespace ReloadRequest {
  export const method = 'reloadable/reload' as const;
  export interface Params {
    /** Absolute or project-relative paths; absent: every module whose file changed since it was loaded. */
    files?: string[];
    /** Compute the order and stop (`outcome: "planned"`). */
    dryRun?: boolean;
  }
  export type Result = ReloadResult;
  export const type = new RequestType<Params, Result, void>(method);
}

/** The last results, oldest first (bounded). */
export namespace HistoryRequest {
  export const method = 'reloadable/history' as const;
  export type Params = Record<string, never>;
  export type Result = ReloadResult[];
  export const type = new RequestType<Params, Result, void>(method);
}

/** Starts the stream of `EventNotification`s to this connection. */
export namespace SubscribeRequest {
  export const method = 'reloadable/subscribe' as const;
  export type Params = Record<string, never>;
  export type Result = { subscribed: true };
  export const type = new RequestType<Params, Result, void>(method);
}

/** Sent by the app to subscribed clients. */
export namespace EventNotification {
  export const method = 'reloadable/event' as const;
  export type Params = RuntimeEvent;
  export const type = new NotificationType<Params>(method);
}

/** The discovery file `<project>/.reloadable/<pid>.json` (mode 0600). */
export interface DiscoveryFile {
  protocolVersion: number;
  pid: number;
  /** Absolute path of the Unix socket, inside a 0700 folder. */
  socket: string;
  token: string;
  project: string;
  entry: string;
  startedAt: string;
  /** Written when the app's process ends: how it ended, so clients can tell "exited" from "never started". */
  exit?: { at: string; code: number | null; signal?: string; reason?: string };
}

/** JSON-RPC error codes of the control endpoint (the server-error range of JSON-RPC). */
export const ControlErrorCodes = {
  unauthorized: -32001,
  protocolMismatch: -32002,
  badRequest: -32003,
  tooLarge: -32004,
} as const;
