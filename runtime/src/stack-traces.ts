// Stack traces that point at the app's TypeScript lines. Each module version is compiled under its own
// script name (`file?v=N`), so a frame tells which version it belongs to; its source map turns the frame
// back into the original file, line and column. Maps live as long as their version does.
import { SourceMap } from 'node:module';

interface ScriptEntry {
  file: string;
  payload: string;
  map?: SourceMap;
}

const scripts = new Map<string, ScriptEntry>();
const forget = new FinalizationRegistry<string>((scriptName) => scripts.delete(scriptName));

export function scriptNameOf(file: string, version: number): string {
  return `${file}?v=${version}`;
}

/** Registers a compiled version's map; it is dropped once `owner` is garbage. */
export function registerScript(owner: object, scriptName: string, file: string, mapJson: string): void {
  scripts.set(scriptName, { file, payload: mapJson });
  forget.register(owner, scriptName);
}

export interface SourcePosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Maps a 1-based position in a compiled version back to its source, or undefined for other scripts. */
export function originalPosition(scriptName: string, line: number, column: number): SourcePosition | undefined {
  const entry = scripts.get(scriptName);
  if (!entry) return undefined;
  entry.map ??= new SourceMap(JSON.parse(entry.payload));
  const found = entry.map.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number };
  if (found.originalLine === undefined) return { file: entry.file, line, column };
  return { file: entry.file, line: found.originalLine + 1, column: (found.originalColumn ?? 0) + 1 };
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

/**
 * Installs an `Error.prepareStackTrace` that maps frames of app modules and leaves every other frame as
 * V8 prints it. A hook installed earlier (by a source-map library, say) still formats the frames it owns.
 */
export function installStackMapping(): void {
  if (installed) return;
  installed = true;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (previous && !frames.some((frame) => scripts.has(frame.getFileName() ?? ''))) return previous(error, frames);
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
  for (const match of stack.matchAll(/([^\s(]+):(\d+):(\d+)\)?$/gm)) {
    if (match[1] === file) return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}
