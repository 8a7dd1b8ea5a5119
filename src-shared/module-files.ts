// Which files are modules, for the analyser and the runtime alike: the two must agree on what the graph holds.

/** The extensions of modules, in the order an extensionless specifier tries them. */
export const moduleExtensions: readonly string[] = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

/** The extensions TypeScript source is written in: Node 20 cannot run these by itself. */
export const typescriptExtensions: readonly string[] = ['.ts', '.mts', '.cts', '.tsx'];

/** `x.d.ts`, `x.d.mts`, `x.d.cts`, and the declarations of other files (`styles.d.css.ts`): types only, never run. */
export function isDeclarationFile(file: string): boolean {
  return /\.d\.[mc]?ts$/.test(file) || /\.d\.[^./\\]+\.ts$/.test(file);
}

/** A module: a file with one of the extensions that is not a declaration file. */
export function isModuleFile(file: string): boolean {
  return moduleExtensions.includes(extensionOf(file)) && !isDeclarationFile(file);
}

/** `.ts` of `src/a.ts`; empty for a name without one. */
export function extensionOf(file: string): string {
  return /\.[^./\\]+$/.exec(file)?.[0] ?? '';
}
