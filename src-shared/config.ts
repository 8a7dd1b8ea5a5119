import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { hazardCodes, isHazardCode, ruleOptionChoices, ruleOptionNames, type HazardCode, type RuleOptions, type RuleSetting } from './hazard-codes';
import { configMessages as say } from './errors';

/** A layer: modules matched by `include` may import this layer and the layers listed before it. */
export interface LayerConfig {
  name: string;
  /** Globs relative to the project folder. */
  include: string[];
}

/** `reloadable.config.json`, or the `"reloadable"` key of package.json, with defaults filled in. */
export interface ReloadableConfig {
  /** The folder holding the app's modules, relative to the project folder. @default "." */
  root: string;
  /** The module `reloadable run` starts, relative to the project folder. */
  entry?: string;
  /** Bottom layer first. @default [] */
  layers: LayerConfig[];
  /** Severity per hazard code; `off` disables a rule. @default {} */
  rules: Partial<Record<HazardCode, RuleSetting>>;
  /** The options given with a severity (`"floating-promise": ["warning", { "checkThenables": true }]`). @default {} */
  ruleOptions: Partial<RuleOptions>;
  /** Globs of files left out of analysis, relative to the project folder. @default defaultIgnore */
  ignore: string[];
}

/**
 * Test files are not part of a running app: the usual patterns of Jest, Vitest, Mocha and node:test, and
 * end-to-end tests named `*.e2e.*` or `*.e2e-spec.*` (NestJS's), are left out unless the config lists its own
 * `ignore` (which replaces this list).
 */
export const defaultIgnore: readonly string[] = [
  '**/*.{test,spec}.*',
  '**/*.e2e.*',
  '**/*.e2e-spec.*',
  '**/__tests__/**',
  '**/__mocks__/**',
  'test/**',
  'tests/**',
];

export const configFileName = 'reloadable.config.json';

/** A config that cannot be used. The message names the file, the key and the fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${key ? `\`${key}\` ` : ''}${reason}`);
    this.name = 'ConfigError';
  }
}

const settings: readonly RuleSetting[] = ['error', 'warning', 'info', 'off'];
const topLevelKeys = ['$schema', 'root', 'entry', 'layers', 'rules', 'ignore'];

export function defaultConfig(): ReloadableConfig {
  return { root: '.', layers: [], rules: {}, ruleOptions: {}, ignore: [...defaultIgnore] };
}

/**
 * Finds and parses the config of a project folder: `reloadable.config.json`, else the `"reloadable"` key of
 * package.json, else the defaults. `read` returns a file's text, or undefined when it does not exist.
 */
export function readConfig(folder: string, read: (file: string) => string | undefined): { config: ReloadableConfig; configFile: string | undefined } {
  const configFile = `${folder}/${configFileName}`;
  const configText = read(configFile);
  if (configText !== undefined) return { config: parseConfig(configText, configFile), configFile };
  const packageFile = `${folder}/package.json`;
  const packageText = read(packageFile);
  // Only package.json's own top-level key is a config: the same word as a dependency's name, a script or a
  // nested field is not. A package.json that is not JSON holds no config, unless a top-level "reloadable" key can
  // still be made out in it: then its error is the config's, with the position.
  if (packageText !== undefined) {
    const tree = parseTree(packageText, [], { allowTrailingComma: false, disallowComments: false });
    if (tree && propertyAt(tree, ['reloadable'])) {
      return { config: parseConfig(packageText, packageFile, ['reloadable']), configFile: packageFile };
    }
  }
  return { config: defaultConfig(), configFile: undefined };
}

/**
 * The value at a path of object keys, as JSON.parse would see it: where an object repeats a key, the last one
 * counts. Undefined when a step is missing or not an object.
 */
function propertyAt(root: Node, keys: readonly (string | number)[]): Node | undefined {
  let node: Node | undefined = root;
  for (const key of keys) {
    if (node?.type !== 'object') return undefined;
    node = node.children?.findLast((property) => property.children?.[0]?.value === key)?.children?.[1];
  }
  return node;
}

/**
 * Parses and validates a config. `keyPrefix` is the path of the config inside the file (`reloadable` in
 * package.json). Throws a ConfigError at the first problem, positioned on the offending value.
 */
export function parseConfig(text: string, file: string, keyPrefix: (string | number)[] = []): ReloadableConfig {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
  const fail = (node: Node | undefined, key: string, reason: string): never => {
    const { line, column } = position(text, node?.offset ?? errors[0]?.offset ?? 0);
    throw new ConfigError(file, key, line, column, reason);
  };
  if (errors.length > 0 || !tree) {
    fail(undefined, '', say.notJson(errors[0] ? printParseErrorCode(errors[0].error) : 'empty file'));
  }
  const node = keyPrefix.length > 0 ? propertyAt(tree!, keyPrefix) : tree;
  const prefix = keyPrefix.map(String).join('.');
  const keyName = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (!node || node.type !== 'object') fail(node, prefix, say.notObject(describe(node)));

  const config = defaultConfig();
  for (const property of node!.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    const key = String(keyNode?.value);
    if (!topLevelKeys.includes(key)) fail(keyNode, keyName(key), say.unknownKey(suggest(key, topLevelKeys), topLevelKeys));
    const value = valueNode!;
    switch (key) {
      case 'root':
      case 'entry':
        if (value.type !== 'string' || !value.value) fail(value, keyName(key), say.notPath(describe(value)));
        if (isAbsoluteOrEscaping(value.value)) fail(value, keyName(key), say.escapesProject(value.value));
        config[key] = normalizeRelative(value.value);
        break;
      case 'ignore':
        config.ignore = stringArray(value, keyName(key), fail);
        break;
      case 'layers':
        config.layers = layers(value, keyName(key), fail);
        break;
      case 'rules':
        [config.rules, config.ruleOptions] = rules(value, keyName(key), fail);
        break;
    }
  }
  return config;
}

