/** Every message of the shared code, in one place, each saying what is wrong and how to fix it. */

const list = (items: readonly string[]) => items.map((item) => `"${item}"`).join(', ');
const didYouMean = (suggestion: string | undefined) => (suggestion ? `did you mean "${suggestion}"? ` : '');

export const configMessages = {
  notJson: (detail: string) => `is not valid JSON (${detail}): fix the syntax at this position`,
  notObject: (got: string) => `must be an object, got ${got}: write { "layers": [ … ] }`,
  unknownKey: (suggestion: string | undefined, known: readonly string[]) =>
    `is not a known key: ${didYouMean(suggestion)}known keys are ${list(known)}`,
  notPath: (got: string) => `must be a non-empty relative path, got ${got}`,
  escapesProject: (path: string) => `must stay inside the project folder, got "${path}": use a path relative to the config file`,
  layersNotArray: (got: string) =>
    `must be an array of layers, bottom layer first, got ${got}: write [ { "name": "core", "include": ["src/core/**"] } ]`,
  layerNotObject: (got: string) => `must be an object with "name" and "include", got ${got}`,
  layerName: (got: string) => `must be a non-empty string naming the layer, got ${got}`,
  duplicateLayer: (name: string) => `names the layer "${name}" a second time: layer names must be unique`,
  missingInclude: (name: string) => `is missing: layer "${name}" needs "include", an array of globs such as ["src/${name}/**"]`,
  includeIsString: () => `must be an array of globs, got a string: wrap it in [ ]`,
  rulesNotObject: (got: string) => `must be an object mapping hazard codes to severities, got ${got}: write { "floating-promise": "warning" }`,
  unknownCode: (suggestion: string | undefined, codes: readonly string[]) =>
    `is not a hazard code: ${didYouMean(suggestion)}codes are ${list(codes)}`,
  badSetting: (got: string, settings: readonly string[]) => `must be one of ${list(settings)}, got ${got}`,
  noOptions: (code: string) => `takes no options: write a severity alone, such as "${code}": "warning"`,
  badTuple: (code: string, options: readonly string[]) =>
    `must be a severity, or a severity and an object of options: write "${code}": ["warning", { "${options[0]}": true }]`,
  notBoolean: (got: string) => `must be true or false, got ${got}`,
  stringNotArray: () => `must be an array of globs, got a string: wrap it in [ ]`,
  notStringArray: (got: string) => `must be an array of globs, got ${got}`,
  notGlob: (got: string) => `must be a non-empty glob string, got ${got}`,
} as const;

/** The message of anything thrown, for one line of a log, a result or a diagnostic. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
