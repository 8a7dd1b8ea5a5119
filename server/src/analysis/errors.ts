/** Every message of the analyser, in one place. Each says what is wrong and what to do instead. */

export const say = {
  unownedTimer: (name: string) =>
    `\`${name}\` handle is dropped: the timer outlives this module version and runs old code after a reload. ` +
    `Use \`import.meta.hot.${name === 'setImmediate' ? 'own(' + name + '(…))' : name + '(…)'}\`, or keep the handle and clear it in \`import.meta.hot.dispose(…)\`.`,
  floatingPromise: (array: boolean, uselessHandler = false) =>
    `${array ? 'An array of promises' : 'A promise'} is neither awaited, returned, stored nor given a rejection handler` +
    `${uselessHandler ? ' (the one given is not a function, so it handles nothing)' : ''}: ` +
    `its work outlives this module version and a rejection goes unhandled. \`await\` it${array ? ' (with `Promise.all`)' : ''}, ` +
    `add \`.catch(…)\`, or write \`void\` before it to drop it on purpose.`,
  rejectsAt: (what: string) => `It can reject: ${what}.`,
  unreleasedResource: (name: string, what: string) =>
    `\`${name}\` holds ${what}, made each time this module runs and never released: every reload leaves one more open. ` +
    `Release it in \`import.meta.hot.dispose(…)\`, wrap it in \`import.meta.hot.own(…)\`, or keep one across versions in \`import.meta.hot.data\`.`,
  heldInHelper: (name: string, helper: string, what: string) =>
    `\`${name}\` holds what ${what} opened, and never leaves \`${helper}()\`, which this module runs as it loads: ` +
    `every reload opens one more and nothing can close the old one. Return it and release it in \`import.meta.hot.dispose(…)\`, ` +
    `or wrap it in \`import.meta.hot.own(…)\`.`,
  unownedHandle: (what: string) =>
    `${what} is dropped: nothing in the code can close it when this module version is retired. \`reloadable run\` ` +
    `stops what a version starts as it loads (a server's socket passes to the next version); made later (in a request ` +
    `handler) or under another tool, it stays open and keeps its port. Wrap it in \`import.meta.hot.own(…)\`, or keep ` +
    `it and close it in \`import.meta.hot.dispose(…)\`.`,
  strayListener: (owner: string, event: string, literal: boolean, subscribe: boolean) =>
    subscribe
      ? `Callback subscribed on ${owner} and its unsubscribe dropped: it keeps calling old code after a reload. ` +
        `Keep the result and call it in \`import.meta.hot.dispose(…)\`, or pass it to \`import.meta.hot.own(…)\`.`
      : `Listener for ${literal ? `"${event}"` : `the event named by \`${event}\``} on ${owner} outlives this module version: after a reload the old handler still runs. ` +
        `Use \`import.meta.hot.listen(target, ${literal ? `'${event}'` : event}, fn)\`, pass \`{ signal }\`, or remove it in \`import.meta.hot.dispose(…)\`.`,
  globalMutation: (target: string) =>
    `Write to ${target}: global state survives this module, so every version adds to it and a reload cannot undo it. ` +
    `Keep the state in the module (\`import.meta.hot.data\` carries it across versions), or restore it in \`import.meta.hot.dispose(…)\`.`,
  layerViolation: (fromLayer: string, toLayer: string, target: string) =>
    `Import goes up the layers: "${fromLayer}" must not import "${toLayer}" (${target}). Layers are listed bottom first ` +
    `in the config; move the shared code down to "${fromLayer}" or below, or invert the dependency.`,
  layerViolationTarget: (fromLayer: string) => `the imported module, in a layer above "${fromLayer}"`,
  importCycle: (path: string) =>
    `Import closes a cycle: ${path}. The modules of a cycle can only reload together, as one unit; break the cycle ` +
    `by moving the shared part into a module both import, or import it as a type only.`,
  importCycleStep: (from: string, to: string) => `${from} imports ${to}`,
  internalError: (rule: string, message: string) =>
    `The ${rule} check crashed on this file (${message}); the other checks still ran. Please report this with the file.`,
  skippedBinary: () => 'not analysed: the file looks binary (it holds a NUL byte)',
  skippedHuge: (bytes: number, limit: number) => `not analysed: ${bytes} bytes is over the ${limit}-byte limit for one module`,
  skippedUnreadable: (reason: string) => `not analysed: the file could not be read (${reason})`,
  skippedTooDeep: () =>
    "not analysed: nested too deeply for TypeScript's parser (its call stack overflows); the other modules are analysed. " +
    "Generated code like this is best listed in the config's `ignore`",
  skippedTypes: (message: string) => `the type-aware check could not run on this file (${message}); the other checks did`,
  tsconfigProblem: (message: string) => `tsconfig problem, using defaults where needed: ${message}`,
} as const;
