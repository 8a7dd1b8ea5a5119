import type { HazardCode } from '../../../../src-shared/hazard-codes';
import { floatingPromiseCandidates } from './floating-promise';
import { globalMutation } from './global-mutation';
import type { SyntaxRule } from './rule';
import { strayListener } from './stray-listener';
import { unownedHandle } from './unowned-handle';
import { unownedTimer } from './unowned-timer';

export { checkFloatingPromises } from './floating-promise';
export { checkResources } from './unowned-handle';
export { checkLayers } from './layer-violation';
export { checkCycles } from './import-cycle';
export type { SyntaxRule } from './rule';

/** The per-file rules. `layer-violation` and `import-cycle` need the whole graph and run after it is built. */
export const syntaxRules: readonly SyntaxRule[] = [unownedTimer, unownedHandle, strayListener, globalMutation, floatingPromiseCandidates];

export function syntaxRulesFor(enabled: (code: HazardCode) => boolean): SyntaxRule[] {
  return syntaxRules.filter((rule) => enabled(rule.code));
}
