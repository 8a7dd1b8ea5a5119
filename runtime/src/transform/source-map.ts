// One source map per module version, from the code the registry runs back to the file the user wrote. It
// is made of two steps (oxc's compile, then the rewrite), composed only when someone needs the whole map:
// a debugger (the map is then inlined in the code, so breakpoints in the .ts file bind in every version)
// or a stack trace.
import remapping from '@jridgewell/remapping';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { pathToFileURL } from 'node:url';
import type { RawSourceMap } from './compile';

export interface DecodedMap {
  version: number;
  sources: Array<string | null>;
  names: string[];
  mappings: number[][][];
}

export interface SourcePosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export class VersionMap {
  private composedMap: RawSourceMap | undefined;
  private tracer: TraceMap | undefined;

  constructor(
    readonly file: string,
    private readonly compiled: RawSourceMap | undefined,
    private readonly rewritten: DecodedMap,
    private readonly source: string,
  ) {}

  /** The whole map, with the file as its one source (a file URL, as debuggers expect). */
  composed(includeContent: boolean): RawSourceMap {
    if (!this.composedMap) {
      const rewritten = { ...this.rewritten, sources: ['compiled.js'], file: 'module.js' };
      const map = this.compiled
        ? remapping(rewritten as never, (name) => (name === 'compiled.js' ? ({ ...this.compiled, sources: ['original'] } as never) : null))
        : remapping({ ...rewritten, sources: ['original'] } as never, () => null);
      this.composedMap = { ...(map as unknown as RawSourceMap), sources: [pathToFileURL(this.file).href] };
    }
    return includeContent ? { ...this.composedMap, sourcesContent: [this.source] } : this.composedMap;
  }

  /** A comment that hands the map to a debugger. */
  inlineComment(): string {
    const json = JSON.stringify(this.composed(true));
    return `\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}`;
  }

  /** The position in the file of a 1-based position in the version's code; undefined where nothing maps. */
  original(line: number, column: number): SourcePosition | undefined {
    this.tracer ??= new TraceMap(this.composed(false) as never);
    const found = originalPositionFor(this.tracer, { line, column: column - 1 });
    if (found.line === null) return undefined;
    return { file: this.file, line: found.line, column: (found.column ?? 0) + 1 };
  }
}
