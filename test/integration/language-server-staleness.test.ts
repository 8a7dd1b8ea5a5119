// The language server never shows diagnostics of a text the editor no longer has, and gives its memory back.
// Thousands of random edits, closes and reopens (seeded: STALENESS_SEED=<n> replays a run) go to the built
// server over stdio, some while it is still analysing the workspace, with config saves among them that
// start a whole-workspace pass. Every diagnostic published must fit the text of the version it names; no
// version is published after a newer one; at the end the diagnostics of every module must be exactly those a
// fresh server publishes for the final texts, and the heap after a full collection within 5 % of before.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LanguageServer, uri } from '../helpers/language-server';

const seed = Number(process.env.STALENESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const modulesPerLayer = 12;
const stormEdits = 3000;

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
function generator(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines an edit inserts: a hazard of every kind (the type-aware ones too), imports that make and break cycles and layer violations, and half-written code. */
const snippets = [
  'setInterval(() => undefined, 1000);\n',
  'setTimeout(() => undefined);\n',
  'load();\n',
  'void load();\n',
  'export const pool = open();\n',
  "process.on('exit', () => undefined);\n",
  'globalThis.counter = () => 1;\n',
  "import { load, open } from '../core/m00';\n",
  "import { value } from '../app/m03';\n",
  "import './m01';\n",
  "export * from './m02';\n",
  '// reloadable-ignore-next-line unowned-timer -- kept on purpose\n',
  'export async function later(): Promise<void> {\n  load();\n}\n',
  'function broken( {\n',
  '}}\n',
  '\n',
  'export const value = 1;\n',
];

function moduleText(layer: string, index: number): string {
  const lines = [`// ${layer} module ${index}`];
  if (layer === 'app')
    lines.push(
      `import { load, open } from '../core/m0${index % 3}';`,
      `import { value } from './m${String((index + 1) % modulesPerLayer).padStart(2, '0')}';`,
    );
  else
    lines.push(
      'export async function load(): Promise<number> {\n  return 1;\n}',
      'export function open(): { close(): void } {\n  return { close: () => undefined };\n}',
    );
  for (let line = 0; line < 6; line++) lines.push(snippets[(index * 7 + line * 3) % snippets.length]!.trimEnd());
  if (layer === 'app') lines.push('export const used = value;');
  return `${lines.join('\n')}\n`;
}

function makeProject(): { dir: string; files: string[] } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-lsp-stale-')));
  fs.writeFileSync(
    path.join(dir, 'reloadable.config.json'),
    JSON.stringify({
      root: 'src',
      layers: [
        { name: 'core', include: ['src/core/**'] },
        { name: 'app', include: ['src/app/**'] },
      ],
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true }, include: ['src'] }),
  );
  const files: string[] = [];
  for (const layer of ['core', 'app']) {
    fs.mkdirSync(path.join(dir, 'src', layer), { recursive: true });
    for (let index = 0; index < modulesPerLayer; index++) {
      const file = path.join(dir, 'src', layer, `m${String(index).padStart(2, '0')}.ts`);
      fs.writeFileSync(file, moduleText(layer, index));
      files.push(file);
    }
  }
  // A module no edit touches, for `settled`.
  fs.writeFileSync(path.join(dir, 'src/core/untouched.ts'), 'export const untouched = 1;\n');
  return { dir, files };
}

/** What a diagnostic says, without what differs from one server to the next. */
const comparable = (diagnostics: readonly Diagnostic[] | undefined) =>
  (diagnostics ?? [])
    .map((d) => JSON.stringify([d.range, d.code, d.severity, d.message, d.relatedInformation ?? []]))
    .sort()
    .join('\n');

/**
 * The editor's side of the storm: the documents it has open, every text it ever sent (by uri and version),
 * and the checks every publication of the server must pass.
 */
class Editor {
  readonly open = new Map<string, TextDocument>();
  /** Versions keep growing across a close and a reopen, so that an older result is always a smaller number. */
  private readonly nextVersion = new Map<string, number>();
  readonly sent = new Map<string, Map<number, string>>();
  private readonly published = new Map<string, number>();
  readonly violations: string[] = [];
  /** What was sent and published for each module, for the message of a failure. */
  readonly history = new Map<string, string[]>();
  operations = 0;

  constructor(
    private readonly server: LanguageServer,
    private readonly disk: Map<string, string>,
  ) {
    server.onDiagnostics((params) => this.check(params));
  }

  private version(document: string): number {
    const version = (this.nextVersion.get(document) ?? 0) + 1;
    this.nextVersion.set(document, version);
    return version;
  }

  log(document: string, entry: string): void {
    let entries = this.history.get(document);
    if (!entries) this.history.set(document, (entries = []));
    entries.push(entry);
  }

