import type { HazardCode } from '../../../../src-shared/hazard-codes';
import type { FileContext, RuleVisitor } from '../file-context';

/** A rule that needs one file and no types. */
export interface SyntaxRule {
  readonly code: HazardCode;
  /** Creates the rule's visitor for one file. */
  create(context: FileContext): RuleVisitor;
}
