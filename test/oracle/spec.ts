// What the oracle needs to know of an app: how to start it, what to ask it, and which of its files are its own.
// The conformance apps keep this in `oracle.json` beside their package.json; the real apps of the bench in
// bench/real-apps.json. Everything else (the edits, the expected outcomes) is derived from the app's code.

/** One HTTP request the oracle sends to the app after every step, to the reloaded and to the fresh process. */
export interface HttpProbe {
  method?: string;
  path: string;
  /** A JSON body (sent with `content-type: application/json`) or a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A long-lived connection the oracle opens at start and keeps across every reload (reconnecting when the app
 * closes it, as clients do), and asks over after every step; the fresh process is asked over a new connection.
 * `ws`: a text message, answered by the next message. `socket.io`: an event emitted with an acknowledgement,
 * answered by the acknowledgement's arguments.
 */
export type SocketProbe = { type: 'ws'; path?: string; message: string } | { type: 'socket.io'; path?: string; event: string; args?: unknown[] };

export interface OracleSpec {
  /** The entry, relative to the app's folder. */
  entry: string;
  /** The folder whose modules get generated edits, relative to the app's folder. @default the entry's folder */
  sources?: string;
  /** What a run folder holds, copied from the app's folder. @default package.json, tsconfig.json, the sources */
  copy?: string[];
  probes: HttpProbe[];
  sockets?: SocketProbe[];
  /** Requests sent once to the reloaded process before the first step (rows written to a database, say). */
  setup?: HttpProbe[];
  /** Files the app writes (a SQLite database): copied from the reloaded run to each fresh run, after setup. */
  state?: string[];
  env?: Record<string, string>;
  /** How long a start may take before it counts as failed. @default 20000 */
  startTimeoutMs?: number;
  /** Arguments for `reloadable run` after the entry (`--init-timeout 8000`, say). */
  runArgs?: string[];
  /** The same app run again under other settings (a slower database connect, say): name → what changes. */
  variants?: Record<string, { env?: Record<string, string>; runArgs?: string[] }>;
  /** Modules (relative to the app's folder) that get no generated edits, with the reason, for the report. */
  skip?: Record<string, string>;
}
