import type { ts } from './typescript';
import { defaultSeverity, internalErrorCode, type HazardCode, type Severity } from '../../../src-shared/hazard-codes';
import type { ReloadableConfig } from '../../../src-shared/config';
import type { RawFinding, RelatedLocation } from './file-context';

/** A finding placed in its file, with the config applied. Lines and columns are 1-based. */
export interface HazardDiagnostic {
  /** Absolute path. */
  file: string;
  /** Module id: the path relative to the project folder. */
  id: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** 0-based offsets of the same range. */
  start: number;
  end: number;
  code: HazardCode | typeof internalErrorCode;
  severity: Severity;
  message: string;
  related: RelatedLocation[];
}

const directive = /(?:\/\/|\/\*)\s*reloadable-ignore-next-line\b([^\n]*)/g;

/**
 * The lines silenced by `// reloadable-ignore-next-line <code>[, <code>…] -- reason`, mapped to the codes
 * they silence (`*` when the comment names none).
 */
export function suppressions(sourceFile: ts.SourceFile): Map<number, Set<string>> {
  const result = new Map<number, Set<string>>();
  const text = sourceFile.text;
  if (!text.includes('reloadable-ignore-next-line')) return result;
  for (const match of text.matchAll(directive)) {
    const spec = match[1]!.replace(/\*\/.*$/, '').split('--')[0]!;
    const codes = spec.split(/[\s,]+/).filter(Boolean);
    const line = sourceFile.getLineAndCharacterOfPosition(match.index!).line + 1;
    result.set(line + 1, new Set(codes.length > 0 ? codes : ['*']));
  }
  return result;
}

/** Places findings in their file and applies severities and suppressions. */
export function toDiagnostics(findings: readonly RawFinding[], sourceFile: ts.SourceFile, id: string, config: ReloadableConfig): HazardDiagnostic[] {
  const silenced = suppressions(sourceFile);
  const diagnostics: HazardDiagnostic[] = [];
  for (const finding of findings) {
    const setting = finding.code === internalErrorCode ? 'error' : (config.rules[finding.code] ?? defaultSeverity[finding.code]);
    if (setting === 'off') continue;
    const start = finding.node.getStart(sourceFile);
    const end = finding.node.getEnd();
    const from = sourceFile.getLineAndCharacterOfPosition(start);
    const to = sourceFile.getLineAndCharacterOfPosition(end);
    const codes = silenced.get(from.line + 1);
    if (codes && (codes.has('*') || codes.has(finding.code))) continue;
    diagnostics.push({
      file: sourceFile.fileName,
      id,
      line: from.line + 1,
      column: from.character + 1,
      endLine: to.line + 1,
      endColumn: to.character + 1,
      start,
      end,
      code: finding.code,
      severity: setting,
      message: finding.message,
      related: finding.related ?? [],
    });
  }
  return diagnostics.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}
