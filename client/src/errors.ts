// Every message the extension shows people, in one place. Each says what happened and what to do.

export const say = {
  noConfig:
    'Reloadable: no reloadable.config.json in this workspace (nor a "reloadable" key in a package.json), so there is no entry to run: add one with "entry": "src/main.ts".',
  noRuntime:
    'Reloadable: no runtime to run the app with: the workspace has no reloadable-node in node_modules and this extension carries none. Install it (npm install -D reloadable-node) or reinstall the extension.',
  runsWith: (entry: string, runtime: string) => `Reloadable: running ${entry} with ${runtime}.`,
  debugsWith: (entry: string, runtime: string) => `Reloadable: debugging ${entry} with ${runtime}.`,
  badConfig: (message: string) => `Reloadable: ${message}`,
  noEntry: (config: string) => `Reloadable: ${config} has no "entry" to run: add one, e.g. "entry": "src/main.ts".`,
  noAppRunning: 'No app of this workspace is running under `reloadable run`.',
  noAppToReload: 'No app is running under `reloadable run` in this workspace.',
  runApp: 'Run App',
  reloadRunning: 'A reload is already running.',
  nothingChanged: 'Reloadable: nothing changed since the last reload.',
  reloadFailed: (message: string) => `Reloadable: the reload request failed: ${message}`,
  blockedByHazards: (errors: string[], order: string) =>
    `Reloadable: not reloading, the change set has reload hazards of error severity: ${errors.join(', ')}. ${order}`,
  hazardsInChangeSet: (errors: string[]) => `The change set has reload hazards of error severity: ${errors.join(', ')}.`,
  hazardsDetail: (order: string) => `${order} The reload may keep old code alive or fail; fix the hazards first to be safe.`,
  reloadAnyway: 'Reload Anyway',
  stillAlive: (count: number) => ` ${count} handle(s) of retired versions still alive: see the Problems panel.`,
  warningsOf: (warnings: string[]) => ` Warnings: ${warnings.join('; ')}`,
  openAt: (file: string, line: number | undefined) => `Open ${file}${line ? `:${line}` : ''}`,
  stillAliveAfter: (module: string, version: number, description: string) =>
    `Still alive after ${module} v${version} was retired: ${description}. Own it through import.meta.hot, or close it in a dispose hook.`,
  faultAt: (message: string, rolledBack: boolean) => `${message} (${rolledBack ? 'it rolled the reload back' : 'the app kept running'})`,
} as const;