  private remember(document: string, version: number, text: string): void {
    let versions = this.sent.get(document);
    if (!versions) this.sent.set(document, (versions = new Map()));
    versions.set(version, text);
  }

  async openDocument(document: string, text: string): Promise<void> {
    const version = this.version(document);
    this.open.set(document, TextDocument.create(document, 'typescript', version, text));
    this.remember(document, version, text);
    this.log(document, `open v${version}`);
    this.operations++;
    await this.server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: document, languageId: 'typescript', version, text },
    });
  }

  async change(document: string, change: { range?: { start: number; end: number }; text: string }): Promise<void> {
    const current = this.open.get(document)!;
    const version = this.version(document);
    const range = change.range && { start: current.positionAt(change.range.start), end: current.positionAt(change.range.end) };
    const contentChanges = [range ? { range, text: change.text } : { text: change.text }];
    const next = TextDocument.update(current, contentChanges, version);
    this.open.set(document, next);
    this.remember(document, version, next.getText());
    this.log(document, `change v${version}`);
    this.operations++;
    await this.server.connection.sendNotification('textDocument/didChange', { textDocument: { uri: document, version }, contentChanges });
  }

  async close(document: string): Promise<void> {
    this.open.delete(document);
    this.log(document, 'close');
    this.operations++;
    await this.server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: document } });
  }

  /** The text the server should be analysing for a module: the editor's buffer, else the disk. */
  text(document: string): string {
    return this.open.get(document)?.getText() ?? this.disk.get(document)!;
  }

  /** Every diagnostic must lie inside the text it was computed for, and no version may follow a newer one. */
  private check({ uri: document, version, diagnostics }: PublishDiagnosticsParams): void {
    this.log(document, `published v${version ?? 'disk'} (${diagnostics.length})`);
    const text = version === undefined || version === null ? this.disk.get(document) : this.sent.get(document)?.get(version);
    if (text === undefined) return;
    if (typeof version === 'number') {
      const newest = this.published.get(document) ?? 0;
      if (version < newest) this.violations.push(`${document}: version ${version} published after version ${newest}`);
      this.published.set(document, Math.max(newest, version));
    }
    const lines = text.split('\n');
    for (const diagnostic of diagnostics) {
      const { start, end } = diagnostic.range;
      const fits = (position: { line: number; character: number }) =>
        position.line < lines.length && position.character <= lines[position.line]!.replace(/\r$/, '').length;
      if (!fits(start) || !fits(end))
        this.violations.push(
          `${document} v${version ?? 'disk'}: ${diagnostic.code} at ${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1} lies outside its ${lines.length}-line text`,
        );
    }
  }
}

/** Random operations: mostly small edits as a person types them, some whole-text replacements, closes, reopens and config saves. */
async function storm(
  editor: Editor,
  server: LanguageServer,
  documents: string[],
  random: () => number,
  count: number,
  files: { config: string; untouched: string },
): Promise<void> {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  let unsettled = false;
  for (let step = 0; step < count; step++) {
    const roll = random();
    const document = pick(documents);
    const current = editor.open.get(document);
    if (!current) {
      // Reopened with the disk's text, as an editor does, or with text of its own (a restored unsaved buffer).
      await editor.openDocument(document, roll < 0.7 ? editor.text(document) : [pick(snippets), pick(snippets)].join(''));
    } else if (roll < 0.75) {
      const text = current.getText();
      const start = Math.floor(random() * (text.length + 1));
      const end = Math.min(text.length, start + (random() < 0.5 ? 0 : Math.floor(random() * 40)));
      await editor.change(document, { range: { start, end }, text: random() < 0.8 ? pick(snippets) : '' });
    } else if (roll < 0.82) {
      // The reported case: the whole text replaced by two lines, then closed and opened again.
      await editor.change(document, {
        text: random() < 0.5 ? 'export const a = 1;\nsetInterval(() => a, 5);\n' : snippets.filter(() => random() < 0.3).join(''),
      });
    } else if (roll < 0.93) {
      await editor.close(document);
    } else if (roll < 0.932) {
      // A config saved unchanged: the folder is opened again and the whole workspace analysed anew.
      await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(files.config), type: 2 }] });
    } else {
      // A pause: whatever the server publishes meanwhile is checked.
      await server.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: document },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      });
      if (unsettled && random() < 0.3) {
        await settled(server, files.untouched);
        unsettled = false;
      }
      continue;
    }
    unsettled = true;
  }
}

