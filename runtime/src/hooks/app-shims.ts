// What Node's loader hooks of the main thread answer, whichever way they run (in the thread, through
// `module.registerHooks`, on Node 22.15+; in Node's hooks thread, through `module.register`, before):
// - `reloadable-from:<parent URL>:<specifier>` resolves a package as if an app file imported it, so the runtime
//   gets the very module Node would load for the app (the same instance packages share);
// - an app file that a package imports itself (a plugin loader, a file-based router) loads as a small ES
//   module whose bindings come from the runtime's registry (through a bridge on globalThis in the main thread)
//   and follow each new version, so the package sees the module the runtime reloads.
import { parse as parseCommonJs } from 'cjs-module-lexer';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import type { Project } from '../modules/project';

const prefix = 'reloadable-from:';

/** The specifier for loading `specifier` as an import written in `fromFileUrl` would. */
export function importedFrom(specifier: string, fromFileUrl: string): string {
  return `${prefix}${encodeURIComponent(fromFileUrl)}:${specifier}`;
}

/** The specifier and parent a `reloadable-from:` specifier stands for, or undefined for any other. */
export function parseImportedFrom(specifier: string): { specifier: string; parentURL: string } | undefined {
  if (!specifier.startsWith(prefix)) return undefined;
  const rest = specifier.slice(prefix.length);
  const separator = rest.indexOf(':');
  return { specifier: rest.slice(separator + 1), parentURL: decodeURIComponent(rest.slice(0, separator)) };
}

/** The file a URL names when the runtime loads it in Node's stead (an app module, or TypeScript), else undefined. */
export function shimmedFile(project: Project, url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const file = fileURLToPath(url);
  return project.compiles(file) && !file.endsWith('.json') ? file : undefined;
}

/** An ES module standing for an app file: its exports read once, then told of each new version. */
export function shimFor(project: Project, url: string): string {
  const names = [...exportNames(project, fileURLToPath(url), new Set())].filter((name) => name !== '__esModule');
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
function exportNames(project: Project, file: string, seen: Set<string>): Set<string> {
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
        const target = project.resolver.resolve(entry.moduleRequest.value, file, 'import');
        if (target.kind === 'app') for (const name of exportNames(project, target.file, seen)) if (name !== 'default') names.add(name);
      }
    }
  }
  return names;
}
