// Node's module customization hooks (module.register), run in Node's hooks thread. Two jobs:
// - `reloadable-from:<parent URL>:<specifier>`: resolve a package as if an app file imported it, so the
//   runtime gets the very module Node would load for the app (the same instance packages share);
// - an app file that a package imports itself (a plugin loader, a file-based router): answer with a small ES
//   module whose bindings come from the runtime's registry (through a bridge on globalThis in the main
//   thread) and are updated with each new version, so the package sees the module the runtime reloads.
// Bundled on its own into runtime/out/hooks.mjs; it imports nothing of the runtime.
import { parse as parseCommonJs, init as initCommonJs } from 'cjs-module-lexer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import { moduleExtensions as sharedModuleExtensions, typescriptExtensions } from '../../../src-shared/module-files';

interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context?: unknown) => Promise<{ format?: string | null; source?: unknown; shortCircuit?: boolean }>;

let project = '';
const prefix = 'reloadable-from:';
const moduleExtensions = new Set(sharedModuleExtensions);
const typescript = new Set(typescriptExtensions);

export async function initialize(data: { project: string }): Promise<void> {
  project = data.project;
  await initCommonJs();
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  if (specifier.startsWith(prefix)) {
    const rest = specifier.slice(prefix.length);
    const separator = rest.indexOf(':');
    const parentURL = decodeURIComponent(rest.slice(0, separator));
    return next(rest.slice(separator + 1), { ...context, parentURL });
  }
  return next(specifier, context);
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<unknown> {
  if (isAppFile(url)) return { format: 'module', shortCircuit: true, source: shimFor(url) };
  return next(url, context);
}

function isAppFile(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  const file = fileURLToPath(url);
  if (file.split(path.sep).includes('node_modules')) return false;
  const extension = path.extname(file);
  if (typescript.has(extension)) return true;
  if (!moduleExtensions.has(extension)) return false;
  const relative = path.relative(project, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** An ES module standing for an app file: its exports read once, then told of each new version. */
function shimFor(url: string): string {
  const names = [...exportNames(fileURLToPath(url), new Set())].filter((name) => name !== '__esModule');
  if (!names.includes('default')) names.push('default');
  const locals = names.map((_, index) => `__rl_e${index}`);
  const key = JSON.stringify(url);
  return [
    'const __rl_bridge = globalThis[Symbol.for("reloadable.bridge")];',
    `const __rl_ns = await __rl_bridge.import(${key});`,
    `let ${names.map((name, index) => `${locals[index]} = __rl_ns[${JSON.stringify(name)}]`).join(', ')};`,
    `export { ${names.map((name, index) => `${locals[index]} as ${JSON.stringify(name)}`).join(', ')} };`,
    `__rl_bridge.bind(${key}, (next) => { ${names.map((name, index) => `${locals[index]} = next[${JSON.stringify(name)}];`).join(' ')} });`,
  ].join('\n');
}

/** The names a file exports: ES exports (and those of `export *` targets among the app's files), or CommonJS's. */
function exportNames(file: string, seen: Set<string>): Set<string> {
  const names = new Set<string>();
  if (seen.has(file)) return names;
  seen.add(file);
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return names;
  }
  const parsed = parseSync(file, source, { sourceType: 'unambiguous' });
  const record = parsed.module;
  if (!record.hasModuleSyntax) {
    try {
      for (const name of parseCommonJs(source).exports) names.add(name);
    } catch {
      // Not analysable: only the default export (module.exports) is offered.
    }
    return names;
  }
  for (const statement of record.staticExports) {
    for (const entry of statement.entries) {
      if (entry.isType) continue;
      if (entry.exportName.kind === 'Default') names.add('default');
      else if (entry.exportName.kind === 'Name' && entry.exportName.name) names.add(entry.exportName.name);
      else if (entry.importName.kind === 'AllButDefault' && entry.moduleRequest) {
        const target = resolveRelative(entry.moduleRequest.value, file);
        if (target) for (const name of exportNames(target, seen)) if (name !== 'default') names.add(name);
      }
    }
  }
  return names;
}

const substitutes: Record<string, string[]> = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] };

function resolveRelative(specifier: string, from: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const extension = path.extname(base);
  const candidates = [
    ...(substitutes[extension] ?? []).map((substitute) => base.slice(0, -extension.length) + substitute),
    base,
    ...[...moduleExtensions].map((candidate) => base + candidate),
    ...[...moduleExtensions].map((candidate) => path.join(base, `index${candidate}`)),
  ];
  return candidates.find((candidate) => fs.statSync(candidate, { throwIfNoEntry: false })?.isFile());
}
