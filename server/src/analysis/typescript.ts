import { ts as typescript } from 'ts-morph';

/**
 * TypeScript's compiler API. ts-morph re-exports it through property getters, and bundled code reads
 * `ts.isIdentifier` and friends millions of times a run; reading the namespace once here makes every
 * later read a plain property access.
 */
export import ts = typescript;