type Fail = (node: Node | undefined, key: string, reason: string) => never;

function layers(value: Node, key: string, fail: Fail): LayerConfig[] {
  if (value.type !== 'array') fail(value, key, say.layersNotArray(describe(value)));
  const seen = new Set<string>();
  return (value.children ?? []).map((layer, index) => {
    const at = `${key}[${index}]`;
    if (layer.type !== 'object') fail(layer, at, say.layerNotObject(describe(layer)));
    const name = findNodeAtLocation(layer, ['name']);
    const include = findNodeAtLocation(layer, ['include']);
    for (const property of layer.children ?? []) {
      const propertyKey = String(property.children?.[0]?.value);
      if (propertyKey !== 'name' && propertyKey !== 'include') {
        fail(property.children?.[0], `${at}.${propertyKey}`, say.unknownKey(suggest(propertyKey, ['name', 'include']), ['name', 'include']));
      }
    }
    if (!name || name.type !== 'string' || !name.value) fail(name ?? layer, `${at}.name`, say.layerName(describe(name)));
    if (seen.has(name!.value)) fail(name, `${at}.name`, say.duplicateLayer(name!.value));
    seen.add(name!.value);
    if (!include) fail(layer, `${at}.include`, say.missingInclude(name!.value));
    if (include!.type === 'string') fail(include, `${at}.include`, say.includeIsString());
    return { name: name!.value as string, include: stringArray(include!, `${at}.include`, fail) };
  });
}

function rules(value: Node, key: string, fail: Fail): [ReloadableConfig['rules'], ReloadableConfig['ruleOptions']] {
  if (value.type !== 'object') fail(value, key, say.rulesNotObject(describe(value)));
  const severities: ReloadableConfig['rules'] = {};
  const options: Record<string, Record<string, boolean | string>> = {};
  for (const property of value.children ?? []) {
    const [codeNode, settingNode] = property.children ?? [];
    const code = String(codeNode?.value);
    if (!isHazardCode(code)) fail(codeNode, `${key}.${code}`, say.unknownCode(suggest(code, hazardCodes), hazardCodes));
    const at = `${key}.${code}`;
    const known: readonly string[] = (ruleOptionNames as Partial<Record<string, readonly string[]>>)[code] ?? [];
    let severityNode = settingNode;
    if (settingNode?.type === 'array') {
      const [first, second, ...rest] = settingNode.children ?? [];
      if (known.length === 0) fail(settingNode, at, say.noOptions(code));
      if (!second || second.type !== 'object' || rest.length > 0) fail(settingNode, at, say.badTuple(code, known));
      options[code] = ruleOptions(second!, at, code, known, fail);
      severityNode = first;
    }
    if (!settings.includes(severityNode?.value)) fail(severityNode ?? settingNode, at, say.badSetting(describe(severityNode), settings));
    severities[code as HazardCode] = severityNode!.value as RuleSetting;
  }
  return [severities, options as ReloadableConfig['ruleOptions']];
}

function ruleOptions(value: Node, key: string, code: string, known: readonly string[], fail: Fail): Record<string, boolean | string> {
  const result: Record<string, boolean | string> = {};
  for (const property of value.children ?? []) {
    const [nameNode, optionNode] = property.children ?? [];
    const name = String(nameNode?.value);
    if (!known.includes(name)) fail(nameNode, `${key}.${name}`, say.unknownKey(suggest(name, known), known));
    const choices = ruleOptionChoices[`${code}.${name}`];
    if (choices) {
      if (!choices.includes(optionNode?.value)) fail(optionNode, `${key}.${name}`, say.badSetting(describe(optionNode), choices));
    } else if (optionNode?.type !== 'boolean') fail(optionNode, `${key}.${name}`, say.notBoolean(describe(optionNode)));
    result[name] = optionNode!.value as boolean | string;
  }
  return result;
}

function stringArray(value: Node, key: string, fail: Fail): string[] {
  if (value.type === 'string') fail(value, key, say.stringNotArray());
  if (value.type !== 'array') fail(value, key, say.notStringArray(describe(value)));
  return (value.children ?? []).map((item, index) => {
    if (item.type !== 'string' || !item.value) fail(item, `${key}[${index}]`, say.notGlob(describe(item)));
    return item.value as string;
  });
}

function describe(node: Node | undefined): string {
  if (!node) return 'nothing';
  if (node.type === 'string') return `the string ${JSON.stringify(node.value)}`;
  if (node.type === 'array') return 'an array';
  if (node.type === 'object') return 'an object';
  return `${node.type === 'null' ? 'null' : `the ${node.type} ${String(node.value)}`}`;
}

/** The closest candidate by edit distance, when it is close enough to be a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function isAbsoluteOrEscaping(path: string): boolean {
  const normalized = path.replace(/\\/g, '/');
  return normalized.startsWith('/') || /^[a-zA-Z]:/.test(normalized) || normalized.split('/').includes('..');
}

function normalizeRelative(path: string): string {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

/** 1-based line and column of an offset. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
