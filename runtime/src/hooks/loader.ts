// The main thread's loader hooks as Node runs them in its hooks thread (`module.register`, before Node 22.15):
// bundled on its own into runtime/out/hooks.mjs. What they answer is app-shims.ts's.
import { Project } from '../modules/project';
import { parseImportedFrom, shimFor, shimmedFile } from './app-shims';

interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context?: unknown) => Promise<{ format?: string | null; source?: unknown; shortCircuit?: boolean }>;

let project: Project | undefined;

export function initialize(data: { project: string }): void {
  project = new Project(data.project);
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  const from = parseImportedFrom(specifier);
  return from ? next(from.specifier, { ...context, parentURL: from.parentURL }) : next(specifier, context);
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<unknown> {
  if (project && shimmedFile(project, url)) return { format: 'module', shortCircuit: true, source: shimFor(project, url) };
  return next(url, context);
}
