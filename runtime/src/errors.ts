// Every message the runtime shows people, in one place. Each names what happened, where, and the fix.

export const say = {
  entryMissing: (entry: string) => `the entry ${entry} does not exist: pass the path of the app's main module`,
  entryOutsideProject: (entry: string, project: string) =>
    `the entry ${entry} is outside the project ${project}: run reloadable from the app's folder`,
  topLevelAwaitInCommonJs: (file: string, line: number) =>
    `${file}:${line}: top-level await needs an ES module, and this file is CommonJS (as Node would run it): ` +
    `add "type": "module" to its package.json, or rename it to .mts`,
  requireAsync: (importer: string, dependency: string) =>
    `${importer} requires ${dependency}, which awaits at its top level: a require cannot wait. Import it with import() instead`,
  cannotRead: (id: string) => `${id} cannot be read (deleted, or not readable)`,
  cannotStart: (message: string, stack: string | undefined) => `cannot start: ${message}${stack ? `\n${stack}` : ''}`,
  cannotListen: (who: string, address: string, holder: string, message: string) =>
    `${who} cannot listen on ${address}: ${holder === 'nobody' ? message : `the address is held by ${holder}`}. ` +
    `Listen on another address, or stop ${holder === 'nobody' ? 'the conflict' : holder} first`,
  syntaxError: (file: string, line: number, column: number, text: string) => `${file}:${line}:${column}: ${text}`,
  cannotResolve: (specifier: string, from: string) => `cannot find module '${specifier}' imported by ${from}: check the path, or install the package`,
  initTimeout: (id: string, ms: number) =>
    `${id} did not finish initialising within ${ms} ms (an endless loop, or an await that never settles): its old version keeps serving. ` +
    `Raise --init-timeout if it needs longer`,
  initThrew: (id: string, message: string) => `${id} threw while initialising: ${message}`,
  missingExport: (importer: string, name: string, dependency: string) =>
    `${importer} imports \`${name}\` from ${dependency}, whose new version does not export it: ` +
    `export it again, or change the importer in the same reload`,
  exportsKindChanged: (id: string, was: string, now: string) =>
    `${id} now exports ${now} as module.exports where it exported ${was}: importers hold the old kind; restart the app`,
  declined: (ids: string[]) => `${ids.join(', ')} declined hot updates (import.meta.hot.decline()): restart the app to apply this change`,
  outsideRoot: (file: string, root: string) => `${file} is outside the app's root ${root}: only the app's own modules can be reloaded`,
  notLoaded: (file: string) => `${file} is not a module of the running app (nothing imports it yet): ignored`,
  deleted: (id: string, importer: string) =>
    `${id} was deleted but ${importer} still imports it: remove that import in the same change, or restore the file`,
  widened: (modules: string[], read: string[]) =>
    `${modules.join(', ')} read ${read.join(', ')}${read.length === 3 ? ' and more' : ''} after ${modules.length === 1 ? 'its' : 'their'} top level ran ` +
    `(in a framework's boot or an un-awaited bootstrap): what holds those values cannot be told, so every module of the app ran again`,
  notListeningYet: (addresses: string[], ms: number, pending: string) =>
    `the new version did not listen on ${addresses.join(', ')} within ${ms} ms, and its loading still waits${pending ? ` (${pending})` : ''}: ` +
    `the old version keeps serving. Raise --init-timeout if the app needs longer to start`,
  startedAnother: (makers: Map<string, string>) =>
    `${[...makers].map(([maker, starter]) => `${starter} started a server ${maker} made`).join('; ')}: ` +
    `${makers.size === 1 ? 'it runs' : 'they run'} again too, as in a fresh start (a server listens once)`,
  resolutionChanged: () => "tsconfig.json's paths, baseUrl or customConditions changed where imports lead: every module of the app runs again",
  compilerOptionsChanged: () =>
    'tsconfig.json changed compiler options that change the compiled code (decorators, class fields, JSX, target): ' +
    'modules compile as the process started until it restarts; its paths and conditions apply now',
  handedCode: (holders: Map<string, string>) =>
    `${[...holders].map(([holder, giver]) => `${giver} hands its code to what ${holder} made (a call at its top level, or a registration in one of its functions)`).join('; ')}: ` +
    `${holders.size === 1 ? 'it runs' : 'they run'} again too, with what reads ${holders.size === 1 ? 'it' : 'them'}, as in a fresh start (which holds only the new code)`,
  threadFailed: (thread: string, failure: string) => `${thread} failed while loading: ${failure}`,
  threadExited: (code: number) => `it exited with code ${code} before its entry module was loaded`,
  threadTimeout: (thread: string, ms: number) =>
    `${thread} did not finish loading within ${ms} ms: its old thread keeps running. Raise --init-timeout if it needs longer`,
  threadFiles: (files: Map<string, string[]>) =>
    `${[...files].map(([file, starters]) => `${file} runs in a worker thread ${starters.join(', ')} started`).join('; ')}: ` +
    `${files.size === 1 && [...files.values()][0]!.length === 1 ? 'it runs' : 'they run'} again, starting the thread on the new code (a thread's modules load once)`,
  faultRepeated: (message: string, times: number) => `the same fault happened ${times} more time${times === 1 ? '' : 's'}: ${message}`,
  stoppedListening: (addresses: string[]) => `the new version did not listen on ${addresses.join(', ')} again: the old server there was closed`,
  stateNotReturned: (id: string, message: string) => `state of ${id} could not be handed back to the old version: ${message}`,
  faultDuringReload: (id: string, version: number, what: string, message: string) => `${id} v${version} ${what}: ${message}`,
  exited: (who: string, call: string, where: string) => `${who} called ${call}${where}`,
  exitOfGoneVersion: (who: string, call: string, where: string) =>
    `${who} called ${call}${where} after it stopped serving: ignored, the live version keeps serving`,
  drainTimeout: (ids: string[], ms: number) =>
    `${ids.join(', ')} still had calls running after ${ms} ms, so state could not be handed over: the old version resumed`,
  saveThrew: (id: string, message: string) => `state save() of ${id} threw: ${message}`,
  restoreThrew: (id: string, message: string) => `state restore() of ${id} threw: ${message}`,
  stateDropped: (id: string) => `${id} kept state through hot.state() but its new version does not: the state was dropped`,
  mailboxOrphaned: (id: string, index: number) =>
    `mailbox #${index + 1} of ${id} has no handler in the new version: its messages wait until a version creates it`,
  disposeThrew: (id: string, version: number, message: string) => `dispose of ${id} v${version} threw: ${message}`,
  closeFailed: (id: string, version: number, message: string) => `closing a resource of ${id} v${version} failed: ${message}`,
  callbackThrew: (what: string, id: string, message: string) => `${what} of ${id} threw: ${message}`,
  notOwnable: (got: string) =>
    `import.meta.hot.own() needs something with close(), dispose(), destroy(), terminate(), kill(), abort(), ` +
    `[Symbol.dispose]() or [Symbol.asyncDispose](), got ${got}`,
  badState: (problem: string) => `import.meta.hot.state() ${problem}: pass { version: number, save(), restore(saved, fromVersion) }`,
  notAfterInit: (api: string) => `import.meta.hot.${api}() must be called while the module initialises (at its top level)`,
  handlerError: (id: string, message: string) => `a mailbox handler of ${id} threw: ${message}`,
  discoveryNotAFolder: (folder: string) => `${folder} must be a folder, not a link or a file: remove it and run again`,
  discoveryNotOwned: (folder: string, owner: number, uid: number) =>
    `${folder} belongs to user ${owner}, not to you (${uid}): another user could forge the app's socket. Remove it, or \`chown\` it to yourself`,
  discoveryWritable: (folder: string, mode: number) =>
    `${folder} is writable by others (mode ${mode.toString(8)}): another user could forge the app's socket. Run \`chmod 700 ${folder}\``,
  unknownSpecifier: (specifier: string) => `import.meta.hot.accept(): cannot resolve '${specifier}'`,
  clusterAborted: () => `another worker could not take this reload: every worker keeps its old version`,
  workerFailed: (worker: number, message: string) => `worker ${worker}: ${message}`,
  workerGone: (worker: number, how: string, step: string) => `worker ${worker} exited (${how}) ${step}: every worker keeps its old version`,
  workerSilent: (worker: number, ms: number) =>
    `worker ${worker} did not answer within ${ms} ms (an endless loop?): it is stopped and started again on the old version, every worker keeps its old version`,
  workerReplaced: (worker: number, outcome: string) =>
    `worker ${worker} ended ${outcome} where the others did not: it is started again on the cluster's code`,
  workerUnanswered: (worker: number, ms: number) =>
    `worker ${worker} did not answer within ${ms} ms (its event loop blocked?): nothing was reloaded; try again once it answers`,
  workerOutdated: (worker: number, epoch: number, now: number) =>
    `worker ${worker} started on epoch ${epoch}'s code while a reload made epoch ${now}: it is started again on the cluster's code`,
  workerStartFailed: (worker: number, message: string) => `worker ${worker} cannot start: ${message}`,
  primaryFailed: (message: string) => `the app's primary process: ${message}`,
  primaryDiffers: (outcome: string) =>
    `the app's primary process ended ${outcome} where its workers did not (a fault while it waited): reload again, or restart the app`,
  noWorkers: () => `no worker runs the app (they are starting again): try the reload again`,
} as const;

export { messageOf } from '../../src-shared/errors';

/** An error of a reload step, carrying the module and phase the result reports. */
export class ReloadStepError extends Error {
  constructor(
    readonly module: string | null,
    readonly phase: import('../../src-shared/control-protocol').ReloadPhase,
    message: string,
    readonly location?: { file: string; line: number; column: number },
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ReloadStepError';
  }
}
