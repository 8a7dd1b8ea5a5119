import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from './typescript';
import { say } from './errors';

/** Larger modules are generated code or data: reading them would cost more than they could tell. */
export const maxModuleBytes = 2 * 1024 * 1024;

/** One module's text as the analyser sees it: from disk, or from an editor's unsaved buffer. */
export interface SourceEntry {
  file: string;
  /** Bumped on every change; analyses are cached per version. */
  version: number;
  text: string | undefined;
  /** Why the file is not analysed (binary, huge, unreadable), when it is not. */
  skipped: string | undefined;
  parsed: ts.SourceFile | undefined;
}

/** Texts and parse trees by absolute path. Reads lazily; an editor's text overrides the disk. */
export class SourceStore {
  private readonly entries = new Map<string, SourceEntry>();
  private versionCounter = 0;
  private membershipCounter = 0;

  constructor(files: readonly string[]) {
    for (const file of files) this.entries.set(file, this.blank(file));
  }

  get files(): string[] {
    return [...this.entries.keys()];
  }

  has(file: string): boolean {
    return this.entries.has(file);
  }

  /** A counter that moves whenever any module changes, appears or disappears. */
  get version(): number {
    return this.versionCounter;
  }

  /** A counter that moves only when a module appears or disappears. */
  get membership(): number {
    return this.membershipCounter;
  }

  entry(file: string): SourceEntry | undefined {
    const entry = this.entries.get(file);
    if (entry && entry.text === undefined && entry.skipped === undefined) this.read(entry);
    return entry;
  }

  /** Whether a module is left out of the analysis (and why is in its entry). */
  isSkipped(file: string): boolean {
    return this.entry(file)?.skipped !== undefined;
  }

  /** Sets a module's text (undefined: re-read from disk on next use). Adds the module if it is new. */
  set(file: string, text: string | undefined): void {
    const entry = this.blank(file);
    if (text !== undefined) this.accept(entry, text, Buffer.byteLength(text));
    if (!this.entries.has(file)) this.membershipCounter++;
    this.entries.set(file, entry);
  }

  delete(file: string): boolean {
    const existed = this.entries.delete(file);
    if (existed) {
      this.versionCounter++;
      this.membershipCounter++;
    }
    return existed;
  }

  /** The parse tree, with parent pointers, in the module format Node gives the file. */
  sourceFile(file: string, format: ts.ResolutionMode): ts.SourceFile | undefined {
    const entry = this.entry(file);
    if (!entry || entry.text === undefined) return undefined;
    if (entry.parsed && entry.parsed.impliedNodeFormat === format) return entry.parsed;
    try {
      entry.parsed = ts.createSourceFile(
        file,
        entry.text,
        { languageVersion: ts.ScriptTarget.Latest, impliedNodeFormat: format, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors },
        true,
        scriptKindOf(file),
      );
    } catch (error) {
      // TypeScript's parser is recursive: a file nested a thousand levels deep overflows the stack. That file is
      // left out, with the reason; every other module is still analysed.
      if (!(error instanceof RangeError)) throw error;
      entry.skipped = say.skippedTooDeep();
      entry.text = undefined;
      entry.parsed = undefined;
      return undefined;
    }
    return entry.parsed;
  }

  private blank(file: string): SourceEntry {
    this.versionCounter++;
    return { file, version: this.versionCounter, text: undefined, skipped: undefined, parsed: undefined };
  }

  private read(entry: SourceEntry): void {
    let buffer: Buffer;
    try {
      buffer = fs.readFileSync(entry.file);
    } catch (error) {
      entry.skipped = say.skippedUnreadable((error as NodeJS.ErrnoException).code ?? String(error));
      return;
    }
    if (buffer.length > maxModuleBytes) entry.skipped = say.skippedHuge(buffer.length, maxModuleBytes);
    else this.accept(entry, decodeSource(buffer), buffer.length);
  }

  private accept(entry: SourceEntry, text: string, bytes: number): void {
    if (bytes > maxModuleBytes) entry.skipped = say.skippedHuge(bytes, maxModuleBytes);
    else if (text.includes('\u0000')) entry.skipped = say.skippedBinary();
    else entry.text = text;
  }
}

/** A file's text as TypeScript reads it: UTF-16 (either byte order) after its byte-order mark, else UTF-8. */
export function decodeSource(buffer: Buffer): string {
  if (buffer.length >= 2 && buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.toString('utf16le', 2);
  if (buffer.length >= 2 && buffer[0] === 0xfe && buffer[1] === 0xff) {
    const swapped = Buffer.from(buffer.subarray(2, buffer.length - (buffer.length % 2)));
    return swapped.swap16().toString('utf16le');
  }
  if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return buffer.toString('utf8', 3);
  return buffer.toString('utf8');
}

export function scriptKindOf(file: string): ts.ScriptKind {
  switch (path.extname(file)) {
    case '.tsx':
      return ts.ScriptKind.TSX;
    case '.jsx':
      return ts.ScriptKind.JSX;
    case '.js':
    case '.mjs':
    case '.cjs':
      return ts.ScriptKind.JS;
    default:
      return ts.ScriptKind.TS;
  }
}

export function isJavaScript(file: string): boolean {
  const kind = scriptKindOf(file);
  return kind === ts.ScriptKind.JS || kind === ts.ScriptKind.JSX;
}
