// What the extension's code uses and what package.json contributes agree, both ways: a command registered
// but not contributed cannot be found in the palette; one contributed but not registered fails when run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

function sources(folder: string): string {
  return fs
    .readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

const code = sources('client/src');
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

describe('package.json contributes what the extension uses', () => {
  it('every command of the command table is contributed, and every contributed command is in the table', () => {
    const table = /export const commandTable\b([\s\S]*?)\n\};/.exec(code)?.[1] ?? '';
    const registered = [...table.matchAll(/^\s*'(reloadable\.[\w.]+)':/gm)].map((match) => match[1]!);
    assert.ok(registered.length >= 8, 'the command table was found');
    assert.deepEqual(sorted(registered), sorted(contributes.commands.map((command: { command: string }) => command.command)));
  });

  it('every command the code runs, a menu shows or a key binds is a contributed one', () => {
    const contributed = new Set(contributes.commands.map((command: { command: string }) => command.command));
    const executed = [...code.matchAll(/executeCommand\(\s*'(reloadable\.[\w.]+)'/g)].map((match) => match[1]!);
    const item = /\.command = [^;]*/g;
    const statusBar = [...code.matchAll(item)].flatMap((match) => [...match[0].matchAll(/'(reloadable\.[\w.]+)'/g)].map((inner) => inner[1]!));
    const menus = Object.values(contributes.menus as Record<string, Array<{ command: string }>>)
      .flat()
      .map((entry) => entry.command);
    const keys = (contributes.keybindings as Array<{ command: string }>).map((binding) => binding.command);
    assert.deepEqual(
      sorted([...executed, ...statusBar, ...menus, ...keys]).filter((id) => !contributed.has(id)),
      [],
    );
  });

  it('every setting the code reads is contributed, and every contributed setting is read', () => {
    const read = [...code.matchAll(/getConfiguration\('reloadable'[^)]*\)\s*\.get<[^>]*>\('([\w.]+)'/g)].map((match) => `reloadable.${match[1]}`);
    // vscode-languageclient reads `<client id>.trace.server` itself.
    assert.match(code, /new LanguageClient\('reloadable'/);
    const used = [...read, 'reloadable.trace.server'];
    const contributed = (contributes.configuration as Array<{ properties: Record<string, unknown> }>).flatMap((section) =>
      Object.keys(section.properties),
    );
    assert.deepEqual(sorted(used), sorted(contributed));
  });

  it('every setting has a scope and a markdown description, and every enum describes its values', () => {
    for (const section of contributes.configuration as Array<{ title: string; properties: Record<string, Record<string, unknown>> }>) {
      assert.ok(section.title, 'a titled section');
      for (const [key, setting] of Object.entries(section.properties)) {
        assert.ok(setting.scope, `${key} has a scope`);
        assert.ok(setting.markdownDescription, `${key} has a markdownDescription`);
        if (setting.enum)
          assert.equal(
            (setting.enumDescriptions as unknown[] | undefined)?.length,
            (setting.enum as unknown[]).length,
            `${key} describes each value`,
          );
      }
    }
  });

  it('the views and context keys the code sets are the ones package.json refers to', () => {
    const views = (contributes.views.explorer as Array<{ id: string }>).map((view) => view.id);
    for (const view of views) assert.match(code, new RegExp(`'${view.replace('.', '\\.')}'`), `${view} is registered`);
    assert.match(code, /'setContext', 'reloadable\.connected'/);
  });
});
