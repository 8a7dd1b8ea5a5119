import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ModuleGraphRequest } from '../../src-shared/lsp-protocol';
import { fixturesDir } from '../helpers/fixtures';
import { LanguageServer, uri } from '../helpers/language-server';

/** A fixture copied to a temporary folder, so a test may write to it. */
function copyFixture(relative: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-lsp-')));
  fs.cpSync(path.join(fixturesDir, relative), dir, { recursive: true });
  return dir;
}

const codes = (diagnostics: Diagnostic[] | undefined) => (diagnostics ?? []).map((d) => `${d.range.start.line + 1}:${d.code}`).sort();

describe('the language server over stdio', () => {
  let timers: string;
  let layered: string;
  let server: LanguageServer;
  before(async () => {
    timers = copyFixture('hazards/unowned-timer');
    layered = copyFixture('projects/layered');
    server = await LanguageServer.start([timers, layered]);
    await server.waitFor(() => server.notifications.some((n) => n.method === 'reloadable/analysisSummary'), 'the first analysis');
  });
  after(async () => {
    await server?.stop();
    for (const dir of [timers, layered]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("publishes every module's hazards on start, unopened ones included, with a link to the docs", () => {
    const dropped = server.diagnosticsOf(path.join(timers, 'dropped.ts'));
    assert.equal(codes(dropped).filter((c) => c.endsWith('unowned-timer')).length, 7);
    assert.deepEqual(server.diagnosticsOf(path.join(timers, 'owned.ts')), []);
    const first = dropped![0]!;
    assert.equal(first.source, 'reloadable');
    assert.match(first.codeDescription!.href, /docs\/hazards\.md#unowned-timer$/);
  });

  it('points a layer violation and a cycle at their other ends', () => {
    const db = server.diagnosticsOf(path.join(layered, 'src/core/db.ts'))!;
    const violation = db.find((d) => d.code === 'layer-violation')!;
    assert.equal(violation.severity, 1);
    assert.ok(violation.relatedInformation?.some((r) => r.location.uri === uri(path.join(layered, 'src/http/routes.ts'))));
    const cycle = db.find((d) => d.code === 'import-cycle')!;
    assert.ok(cycle.relatedInformation!.length >= 2, "the cycle's path");
  });

  it('re-analyses an edit and offers a quick fix that removes the hazard', async () => {
    const file = path.join(timers, 'edited.ts');
    const text = 'export function start(): void {\n  setInterval(() => undefined, 1000);\n}\n';
    fs.writeFileSync(file, text);
    const document = TextDocument.create(uri(file), 'typescript', 1, text);
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: document.uri, languageId: 'typescript', version: 1, text },
    });
    await server.waitFor(() => codes(server.diagnosticsOf(file)).includes('2:unowned-timer'), 'the new hazard');
    const diagnostic = server.diagnosticsOf(file)!.find((d) => d.code === 'unowned-timer')!;
    const actions: CodeAction[] = await server.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: document.uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
    assert.ok(actions.some((action) => /Suppress unowned-timer/.test(action.title)));
    const preferred = actions.find((action) => action.isPreferred)!;
    const edits = (preferred.edit!.documentChanges![0] as { edits: TextEdit[] }).edits;
    const fixed = TextDocument.applyEdits(document, edits);
    assert.match(fixed, /import\.meta\.hot\?\.own\(setInterval/);
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: document.uri, version: 2 },
      contentChanges: [{ text: fixed }],
    });
    await server.waitFor(() => codes(server.diagnosticsOf(file)).length === 0, 'the hazard to go');
  });

  it('picks up a module created on disk', async () => {
    const file = path.join(timers, 'created.ts');
    fs.writeFileSync(file, "process.on('SIGTERM', () => undefined);\n");
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(file), type: 1 }] });
    await server.waitFor(() => codes(server.diagnosticsOf(file)).includes('1:stray-listener'), "the created module's hazard");
    fs.rmSync(file);
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(file), type: 3 }] });
    await server.waitFor(() => server.diagnosticsOf(file)?.length === 0, "the deleted module's diagnostics to clear");
  });

  it('answers the module graph with its reload order', async () => {
    const graph = await server.connection.sendRequest(ModuleGraphRequest.type, { folder: uri(layered) });
    assert.equal(graph.folders.length, 1);
    const folder = graph.folders[0]!;
    assert.deepEqual(folder.layers, ['core', 'services', 'http']);
    assert.ok(folder.modules.some((m) => m.id === 'src/core/db.ts' && m.layer === 'core' && m.hazards === 2));
    assert.ok(folder.edges.some((e) => e.from === 'src/core/db.ts' && e.to === 'src/http/routes.ts'));
    assert.ok(folder.cycles.length >= 1);
    assert.equal(new Set(folder.reloadOrder.load).size, folder.modules.length);
  });

  it('survives malformed requests and keeps answering', async () => {
    await assert.rejects(server.connection.sendRequest('textDocument/codeAction', { textDocument: 42 }));
    await assert.rejects(server.connection.sendRequest('reloadable/noSuchRequest', {}));
    const graph = await server.connection.sendRequest(ModuleGraphRequest.type, {});
    assert.equal(graph.folders.length, 2);
  });
});