/**
 * Resolves once the server has nothing left to analyse of what was sent so far. A request's answer says the
 * server has read every message sent before it; a module no edit touches is then reported changed on disk:
 * that queues work, and the server's summary comes when its queue is empty. Any publication read after that
 * answer comes from a turn that took in every edit sent before, so a summary after the marker's publication
 * covers them all (without the request, a whole-workspace pass, or an edit of a script whose globals every
 * module sees, may publish the marker before the server has read the last edits).
 */
async function settled(server: LanguageServer, untouched: string): Promise<void> {
  await server.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: uri(untouched) },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [] },
  });
  const since = server.notifications.length;
  await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(untouched), type: 2 }] });
  // Its diagnostics say the server took the change in; a summary after them, that it has done everything since.
  const marked = () =>
    server.notifications.findIndex(
      (n, index) => index >= since && n.method === 'textDocument/publishDiagnostics' && (n.params as PublishDiagnosticsParams).uri === uri(untouched),
    );
  await server.waitFor(
    () => marked() >= 0 && server.notifications.slice(marked()).some((n) => n.method === 'reloadable/analysisSummary'),
    'the server to settle',
    60_000,
  );
}

describe('the language server after an edit storm', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it(`publishes only current diagnostics, ends as a fresh server does, and gives its memory back (seed ${seed})`, async (t) => {
    t.diagnostic(`STALENESS_SEED=${seed}`);
    let server: LanguageServer | undefined;
    const replay = () => `replay with STALENESS_SEED=${seed}\n${server?.stderr ?? ''}`;
    const random = generator(seed);
    const { dir, files } = makeProject();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const setupFiles = { config: path.join(dir, 'reloadable.config.json'), untouched: path.join(dir, 'src/core/untouched.ts') };
    const disk = new Map(files.map((file) => [uri(file), fs.readFileSync(file, 'utf8')]));
    const documents = files.map(uri);

    server = await LanguageServer.start([dir], {
      nodeArgs: ['--inspect=127.0.0.1:0', ...(process.env.LSP_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/lsp-prof'] : [])],
    });
    const stormed = server;
    cleanup.push(() => stormed.stop());
    const editor = new Editor(server, disk);
    // The first part while the workspace is still being analysed; it also warms the server up, so that the
    // heap measured next holds what the server keeps, not code compiled on first use.
    const phases: string[] = [];
    let mark = performance.now();
    const phase = (name: string) => {
      phases.push(`${name} ${Math.round(performance.now() - mark)} ms`);
      mark = performance.now();
    };
    await storm(editor, server, documents, random, 300, setupFiles);
    phase('warm-up');
    await settled(server, setupFiles.untouched);
    phase('settle');
    const heapBefore = await server.heapAfterCollection();
    phase('heap');
    await storm(editor, server, documents, random, stormEdits, setupFiles);
    phase('storm');
    await settled(server, setupFiles.untouched);
    phase('settle');
    const heapAfter = await server.heapAfterCollection();
    phase('heap');
    t.diagnostic(phases.join(', '));

    assert.deepEqual(editor.violations.slice(0, 10), [], `stale diagnostics were published (${editor.violations.length} in all); ${replay()}`);
    const lastPublished = (document: string) =>
      server.notifications.findLast((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as PublishDiagnosticsParams).uri === document)
        ?.params as PublishDiagnosticsParams | undefined;
    for (const [document, open] of editor.open) {
      assert.equal(
        lastPublished(document)?.version,
        open.version,
        `the last diagnostics of ${document} are not of its final version (${editor.history.get(document)?.slice(-8).join(', ')}); ${replay()}`,
      );
    }
    const final = new Map(documents.map((document) => [document, comparable(server.diagnostics.get(document))]));
    const texts = new Map(documents.map((document) => [document, editor.text(document)]));
    await server.stop();

    // A fresh server on the final texts, written to disk.
    for (const [document, text] of texts) fs.writeFileSync(new URL(document), text);
    const fresh = await LanguageServer.start([dir]);
    cleanup.push(() => fresh.stop());
    await fresh.waitFor(() => fresh.notifications.some((n) => n.method === 'reloadable/analysisSummary'), 'the fresh analysis', 60_000);
    for (const document of documents) {
      assert.equal(
        final.get(document),
        comparable(fresh.diagnostics.get(document)),
        `${document} after ${editor.operations} operations (${editor.history.get(document)?.slice(-8).join(', ')}); ${replay()}`,
      );
    }
    t.diagnostic(`${editor.operations} operations; heap ${(heapBefore / 1e6).toFixed(1)} MB before, ${(heapAfter / 1e6).toFixed(1)} MB after`);
    assert.ok(heapAfter <= heapBefore * 1.05, `the heap grew from ${heapBefore} to ${heapAfter} bytes over the storm; ${replay()}`);
  });
});
