// Stack traces that point at the app's TypeScript lines. Each module version runs under its own script name
// (`file:///…/x.ts?v=N`), so a frame tells which version it belongs to; the version's source map turns the
// frame back into the original file, line and column. Maps live as long as their version does.
import { messageOf } from './errors';
import { readableMessage } from './readable-messages';
import type { StaticImport } from './transform';
import type { SourcePosition, VersionMap } from './transform/source-map';

const scripts = new Map<string, VersionMap>();
const importsOf = new Map<string, readonly StaticImport[]>();
const forget = new FinalizationRegistry<string>((scriptName) => {
  scripts.delete(scriptName);
  importsOf.delete(scriptName);
});

/** Registers a version's map and imports under its script name; they are dropped once `owner` is garbage. */
export function registerScript(owner: object, scriptName: string, map: VersionMap, imports: readonly StaticImport[]): void {
  scripts.set(scriptName, map);
  importsOf.set(scriptName, imports);
  forget.register(owner, scriptName);
}

/** An error's message as the app's author would read it: the imports it names as the module wrote them. */
export function appMessageOf(error: unknown): string {
  const message = messageOf(error);
  if (!message.includes('__rl_i') || !(error instanceof Error)) return message;
  void error.stack; // V8 formats (and we record) the frames on first access.
  const thrower = appFrames.get(error)?.[0];
  return readableMessage(message, thrower ? importsOf.get(thrower) : undefined);
}

/** The script name of a version, and its version number, if `scriptName` is one. */
export function versionOfScript(scriptName: string): { file: string; version: number } | undefined {
  const map = scripts.get(scriptName);
  const number = /\?v=(\d+)$/.exec(scriptName)?.[1];
  return map && number ? { file: map.file, version: Number(number) } : undefined;
}

/** Maps a 1-based position in a compiled version back to its source, or undefined for other scripts. */
export function originalPosition(scriptName: string, line: number, column: number): SourcePosition | undefined {
  const map = scripts.get(scriptName);
  if (!map) return undefined;
  return map.original(line, column) ?? { file: map.file, line, column };
}

function formatFrame(frame: NodeJS.CallSite): string {
  const text = String(frame);
  const scriptName = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (!scriptName || line === null || column === null || !scripts.has(scriptName)) return text;
  const position = originalPosition(scriptName, line, column);
  if (!position) return text;
  return text.replace(`${scriptName}:${line}:${column}`, `${position.file}:${position.line}:${position.column}`);
}

let installed = false;
/** The app script names in each formatted error's stack, innermost first: who threw it. */
const appFrames = new WeakMap<object, string[]>();

/**
 * Installs an `Error.prepareStackTrace` that maps frames of app modules and leaves every other frame as V8
 * prints it. A hook installed earlier (by a source-map library, say) still formats stacks without app frames.
 */
export function installStackMapping(): void {
  if (installed) return;
  installed = true;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    const own = frames.map((frame) => frame.getFileName() ?? '').filter((name) => scripts.has(name));
    if (own.length > 0 && typeof error === 'object' && error !== null) appFrames.set(error, own);
    if (previous && own.length === 0) return previous(error, frames);
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    return header + frames.map((frame) => `\n    at ${formatFrame(frame)}`).join('');
  };
}

/** The first frame of a stack text that lies in `file` (1-based), for the line a report points at. */
export function frameIn(stack: string, file: string): SourcePosition | undefined {
  return firstFrame(stack, (location) => location === file);
}

/** The first frame of a stack whose location (as the stack writes it: a path or a URL) `accepts`. */
export function firstFrame(stack: string, accepts: (location: string) => boolean): SourcePosition | undefined {
  for (const match of stack.matchAll(/([^\s(]+):(\d+):(\d+)\)?$/gm)) {
    if (accepts(match[1]!)) return { file: match[1]!, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

/** The module versions an error's stack passes through, innermost first. */
export function scriptFramesOf(error: unknown): Array<{ file: string; version: number }> {
  if (!(error instanceof Error)) return [];
  void error.stack; // V8 formats (and we record) the frames on first access.
  return (appFrames.get(error) ?? []).map(versionOfScript).filter((found) => found !== undefined);
}
