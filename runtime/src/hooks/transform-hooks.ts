// A worker's or child's loader hooks as Node runs them in its hooks thread (`module.register`, before Node
// 22.15; registered by register.ts): bundled on its own into runtime/out/transform-hooks.mjs.
import { Project } from '../modules/project';
import { isRuntimeHelper, loadTypeScript, resolveAppFile } from './run-typescript';
import { ThreadReport } from './thread-report';

type NextResolve = (specifier: string, context?: unknown) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context?: unknown) => Promise<{ format?: string | null; source?: unknown }>;

let project: Project | undefined;
/** In a thread of the app: what its ES loads tell the main thread (register.ts reports the CommonJS ones). */
let thread: ThreadReport | undefined;

export function initialize(data: { project: string; thread?: { token: string; entry: string } }): void {
  project = new Project(data.project);
  if (data.thread) thread = new ThreadReport(data.thread.token, data.thread.entry);
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: NextResolve): Promise<unknown> {
  // The compiler's helpers come with the runtime, not with the app.
  if (isRuntimeHelper(specifier)) return next(specifier, { ...context, parentURL: import.meta.url });
  try {
    return await next(specifier, context);
  } catch (error) {
    const url = project && resolveAppFile(project, specifier, context.parentURL);
    if (!url) throw error;
    return { url, shortCircuit: true };
  }
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<unknown> {
  const compiled = project && loadTypeScript(project, url, false);
  const result = compiled ? { ...compiled, shortCircuit: true } : await next(url, context);
  // A CommonJS load goes on to Node's CommonJS loader in the thread, where register.ts reports it.
  return thread && result.format === 'module' ? thread.seen(url, result) : result;
}
