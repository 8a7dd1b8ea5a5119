import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { describe, it } from 'node:test';
import { findCycles } from '../../src-shared/strongly-connected';

const root = path.resolve(__dirname, '../..');

/** Every import specifier of every TypeScript file under a folder, with the file that writes it. */
function importsUnder(folder: string): Array<{ file: string; specifier: string }> {
  const found: Array<{ file: string; specifier: string }> = [];
  const visit = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'out') visit(full);
      else if (/\.(ts|mts|tsx)$/.test(entry.name)) {
        const text = fs.readFileSync(full, 'utf8');
        for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
          found.push({ file: path.relative(root, full), specifier: match[1]! });
        }
      }
    }
  };
  visit(path.join(root, folder));
  return found;
}

function offending(folder: string, isForbidden: (specifier: string, file: string) => boolean): string[] {
  return importsUnder(folder)
    .filter(({ specifier, file }) => isForbidden(specifier, file))
    .map(({ file, specifier }) => `${file} imports ${specifier}`);
}

const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!);
const resolvesInto = (specifier: string, file: string, folder: string) =>
  specifier.startsWith('.') && path.resolve(root, path.dirname(file), specifier).startsWith(path.join(root, folder) + path.sep);

describe('architecture boundaries', () => {
  it('the analysis never imports the LSP library or vscode', () => {
    assert.deepEqual(
      offending('server/src/analysis', (specifier) => specifier.startsWith('vscode')),
      [],
    );
  });

  it("src-shared imports nothing from node or vscode but vscode-jsonrpc's message types", () => {
    assert.deepEqual(
      offending('src-shared', (specifier) => isNodeBuiltin(specifier) || (specifier.startsWith('vscode') && specifier !== 'vscode-jsonrpc')),
      [],
    );
  });

  it('client and server never import each other', () => {
    assert.deepEqual(
      offending('client', (specifier, file) => resolvesInto(specifier, file, 'server')),
      [],
    );
    assert.deepEqual(
      offending('server', (specifier, file) => resolvesInto(specifier, file, 'client')),
      [],
    );
  });

  it('the runtime never imports ts-morph, typescript or the vscode API (vscode-jsonrpc is its wire format)', () => {
    assert.deepEqual(
      offending('runtime', (specifier) => /^(ts-morph|typescript|@ts-morph\/|vscode$|vscode-language)/.test(specifier)),
      [],
    );
  });

  it("outside the runtime, the client, the CLI, the server and the bench import only the runtime's faces", () => {
    const faces = new Set(['runtime/src/index.ts', 'runtime/src/client.ts', 'runtime/src/transform/index.ts']);
    const reachesBehind = (specifier: string, file: string) => {
      if (!resolvesInto(specifier, file, 'runtime')) return false;
      const target = path.relative(root, path.resolve(root, path.dirname(file), specifier));
      return !faces.has(target) && !faces.has(`${target}.ts`);
    };
    for (const folder of ['client', 'cli', 'server', 'src-shared', 'bench']) assert.deepEqual(offending(folder, reachesBehind), [], folder);
  });

  it("the package's exports are its faces, built, and its typings", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'runtime/package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string; default?: string }>;
    };
    const code = Object.entries(manifest.exports)
      .map(([name, target]) => [name, typeof target === 'string' ? target : target.default] as const)
      .filter(([, target]) => target?.endsWith('.js'));
    assert.deepEqual(code, [
      ['.', './out/index.js'],
      ['./client', './out/client.js'],
      ['./transform', './out/transform.js'],
    ]);
    for (const [, built] of code) assert.ok(fs.existsSync(path.join(root, 'runtime', built!)), built);
    const typings = Object.values(manifest.exports).flatMap((target) => (typeof target === 'object' && target.types ? [target.types] : []));
    for (const typing of typings) assert.ok(fs.existsSync(path.join(root, 'runtime', typing)), typing);
  });

  it('the control client face holds no runtime', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'out/meta/runtime-client.json'), 'utf8')) as { inputs: Record<string, unknown> };
    assert.deepEqual(
      Object.keys(meta.inputs).filter(
        (input) => input.startsWith('runtime/src/') && !/^runtime\/src\/(client|control\/(client|discovery))\.ts$/.test(input),
      ),
      [],
    );
  });

  it('the runtime imports in no circle, type-only imports included', () => {
    const adjacency = new Map<string, string[]>();
    for (const { file, specifier } of importsUnder('runtime/src')) {
      if (!resolvesInto(specifier, file, 'runtime/src')) continue;
      const target = path.relative(root, path.resolve(root, path.dirname(file), specifier));
      const resolved = fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts');
      adjacency.set(file, [...(adjacency.get(file) ?? []), resolved]);
    }
    assert.ok(adjacency.size > 20, "the scan finds the runtime's imports");
    assert.deepEqual(findCycles(adjacency), []);
  });

  it('the runtime bundle holds no analyser', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'out/meta/runtime.json'), 'utf8')) as { inputs: Record<string, unknown> };
    assert.deepEqual(
      Object.keys(meta.inputs).filter((input) => /ts-morph|typescript|server\/src/.test(input)),
      [],
    );
  });

  it('finds imports at all (the scan itself works)', () => {
    assert.ok(importsUnder('server/src/analysis').some(({ specifier }) => specifier === 'ts-morph'));
  });
});