describe('the language server and a broken config', () => {
  it('reports the config error at its position and analyses again once it is fixed', async () => {
    const dir = copyFixture('projects/layered');
    const config = path.join(dir, 'reloadable.config.json');
    const good = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, '{ "layers": 3 }');
    const server = await LanguageServer.start([dir]);
    try {
      await server.waitFor(() => (server.diagnosticsOf(config)?.length ?? 0) > 0, 'the config error');
      assert.match(String(server.diagnosticsOf(config)![0]!.message), /layers/);
      fs.writeFileSync(config, good);
      await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(config), type: 2 }] });
      await server.waitFor(() => (server.diagnosticsOf(path.join(dir, 'src/core/db.ts'))?.length ?? 0) > 0, 'the analysis after the fix');
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the language server and the project's own declaration files", () => {
  it('types calls with them, and checks again when one changes on disk', async () => {
    const dir = copyFixture('hazards/floating-promise-tsconfig');
    const main = path.join(dir, 'src/extension.ts');
    const typings = path.join(dir, 'typings/editor.d.ts');
    const server = await LanguageServer.start([dir]);
    try {
      await server.waitFor(() => codes(server.diagnosticsOf(main)).length === 3, 'a floating promise per declared API');
      assert.equal(server.diagnosticsOf(typings), undefined, 'declaration files are not analysed');
      fs.writeFileSync(typings, fs.readFileSync(typings, 'utf8').replace('Promise<boolean>', 'boolean'));
      await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(typings), type: 2 }] });
      await server.waitFor(() => codes(server.diagnosticsOf(main)).length === 2, '`save()` to be no promise any more');
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the language server after an edit, beyond the edited module', () => {
  let dir: string;
  let server: LanguageServer;
  const file = (name: string) => path.join(dir, 'src', name);
  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-lsp-')));
    const modules: Record<string, string> = {
      'a.ts': "import { b } from './b';\nexport const a = () => b();\n",
      'b.ts': "import { c } from './c';\nexport const b = () => c();\n",
      'c.ts': 'export const c = () => 1;\n',
      'work.ts': 'export function work(): number {\n  return 1;\n}\n',
      'index.ts': "export * from './work';\n",
      'caller.ts': "import { work } from './index';\nexport function run(): void {\n  work();\n}\n",
      'deep.ts': 'export function deep(): number {\n  return 1;\n}\n',
      'middle.ts': "import { deep } from './deep';\nexport const middle = () => deep();\n",
      'top.ts': "import { middle } from './middle';\nexport function run(): void {\n  middle();\n}\n",
      // A script: no import or export, so its function is a global every module sees without importing it.
      'globals.ts': 'function later(): number {\n  return 1;\n}\n',
      'uses.ts': 'export function run(): void {\n  later();\n}\n',
    };
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'reloadable.config.json'), '{}');
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2022' }, include: ['src'] }),
    );
    for (const [name, text] of Object.entries(modules)) fs.writeFileSync(file(name), text);
    server = await LanguageServer.start([dir]);
    await server.waitFor(() => server.notifications.some((n) => n.method === 'reloadable/analysisSummary'), 'the first analysis');
  });
  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const edit = async (name: string, text: string) => {
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uri(file(name)), languageId: 'typescript', version: 1, text: fs.readFileSync(file(name), 'utf8') },
    });
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(file(name)), version: 2 },
      contentChanges: [{ text }],
    });
  };

  it('shows a cycle on every module of it when one import closes it', async () => {
    assert.deepEqual(codes(server.diagnosticsOf(file('a.ts'))), []);
    await edit('c.ts', "import { a } from './a';\nexport const c = () => a();\n");
    // a.ts neither changed nor imports c.ts: only the new cycle concerns it.
    await server.waitFor(() => codes(server.diagnosticsOf(file('a.ts'))).includes('1:import-cycle'), 'the cycle on a.ts');
    await server.waitFor(() => codes(server.diagnosticsOf(file('b.ts'))).includes('1:import-cycle'), 'the cycle on b.ts');
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(file('c.ts')), version: 3 },
      contentChanges: [{ text: 'export const c = () => 1;\n' }],
    });
    await server.waitFor(() => codes(server.diagnosticsOf(file('a.ts'))).length === 0, 'the cycle to go from a.ts');
  });

  it('takes a cycle away from its other module when one is deleted on disk', async () => {
    fs.writeFileSync(file('e.ts'), "import { f } from './f';\nexport const e = () => f();\n");
    fs.writeFileSync(file('f.ts'), "import { e } from './e';\nexport const f = () => e();\n");
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: ['e.ts', 'f.ts'].map((name) => ({ uri: uri(file(name)), type: 1 })),
    });
    await server.waitFor(() => codes(server.diagnosticsOf(file('e.ts'))).includes('1:import-cycle'), 'the cycle on e.ts');
    fs.rmSync(file('f.ts'));
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(file('f.ts')), type: 3 }] });
    await server.waitFor(() => codes(server.diagnosticsOf(file('e.ts'))).length === 0, 'the cycle to go from e.ts');
  });

  it('type-checks again the modules that reach an edited one through a re-export', async () => {
    assert.deepEqual(codes(server.diagnosticsOf(file('caller.ts'))), []);
    // An async function that can reject (JSON.parse of what the environment holds may throw): one that only returns a value would float harmlessly.
    await edit('work.ts', "export async function work(): Promise<number> {\n  return JSON.parse(process.env.WORK ?? '1');\n}\n");
    await server.waitFor(() => codes(server.diagnosticsOf(file('caller.ts'))).includes('3:floating-promise'), 'the floating promise in caller.ts');
  });

  it('type-checks again the modules whose types an edit changes through modules in between', async () => {
    assert.deepEqual(codes(server.diagnosticsOf(file('top.ts'))), []);
    // top.ts imports only middle.ts, whose `middle` returns whatever `deep` returns.
    await edit('deep.ts', "export async function deep(): Promise<number> {\n  return JSON.parse(process.env.WORK ?? '1');\n}\n");
    await server.waitFor(() => codes(server.diagnosticsOf(file('top.ts'))).includes('3:floating-promise'), 'the floating promise in top.ts');
  });

  it('type-checks again every module when a script changes its globals, and when it stops declaring them', async () => {
    assert.deepEqual(codes(server.diagnosticsOf(file('uses.ts'))), []);
    await edit('globals.ts', "async function later(): Promise<number> {\n  return JSON.parse(process.env.WORK ?? '1');\n}\n");
    await server.waitFor(() => codes(server.diagnosticsOf(file('uses.ts'))).includes('2:floating-promise'), 'the floating promise in uses.ts');
    // Exported, the function is no global any more: uses.ts calls nothing it can type.
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(file('globals.ts')), version: 3 },
      contentChanges: [{ text: "export async function later(): Promise<number> {\n  return JSON.parse(process.env.WORK ?? '1');\n}\n" }],
    });
    await server.waitFor(() => codes(server.diagnosticsOf(file('uses.ts'))).length === 0, 'the floating promise to go from uses.ts');
  });
});
