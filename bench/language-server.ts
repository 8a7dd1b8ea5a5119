// The built language server (server/out/server.js) over stdio, driven as an editor drives it, on one project:
// the initial analysis (time, and the server's resident memory once it is done), then edits of open documents,
// each timed from sending `didChange` to the `publishDiagnostics` of that version: the first one carries the
// rules that need no type checker, the second the type-aware rule. Prints JSON.
// Run with: node --import tsx bench/language-server.ts DIR [EDITS]
import * as fs from 'node:fs';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { LanguageServer, uri } from '../test/helpers/language-server';
import { appended, editTargets, printReport, residentMb } from './server-edits';

const folder = fs.realpathSync(process.argv[2]!);
const edits = Number(process.argv[3] ?? 40);
const { files, target } = editTargets(folder);

async function main(): Promise<void> {
  const started = performance.now();
  const server = await LanguageServer.start([folder]);
  const summaries = () => server.notifications.filter((n) => n.method === 'reloadable/analysisSummary').length;
  await server.waitFor(() => summaries() > 0, 'the initial analysis', 600_000);
  const initialSeconds = (performance.now() - started) / 1000;
  const rssMb = residentMb(server.child.pid!);

  /** Resolves once a refresh has finished (every refresh ends with a summary), after `since` notifications. */
  async function settled(since: number): Promise<void> {
    await server.waitFor(
      () => server.notifications.slice(since).some((n) => n.method === 'reloadable/analysisSummary'),
      'the refresh to finish',
      120_000,
    );
  }

  const syntactic: number[] = [];
  const typed: number[] = [];
  for (let i = 0; i < edits; i++) {
    const file = target(i);
    const text = fs.readFileSync(file, 'utf8');
    const document = uri(file);
    let mark = server.notifications.length;
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: document, languageId: 'typescript', version: 1, text } });
    await settled(mark);
    mark = server.notifications.length;
    const sent = performance.now();
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: document, version: 2 },
      contentChanges: [{ text: `${text}${appended(i)}` }],
    });
    const published = () =>
      server.notifications.slice(mark).filter((n) => {
        const params = n.params as PublishDiagnosticsParams;
        return n.method === 'textDocument/publishDiagnostics' && params.uri === document && params.version === 2;
      });
    await server.waitFor(() => published().length >= 2, `both passes on ${file}`, 120_000);
    const [first, second] = published();
    if (!(second!.params as PublishDiagnosticsParams).diagnostics.some((d) => d.code === 'floating-promise'))
      throw new Error(`the type-aware pass on ${file} did not report the floating promise`);
    syntactic.push(first!.at - sent);
    typed.push(second!.at - sent);
    await settled(mark);
    mark = server.notifications.length;
    await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: document } });
    await settled(mark);
  }
  await server.stop();

  printReport({ modules: files.length, initialSeconds, rssMb, syntactic, typed: typed });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
