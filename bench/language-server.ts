// The built language server (server/out/server.js) over stdio, driven as an editor drives it, on one project.
// Start: the first module of the project is opened as soon as the server is initialised; timed to the first
// diagnostics of that version (the rules that need no type checker) and to the second (the type-aware rule
// too), then to the end of the whole-workspace pass (the summary the server sends once nothing is left to
// do), when its resident memory is read (and again after the edits). Then edits of open documents, each timed from sending `didChange`
// to the two `publishDiagnostics` of that version. Prints JSON.
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
  type Notification = (typeof server.notifications)[number];
  /**
   * Resolves with the first `count` notifications after `since` that `match` accepts. Each notification is
   * looked at once: the whole-workspace pass publishes tens of thousands, and a scan from `since` at each
   * one would make this client, not the server, the slow part.
   */
  const nextMatching = async (since: number, match: (n: Notification) => boolean, what: string, count = 1): Promise<Notification[]> => {
    const found: Notification[] = [];
    let cursor = since;
    await server.waitFor(
      () => {
        for (; cursor < server.notifications.length && found.length < count; cursor++) {
          if (match(server.notifications[cursor]!)) found.push(server.notifications[cursor]!);
        }
        return found.length >= count;
      },
      what,
      600_000,
    );
    return found;
  };
  /** The two `publishDiagnostics` of a document's version (no types, then types), after `since` notifications. */
  const published = (since: number, document: string, version: number, what: string) =>
    nextMatching(
      since,
      (n) => {
        const params = n.params as PublishDiagnosticsParams;
        return n.method === 'textDocument/publishDiagnostics' && params.uri === document && params.version === version;
      },
      what,
      2,
    );
  /** Resolves once the server has nothing left to do, after `since` notifications. */
  const settled = (since: number) => nextMatching(since, (n) => n.method === 'reloadable/analysisSummary', 'the server to settle');

  const first = uri(files[0]!);
  await server.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: first, languageId: 'typescript', version: 1, text: fs.readFileSync(files[0]!, 'utf8') },
  });
  const [firstSyntax, firstTyped] = await published(0, first, 1, 'the first open module');
  await settled(0);
  const workspaceSeconds = (performance.now() - started) / 1000;
  const rssMb = residentMb(server.child.pid!);
  let mark = server.notifications.length;
  await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: first } });
  await settled(mark);

  const syntactic: number[] = [];
  const typed: number[] = [];
  for (let i = 0; i < edits; i++) {
    const file = target(i);
    const text = fs.readFileSync(file, 'utf8');
    const document = uri(file);
    mark = server.notifications.length;
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: document, languageId: 'typescript', version: 1, text } });
    await settled(mark);
    mark = server.notifications.length;
    const sent = performance.now();
    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: document, version: 2 },
      contentChanges: [{ text: `${text}${appended(i)}` }],
    });
    const [syntax, types] = await published(mark, document, 2, `both passes on ${file}`);
    if (!(types!.params as PublishDiagnosticsParams).diagnostics.some((d) => d.code === 'floating-promise'))
      throw new Error(`the type-aware pass on ${file} did not report the floating promise`);
    syntactic.push(syntax!.at - sent);
    typed.push(types!.at - sent);
    await settled(mark);
    mark = server.notifications.length;
    await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: document } });
    await settled(mark);
  }
  const rssAfterEditsMb = residentMb(server.child.pid!);
  await server.stop();

  printReport({
    modules: files.length,
    firstSyntaxSeconds: (firstSyntax!.at - started) / 1000,
    firstTypedSeconds: (firstTyped!.at - started) / 1000,
    workspaceSeconds,
    rssMb,
    rssAfterEditsMb,
    syntactic,
    typed,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
