// The JavaScript of one module to the body of the function the registry runs for each of its versions.
//
// - Imports become reads through the registry (`__rl.i(n)`), at the moment of use (references.ts).
// - Exports become getters on the version's exports object, defined before any of the module's code runs,
//   as ES module bindings are (module-syntax.ts).
// - An ES module's body is a generator: the registry runs it up to its first `yield` to instantiate it (its
//   exports exist, its function declarations are hoisted), then on once its imports have been evaluated, so
//   import cycles and evaluation order behave as Node's do. With top-level `await` it is an async generator.
// - `import.meta` and `import()` go through the registry too.
// - Every async function counts itself on the version while it runs (call-counting.ts).
import MagicString from 'magic-string';
import { parseSync } from 'oxc-parser';
import type { ModuleFormat } from './formats';
import { markBoundaries } from './call-counting';
import { ModuleSyntax } from './module-syntax';
import { ReferenceWalk } from './references';
import { binding, RewriteError, RewriteState, type StaticImport } from './rewrite-state';
import { registrationsOf } from './registrations';
import { collectScopes, type Node } from './scope';

export { binding, RewriteError, type StaticImport } from './rewrite-state';

export interface Rewritten {
  /** The body of the module function (its one parameter is `__rl`, plus CommonJS's five). */
  code: string;
  map: ReturnType<MagicString['generateDecodedMap']>;
  imports: StaticImport[];
  /** The names the module exports itself (re-exports included, `export *` not). */
  exports: string[];
  hasTopLevelAwait: boolean;
  /** Written with `import`/`export`. */
  esmSyntax: boolean;
  /** Runs as a generator (an ES module). */
  generator: boolean;
  /** The imports (by index) it hands its own code to as it loads (registrations.ts). */
  registersInto: number[];
}

const moduleSyntaxInScript = /outside a module|Unexpected import\.meta/;

export function rewrite(code: string, format: Exclude<ModuleFormat, 'json'>, stateful: boolean): Rewritten {
  // CommonJS may return at the top level; written with import/export (TypeScript compiled to CommonJS), it
  // also holds what a script may not, which is no error here.
  const parsed = parseSync('module.js', code, { sourceType: format === 'esm' ? 'module' : 'commonjs', preserveParens: true });
  const fatal = parsed.errors.find((error) => error.severity === 'Error' && !moduleSyntaxInScript.test(error.message));
  if (fatal) throw new RewriteError(fatal.message, fatal.labels[0]?.start ?? 0);
  const state = new RewriteState(new MagicString(code), code, format, stateful);
  const program = parsed.program as unknown as Node;
  const walk = new ReferenceWalk(state);
  const syntax = new ModuleSyntax(state, (node) => walk.visit(node, state.moduleScope, 0, 0));
  const body: Node[] = program.body;
  markBoundaries(state, body);
  for (const statement of body) syntax.declareImports(statement);
  if (state.locals.size > 0) state.scopes = collectScopes(program, state.moduleScope, new Set(state.locals.keys()));
  for (const statement of body) if (!syntax.statement(statement)) walk.visit(statement, state.moduleScope, 0, 0);
  const generator = format === 'esm';
  prelude(state, program, generator);
  return {
    code: state.s.toString(),
    map: state.s.generateDecodedMap({ hires: 'boundary', includeContent: false }),
    imports: state.imports,
    exports: [...state.getters.keys()],
    hasTopLevelAwait: state.hasTopLevelAwait,
    esmSyntax: state.esmSyntax,
    generator,
    registersInto: state.locals.size > 0 ? registrationsOf(body, state.locals) : [],
  };
}

/**
 * An export's getter. Compiled to CommonJS (what TypeScript emits for `module: commonjs`), a binding read before
 * its declaration ran is `undefined`, as `exports.x` is before tsc's `exports.x = x` (a cycle of entities whose
 * decorator metadata names each other relies on it); an ES module keeps the temporal dead zone, as Node does.
 */
function getter(expression: string, format: RewriteState['format']): string {
  const local = /^[A-Za-z_$][\w$]*$/.test(expression);
  return format === 'cjs' && local ? `() => { try { return ${expression}; } catch { return undefined; } }` : `() => ${expression}`;
}

/**
 * What runs before the module's own code: strict mode for ES syntax, the import variables, the call counter,
 * the export getters, hoisted statements; an ES module then yields (instantiated) and reads its imports.
 */
function prelude(state: RewriteState, program: Node, generator: boolean): void {
  const { registry, counter } = binding;
  const lines: string[] = [];
  const strict = state.esmSyntax || generator;
  if (strict) lines.push('"use strict";');
  const importCount = state.imports.length;
  if (importCount > 0) lines.push(`var ${state.imports.map((_, index) => binding.import(index)).join(', ')};`);
  if (state.countsCalls) lines.push(`const ${counter} = ${registry}.c;`);
  if (state.getters.size > 0 || state.esmSyntax) {
    const entries = [...state.getters].map(([name, expression]) => `${JSON.stringify(name)}: ${getter(expression, state.format)}`);
    lines.push(`${registry}.e({ ${entries.join(', ')} });`);
  }
  lines.push(...state.hoisted);
  if (generator) {
    lines.push('yield;');
    for (let index = 0; index < importCount; index++) lines.push(`${binding.import(index)} = ${registry}.i(${index});`);
  }
  const text = lines.join(' ');
  const directives = strict ? [] : (program.body as Node[]).filter((statement) => statement.directive !== undefined);
  if (directives.length > 0) {
    state.s.appendRight(directives.at(-1)!.end, ` ${text}`);
  } else {
    state.s.prepend(`${text}\n`);
  }
  if (generator) {
    state.s.prepend(`return ${state.hasTopLevelAwait ? 'async ' : ''}function* () {`);
    state.s.append('\n}');
  }
}
