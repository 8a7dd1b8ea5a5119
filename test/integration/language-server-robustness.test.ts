// The language server keeps working whatever a client or a project throws at it: no capabilities at all, a
// garbled message, a made-up range, a file nested too deeply for TypeScript's parser.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { fixturesDir } from '../helpers/fixtures';
import { LanguageServer, uri } from '../helpers/language-server';

function projectWith(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-lsp-robust-')));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const dropped = 'setInterval(() => {}, 1000);\n';

describe('the language server under a demanding client', () => {
  const servers: LanguageServer[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
  });

  it('publishes diagnostics to a client that declares no capabilities', async () => {
    const folder = projectWith({ 'src/a.ts': dropped });
    const server = await LanguageServer.start([folder], { capabilities: {} });
    servers.push(server);
    await server.waitFor(() => (server.diagnosticsOf(path.join(folder, 'src/a.ts'))?.length ?? 0) > 0, 'diagnostics without capabilities');
    assert.equal(server.diagnosticsOf(path.join(folder, 'src/a.ts'))![0]!.code, 'unowned-timer');
  });

  it('answers again after a garbled header', async () => {
    const folder = projectWith({ 'src/a.ts': dropped });
    const server = await LanguageServer.start([folder]);
    servers.push(server);
    server.child.stdin!.write('Content-Lenght: 12\r\n\r\n{"broken": 1}');
    await server.waitFor(
      () =>
        server.notifications.some(
          (n) => n.method === 'window/logMessage' && /could not be read/.test(String((n.params as { message?: string })?.message)),
        ),
      'the server to drop the garbled message',
    );
    const deaf = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('no answer: the server went deaf after the garbled header')), 30_000).unref(),
    );
    const graph = (await Promise.race([server.connection.sendRequest('reloadable/moduleGraph', {}), deaf])) as { folders: unknown[] };
    assert.equal(graph.folders.length, 1);
  });

  it('answers a code action for a range outside the document with nothing, not an assertion', async () => {
    const folder = path.join(fixturesDir, 'hazards/unowned-timer');
    const server = await LanguageServer.start([folder]);
    servers.push(server);
    const file = path.join(folder, 'dropped.ts');
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uri(file), languageId: 'typescript', version: 1, text: fs.readFileSync(file, 'utf8') },
    });
    const diagnostic = {
      range: { start: { line: 900, character: 0 }, end: { line: 950, character: 4 } },
      source: 'reloadable',
      code: 'unowned-timer',
      message: 'x',
      data: { start: -50, end: 1e9 },
    };
    const actions = (await server.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: uri(file) },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    assert.ok(Array.isArray(actions));
    assert.doesNotMatch(server.stderr, /Debug Failure/);
  });

  it('leaves out a file nested too deeply to parse, with one note, and keeps publishing the others', async () => {
    const folder = projectWith({
      // Well past the depth at which TypeScript's parser overflows (600 to 1,500 levels, as the JIT has it).
      'src/deep.ts': `export const deep = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\n`,
      'src/concat.ts': `export const text = ${Array.from({ length: 4000 }, (_, index) => JSON.stringify(`part${index}`)).join(' + ')};\n`,
      'src/a.ts': `import { text } from './concat.js';\n${dropped}export const size = text.length;\n`,
    });
    const server = await LanguageServer.start([folder]);
    servers.push(server);
    await server.waitFor(() => server.notifications.some((n) => n.method === 'reloadable/analysisSummary'), 'the first analysis');
    const deep = server.diagnosticsOf(path.join(folder, 'src/deep.ts'))!;
    assert.deepEqual(
      deep.map((d) => d.code),
      ['not-analysed'],
    );
    assert.match(String(deep[0]!.message), /nested too deeply/);
    assert.deepEqual(
      server.diagnosticsOf(path.join(folder, 'src/a.ts'))!.map((d) => d.code),
      ['unowned-timer'],
    );
    assert.deepEqual(server.diagnosticsOf(path.join(folder, 'src/concat.ts')), []);
    // An edit of another module is still analysed and published.
    const file = path.join(folder, 'src/a.ts');
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uri(file), languageId: 'typescript', version: 1, text: `${dropped}${dropped}` },
    });
    await server.waitFor(() => server.diagnosticsOf(file)?.length === 2, 'the edit to be published');
    assert.equal(server.child.exitCode, null);
  });
});
