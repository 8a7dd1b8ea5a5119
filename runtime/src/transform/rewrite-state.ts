// What the parts of one module's rewrite share: the edits (a MagicString over the compiled code), the imports
// and exports found so far, the import bindings and the scopes that may shadow them, and what the module turned
// out to be (ES syntax, top-level await, counted calls). The names the rewritten code uses are here too.
import type MagicString from 'magic-string';
import type { ModuleFormat } from './formats';
import { Scope, type Node } from './scope';

/** The names the rewritten code uses; unlikely to meet a name of the app's. */
export const binding = {
  registry: '__rl',
  counter: '__rl_c',
  default: '__rl_default',
  import: (index: number) => `__rl_i${index}`,
} as const;

export interface StaticImport {
  specifier: string;
  /** `import` declarations, `export … from` re-exports, `export * from`. */
  kind: 'import' | 'reexport' | 'star';
  /** The names it reads (`default` for a default import, `*` for a namespace). */
  names: string[];
  /** Import attributes (`with { type: 'json' }`). */
  attributes: Record<string, string>;
  /** The local name each imported name is bound to (`*` for a namespace), for messages that name a binding. */
  locals: Record<string, string>;
  /** Offset of the declaration in the compiled code, for error positions. */
  offset: number;
}

export interface ImportBinding {
  index: number;
  /** The imported name, `default`, or `*`. */
  imported: string;
}

export class RewriteError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export class RewriteState {
  readonly imports: StaticImport[] = [];
  /** Local name → the import it binds. */
  readonly locals = new Map<string, ImportBinding>();
  /** Export name → the expression its getter returns. */
  readonly getters = new Map<string, string>();
  /** Statements the prelude runs before the body (a default function's name). */
  readonly hoisted: string[] = [];
  /** The scope each scope-making node opens (only where an import name may be shadowed). */
  scopes = new Map<Node, Scope>();
  readonly moduleScope = new Scope(undefined, true);
  /** Exported async functions (and async methods of exported object literals) of a stateful module, by node: their key. */
  readonly gates = new Map<Node, string>();
  /** The async functions calls come into the module through: those it exports, and the async methods of what it exports. */
  readonly boundaries = new Set<Node>();
  hasTopLevelAwait = false;
  esmSyntax = false;
  countsCalls = false;

  constructor(
    readonly s: MagicString,
    readonly code: string,
    readonly format: Exclude<ModuleFormat, 'json'>,
    /** The module keeps state or takes messages: its exported async functions wait during its swap. */
    readonly stateful: boolean,
  ) {}

  /** What an ES module's import statement becomes in place: nothing (its imports are hoisted), CommonJS's: a read where it stands. */
  importInPlace(index: number): string {
    return this.format === 'esm' ? '' : `${binding.import(index)} = ${binding.registry}.i(${index});`;
  }
}
