// How a worker thread or a forked child of the app runs the app's TypeScript: compiled the way the main
// thread compiles it (the project's tsconfig settings: decorators with their metadata, JSX, class fields),
// resolved the way the main thread resolves it (`.js` naming `.ts`, extensionless paths, index files, `paths`),
// but not reloaded: the version that started the worker stops it. Both hook flavours use this.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Project } from '../modules/project';
import { isTypeScriptFile } from '../transform';

export { isRuntimeHelper } from '../modules/node-require';

/** The URL of an app file a specifier names that Node could not resolve by itself, or undefined. */
export function resolveAppFile(project: Project, specifier: string, parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith('file:')) return undefined;
  const resolution = project.resolver.resolve(specifier, fileURLToPath(parentURL), 'import');
  return resolution.kind === 'app' ? pathToFileURL(resolution.file).href : undefined;
}

/**
 * A TypeScript file compiled for Node, or undefined for anything else (Node loads it as usual). A CommonJS one
 * comes with its source only where the hooks also serve `require` (in-thread hooks); otherwise Node's CommonJS
 * loader loads it, through Module._extensions.
 */
export function loadTypeScript(
  project: Project,
  url: string,
  commonJsSource: boolean,
): { format: 'module' | 'commonjs'; source?: string } | undefined {
  if (!url.startsWith('file:')) return undefined;
  const file = fileURLToPath(url);
  if (!isTypeScriptFile(file) || file.split(/[\\/]/).includes('node_modules')) return undefined;
  if (!commonJsSource && project.formatOf(file) === 'cjs') return { format: 'commonjs' };
  const { format, code } = project.compileForNode(file);
  return { format, source: code };
}
