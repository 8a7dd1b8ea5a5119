// The anchor for bench/language-server.ts: TypeScript's own server (tsserver) on the same project and the same
// edits, each timed from sending the change (with `geterr`, no delay) to its `syntaxDiag` and `semanticDiag`
// events. Its start: the first module opened at once, timed to its `syntaxDiag` and `semanticDiag`, and the
// project's load to `projectLoadingFinish`; the memory is read once the first module's diagnostics are in.
// Prints JSON. Run with: node --import tsx bench/tsserver.ts TSSERVER_JS DIR [EDITS]
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import { waitUntil } from '../test/helpers/wait';
import { appended, editTargets, printReport, residentMb } from './server-edits';

interface TsEvent {
  type: string;
  event?: string;
  body?: { file?: string };
  at: number;
}

const [tsserverArgument, folderArgument, editsArgument] = process.argv.slice(2);
const tsserver = fs.realpathSync(tsserverArgument!);
const folder = fs.realpathSync(folderArgument!);
const edits = Number(editsArgument ?? 40);
const { files, target } = editTargets(folder);

const child = spawn(process.execPath, [tsserver, '--disableAutomaticTypingAcquisition'], { cwd: folder, stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
const messages: TsEvent[] = [];
const arrived = new EventEmitter();
// tsserver frames its output as the language server protocol does (Content-Length headers).
new StreamMessageReader(child.stdout).listen((message) => {
  messages.push({ ...(message as unknown as TsEvent), at: performance.now() });
  arrived.emit('message');
});
let seq = 0;
const send = (command: string, args: unknown) => child.stdin.write(`${JSON.stringify({ seq: ++seq, type: 'request', command, arguments: args })}\n`);
const waitFor = (ready: () => boolean, what: string) =>
  waitUntil(ready, what, { events: [[arrived, 'message']], child, context: () => stderr, timeoutMs: 600_000 });
const diagnostic = (since: number, event: string, file: string) => messages.slice(since).find((m) => m.event === event && m.body?.file === file);

async function main(): Promise<void> {
  const first = files[0]!;
  const started = performance.now();
  let mark = messages.length;
  send('open', { file: first, projectRootPath: folder });
  send('geterr', { files: [first], delay: 0 });
  await waitFor(() => diagnostic(mark, 'semanticDiag', first) !== undefined, 'the first file');
  const seconds = (message: TsEvent | undefined) => (message ? (message.at - started) / 1000 : NaN);
  const start = {
    firstSyntaxSeconds: seconds(diagnostic(mark, 'syntaxDiag', first)),
    firstTypedSeconds: seconds(diagnostic(mark, 'semanticDiag', first)),
    workspaceSeconds: seconds(messages.find((m) => m.event === 'projectLoadingFinish')),
    rssMb: residentMb(child.pid!),
  };
  send('close', { file: first });

  const syntactic: number[] = [];
  const semantic: number[] = [];
  for (let i = 0; i < edits; i++) {
    const file = target(i);
    const text = fs.readFileSync(file, 'utf8');
    mark = messages.length;
    send('open', { file, fileContent: text, projectRootPath: folder });
    send('geterr', { files: [file], delay: 0 });
    await waitFor(() => diagnostic(mark, 'semanticDiag', file) !== undefined, `${file} opened`);
    const lines = text.split('\n');
    const end = { line: lines.length, offset: lines.at(-1)!.length + 1 };
    mark = messages.length;
    const sent = performance.now();
    send('updateOpen', { changedFiles: [{ fileName: file, textChanges: [{ start: end, end, newText: appended(i) }] }] });
    send('geterr', { files: [file], delay: 0 });
    await waitFor(() => diagnostic(mark, 'semanticDiag', file) !== undefined, `${file} edited`);
    syntactic.push(diagnostic(mark, 'syntaxDiag', file)!.at - sent);
    semantic.push(diagnostic(mark, 'semanticDiag', file)!.at - sent);
    send('close', { file });
  }
  const rssAfterEditsMb = residentMb(child.pid!);
  child.kill();
  printReport({ modules: files.length, ...start, rssAfterEditsMb, syntactic, typed: semantic });
}

main().catch((error: unknown) => {
  child.kill();
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
