/** The reload hazards, by code. The order is the order of the documentation. */
export const hazardCodes = [
  'unowned-timer',
  'floating-promise',
  'unowned-handle',
  'stray-listener',
  'global-mutation',
  'layer-violation',
  'import-cycle',
] as const;

export type HazardCode = (typeof hazardCodes)[number];

/** A diagnostic's severity; `off` in the config turns a rule off. */
export type Severity = 'error' | 'warning' | 'info';
export type RuleSetting = Severity | 'off';

/**
 * The options a rule takes, written `"code": ["warning", { … }]` in the config. Options are off when not
 * given, as in the rules they follow.
 */
export interface RuleOptions {
  /**
   * `checkThenables`: count any object with a `then(onFulfilled, onRejected)`, not only Promises (typescript-eslint's option).
   * `mode`: `"reload"` (the default) reports a promise only when its rejection can really be lost, following the callee
   * into the project's own code; `"typescript-eslint"` keeps typescript-eslint's `no-floating-promises` exactly.
   */
  'floating-promise': { checkThenables?: boolean; mode?: FloatingPromiseMode };
}

/** How far `floating-promise` looks: at the type only (typescript-eslint's rule), or into what the callee does. */
export const floatingPromiseModes = ['reload', 'typescript-eslint'] as const;
export type FloatingPromiseMode = (typeof floatingPromiseModes)[number];

/** The options each rule accepts, with the values each takes: `boolean` or a list of strings. */
export const ruleOptionNames: { [Code in keyof RuleOptions]: ReadonlyArray<keyof RuleOptions[Code]> } = {
  'floating-promise': ['checkThenables', 'mode'],
};

/** The string values an option takes, for the options that are not true/false. */
export const ruleOptionChoices: Partial<Record<string, readonly string[]>> = {
  'floating-promise.mode': floatingPromiseModes,
};

/**
 * Severities when the config says nothing. Structural hazards are errors: a layer violation or a cycle
 * changes what a reload must re-run. The others are warnings because each has legitimate exceptions.
 */
export const defaultSeverity: Record<HazardCode, Severity> = {
  'unowned-timer': 'warning',
  'floating-promise': 'warning',
  'unowned-handle': 'warning',
  'stray-listener': 'warning',
  'global-mutation': 'warning',
  'layer-violation': 'error',
  'import-cycle': 'error',
};

/** The code of an analyser fault: a detector that crashed on a file. Never suppressed by the config. */
export const internalErrorCode = 'internal-error';

export function isHazardCode(value: unknown): value is HazardCode {
  return typeof value === 'string' && (hazardCodes as readonly string[]).includes(value);
}

/** Where each hazard is documented, relative to the repository root. */
export function hazardDocPath(code: HazardCode): string {
  return `docs/hazards.md#${code}`;
}

/** Where the documentation is published; diagnostics and SARIF link into it. */
export const documentationBase = 'https://github.com/reloadable/reloadable/blob/main/';

/** The published page of a hazard (or of the README for an analyser fault). */
export function hazardDocUrl(code: string): string {
  return isHazardCode(code) ? `${documentationBase}${hazardDocPath(code)}` : `${documentationBase}README.md`;
}
