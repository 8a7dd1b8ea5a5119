// Every message the runtime shows people, in one place. Each names what happened, where, and the fix.

export const say = {
  entryMissing: (entry: string) => `the entry ${entry} does not exist: pass the path of the app's main module`,
  entryOutsideProject: (entry: string, project: string) =>
    `the entry ${entry} is outside the project ${project}: run reloadable from the app's folder`,
  topLevelAwait: (file: string, line: number) =>
    `${file}:${line}: top-level await is not supported in modules reloadable loads: a module's code runs ` +
    `synchronously so that a reload can be prepared and rolled back. Move the awaited work into a function, ` +
    `or start it without awaiting and keep the promise`,
  syntaxError: (file: string, line: number, column: number, text: string) => `${file}:${line}:${column}: ${text}`,
  cannotResolve: (specifier: string, from: string) =>
    `cannot find module '${specifier}' imported by ${from}: check the path, or install the package`,
  initTimeout: (id: string, ms: number) =>
    `${id} did not finish initialising within ${ms} ms (an endless loop?): its old version keeps serving`,
  initThrew: (id: string, message: string) => `${id} threw while initialising: ${message}`,
  missingExport: (importer: string, name: string, dependency: string) =>
    `${importer} imports \`${name}\` from ${dependency}, whose new version does not export it: ` +
    `export it again, or change the importer in the same reload`,
  exportsKindChanged: (id: string, was: string, now: string) =>
    `${id} now exports ${now} as module.exports where it exported ${was}: importers hold the old kind; restart the app`,
  declined: (ids: string[]) =>
    `${ids.join(', ')} declined hot updates (import.meta.hot.decline()): restart the app to apply this change`,
  outsideRoot: (file: string, root: string) => `${file} is outside the app's root ${root}: only the app's own modules can be reloaded`,
  notLoaded: (file: string) => `${file} is not a module of the running app (nothing imports it yet): ignored`,
  deleted: (id: string) => `${id} was deleted but is still imported: remove its imports first`,
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
  unknownSpecifier: (specifier: string) => `import.meta.hot.accept(): cannot resolve '${specifier}'`,
} as const;

/** The message of anything thrown, for one line of a log or a result. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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
