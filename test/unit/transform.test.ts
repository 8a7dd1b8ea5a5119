// The runtime's transform (compile, then the module rewrite) on every syntactic form a module can hold: each
// form below is compiled by V8 as the registry compiles it, and run; then, as a property over a large body of
// code nobody here wrote (the TypeScript and JavaScript sources of the installed packages), every file that
// parses must transform into code V8 compiles, exporting exactly the names its compiled module exports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import * as vm from 'node:vm';
import { parseSync } from 'oxc-parser';
import { compile, rewrite, transformModule, type CompilerSettings } from '../../runtime/src/transform/index';
import { TempApp } from '../helpers/app';

const root = path.resolve(__dirname, '../..');
const settings: CompilerSettings = { experimentalDecorators: true, emitDecoratorMetadata: true };

/** Compiles `source` (a file named `file`) as the registry would: through V8, as the module function. */
function compileLikeTheRegistry(file: string, source: string, format: 'esm' | 'cjs', compilerSettings = settings) {
  const compiled = compile(file, source, file, format, compilerSettings);
  const rewritten = rewrite(compiled.code, format, /\b(state|mailbox)\s*\(/.test(source));
  const parameters = rewritten.generator ? ['__rl'] : ['__rl', 'exports', 'require', 'module', '__filename', '__dirname'];
  vm.compileFunction(rewritten.code, parameters, { filename: file });
  return { compiled, rewritten };
}

/** The names a compiled ES module exports itself, and how many `export *` it has, as oxc's module record says. */
function exportsOf(code: string): { names: string[]; stars: number } {
  const record = parseSync('compiled.js', code, { sourceType: 'module' }).module;
  const names = new Set<string>();
  let stars = 0;
  for (const statement of record.staticExports) {
    for (const entry of statement.entries) {
      if (entry.exportName.kind === 'Default') names.add('default');
      else if (entry.exportName.kind === 'Name' && entry.exportName.name) names.add(entry.exportName.name);
      else if (entry.importName.kind === 'AllButDefault') stars++;
    }
  }
  return { names: [...names].sort(), stars };
}

const forms: Record<string, string> = {
  'empty bodies': `export async function store() {}\nexport const arrow = async () => {};\nexport class Repo { async save() {} static async load() {} get x() { return 1; } set x(v) {} }\nexport async function* stream() {}\nfunction* gen() {}\nexport const result = [store(), arrow(), new Repo().save(), Repo.load(), stream().next(), gen().next()];\n`,
  'a directive and nothing else': `export async function strict() { 'use strict'; }\nexport const done = strict();\n`,
  'async arrows': `export const a = async (x: number) => x + 1;\nexport const b = async x => ({ x });\nexport const c = async ({ x }: { x: number }, ...rest: number[]) => [x, ...rest];\nexport const d = async () => async () => 1;\nexport const all = Promise.all([a(1), b(2), c({ x: 3 }, 4), d().then((f) => f())]);\n`,
  accessors: `export class Box { #v = 1; get value() { return this.#v; } set value(v) { this.#v = v; } static get none() { return null; } accessor auto = 2; }\nconst box = new Box(); box.value = 5;\nexport const read = [box.value, Box.none, box.auto];\n`,
  generators: `export function* count(n: number) { for (let i = 0; i < n; i++) yield i; }\nexport async function* later() { yield* count(2); }\nconst object = { *items() { yield 1; }, async *more() { yield 2; } };\nexport const seen = [...count(3), ...object.items()];\n`,
  'using declarations': `class Resource { disposed = false; [Symbol.dispose]() { this.disposed = true; } }\nexport const r = new Resource();\nexport function scope() { using held = r; return held.disposed; }\nexport const during = scope();\n`,
  'decorators on every member kind (legacy)': `const mark = (..._: unknown[]): any => undefined;\n@mark\nexport class Service { @mark field = 1; @mark static field2 = 2; @mark method(@mark arg: string) { return arg; } @mark get getter() { return 1; } @mark static async run() { return 1; } constructor(@mark readonly dep: string) {} }\nexport const made = new Service('x').method('y');\n`,
  'class fields': `export class Fields { a = 1; b; static c = 3; #d = 4; static #e = 5; static { Fields.c += 1; } readD() { return this.#d; } static readE() { return Fields.#e; } }\nexport const read = [new Fields().a, Fields.c, new Fields().readD(), Fields.readE()];\n`,
  'labelled statements': `export function find(rows: number[][]) { outer: for (const row of rows) { inner: for (const cell of row) { if (cell < 0) continue outer; if (cell > 9) break outer; } } label: { break label; } return 1; }\nexport const found = find([[1, -1], [10]]);\n`,
  'ASI edge cases': `import { helper } from './helper.js'\nconst a = 1\nconst b = a\n;[a, b].forEach((x) => x)\nexport const c = helper\n(1)\nlet d = 1\nd\n++\nd\nexport const e = \`\${a}\`\nexport default async function () {}\n`,
  'imports used everywhere': `import def, { helper as h } from './helper.js';\nimport * as ns from './helper.js';\nexport const uses = { def, h, n: ns.helper, call: h(1), tagged: String.raw\`\${h(2)}\` };\nexport function shadow(h: number) { return h; }\nexport const destructured = (() => { let x; ({ x = h(3) } = {} as any); return x; })();\nexport { h as again };\n`,
};

const helper = `export function helper(n: number) { return n; }\nexport default function named() { return 'default'; }\n`;

let app: TempApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

describe('the transform on every syntactic form', () => {
  for (const [name, source] of Object.entries(forms)) {
    it(`compiles and runs ${name}`, async () => {
      compileLikeTheRegistry('/app/main.ts', source, 'esm');
      app = new TempApp({
        'tsconfig.json': JSON.stringify({ compilerOptions: { experimentalDecorators: name.includes('legacy'), target: 'es2022' } }),
        'helper.ts': helper,
        'main.ts': source,
      });
      await app.start('main.ts');
      const main = app.module('main.ts');
      for (const key of Object.keys(main)) {
        const value = main[key];
        if (value && typeof value.then === 'function') await value;
      }
    });
  }

  it('names an anonymous default export `default`, as Node does', async () => {
    app = new TempApp({
      'arrow.ts': 'export default () => 1;\n',
      'fn.ts': 'export default function () { return 2; }\n',
      'klass.ts': 'export default class {}\n',
      'named.ts': 'export default function kept() { return 3; }\n',
      'main.ts': [
        "import arrow from './arrow.js';",
        "import fn from './fn.js';",
        "import klass from './klass.js';",
        "import named from './named.js';",
        'export const names = [arrow.name, fn.name, klass.name, named.name];',
      ].join('\n'),
    });
    await app.start('main.ts');
    assert.deepEqual(app.module('main.ts').names, ['default', 'default', 'default', 'kept']);
  });

  it('keeps an empty async method of a CommonJS module valid, and counts its call', async () => {
    app = new TempApp({ 'main.ts': `export class Store { async store() {} }\nexport const done = new Store().store();\n` }, {});
    await app.start('main.ts');
    assert.equal(await app.module('main.ts').done, undefined);
  });
});

/**
 * The package sources installed, smaller than 256 KiB: every TypeScript file, and every eighth JavaScript
 * file in path order (`RELOADABLE_FULL_CORPUS=1`: all of them, about 12,000 files and a minute and a half).
 */
function installedSources(): string[] {
  const listed = execFileSync(
    'find',
    ['node_modules', '-type', 'f', '(', '-name', '*.ts', '-o', '-name', '*.js', '-o', '-name', '*.mjs', '-o', '-name', '*.cjs', ')'],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  return listed
    .split('\n')
    .filter((file) => file && !/\.d\.[mc]?ts$/.test(file) && !file.includes('/.tools/'))
    .filter((file) => fs.statSync(path.join(root, file)).size < 256 << 10)
    .sort((a, b) => (a < b ? -1 : 1))
    .filter((file, index) => file.endsWith('.ts') || process.env.RELOADABLE_FULL_CORPUS === '1' || index % 8 === 0);
}

describe('the transform on code nobody here wrote', () => {
  it('turns every installed package source that parses into code V8 compiles, with the exports its compiled module has', () => {
    const files = installedSources();
    assert.ok(files.length > 2000, `a large body of code: ${files.length} files`);
    const failures: string[] = [];
    let checked = 0;
    for (const file of files) {
      const full = path.join(root, file);
      const source = fs.readFileSync(full, 'utf8');
      const parsed = parseSync(full, source, { sourceType: 'unambiguous' });
      if (parsed.errors.some((error) => error.severity === 'Error')) continue;
      const format = parsed.module.hasModuleSyntax ? 'esm' : 'cjs';
      try {
        const transformed = transformModule({ file: full, id: file, source, format, settings: {} });
        const parameters = transformed.generator ? ['__rl'] : ['__rl', 'exports', 'require', 'module', '__filename', '__dirname'];
        vm.compileFunction(transformed.code, parameters, { filename: full });
        checked++;
        if (format !== 'esm') continue;
        const expected = exportsOf(compile(full, source, file, format, {}).code);
        const stars = transformed.imports.filter((entry) => entry.kind === 'star').length;
        assert.deepEqual({ names: [...new Set(transformed.exports)].sort(), stars }, expected);
      } catch (error) {
        failures.push(`${file}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    assert.ok(checked > 2000, `checked ${checked} files`);
    assert.deepEqual(failures, []);
  });
});
