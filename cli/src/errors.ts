/** Every message of the CLI, in one place. */
export const say = {
  noFolder: (folder: string) => `${folder} is not a folder: pass the project folder (the one holding reloadable.config.json or package.json)`,
  badFormat: (format: string, formats: readonly string[]) => `--format ${format} is not known: use one of ${formats.join(', ')}`,
  unknownModule: (name: string) => `--changed ${name} is not a module of the project: name a file inside the project's root`,
  progress: (done: number, total: number) => `checking modules ${done}/${total}`,
  badWorkers: (value: string) => `--workers takes a whole number of processes, 1 or more, or auto; got ${value}`,
  badMilliseconds: (value: string) => `${value} is not a number of milliseconds: pass a positive integer`,
  noRuntime: (project: string) => `no app is running for ${project}: start it with \`reloadable run <entry>\`, or pass --project`,
  notRunningAnyMore: (entry: string, how: string) => `${entry} is not running any more (${how}): start it again with \`reloadable run\``,
  diedDuringReload: (entry: string, how: string) => `${entry} ended during the reload (${how})`,
  crashed: (message: string) => `reloadable crashed: ${message}. This is a bug; please report it with the command you ran.`,
} as const;
