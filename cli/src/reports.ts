import * as path from 'node:path';
import type { HazardDiagnostic } from '../../server/src/analysis/diagnostics';
import type { CheckResult } from '../../server/src/analysis/analyzer';

/** One diagnostic of `reloadable check --format json` (see the README): paths relative to the folder, 1-based. */
export interface CheckReportDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: string;
  message: string;
}

export interface CheckReport {
  version: 1;
  files: number;
  diagnostics: CheckReportDiagnostic[];
  /** Modules left out of the analysis, and why (binary, too large, nested too deeply to parse). */
  skipped: Array<{ file: string; reason: string }>;
  /** With an `entry` in the config: the modules it does not reach (test helpers, scripts, dead code). */
  unreachable?: string[];
}

export function checkReport(result: CheckResult, folder: string): CheckReport {
  return {
    version: 1,
    files: result.files,
    diagnostics: result.diagnostics.map((diagnostic) => reportDiagnostic(diagnostic, folder)),
    skipped: result.skipped.map(({ file, reason }) => ({ file: relativePath(folder, file), reason })),
    ...(result.unreachable ? { unreachable: result.unreachable } : {}),
  };
}

function reportDiagnostic(diagnostic: HazardDiagnostic, folder: string): CheckReportDiagnostic {
  const { line, column, endLine, endColumn, code, severity, message } = diagnostic;
  return { file: relativePath(folder, diagnostic.file), line, column, endLine, endColumn, code, severity, message };
}

export function relativePath(folder: string, file: string): string {
  return path.relative(folder, file).split(path.sep).join('/');
}

export function countBySeverity(diagnostics: readonly { severity: string }[]): { errors: number; warnings: number; infos: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const { severity } of diagnostics) {
    if (severity === 'error') errors++;
    else if (severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}
