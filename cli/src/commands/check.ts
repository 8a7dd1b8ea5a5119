import type { ProjectAnalysis } from '../../../server/src/analysis/analyzer';
import { formatSarif } from '../formats/sarif';
import { formatStylish } from '../formats/stylish';
import { checkReport, countBySeverity } from '../reports';
import { say } from '../errors';

import type { CheckFormat } from '../formats/names';

export interface CheckCommandOptions {
  format: CheckFormat;
  types: boolean;
  color: boolean;
  version: string;
  /** Where progress goes; undefined for none. */
  progress: NodeJS.WriteStream | undefined;
}

/** Runs `reloadable check` and returns the exit code: 1 when an error-severity hazard is found. */
export function runCheck(analysis: ProjectAnalysis, options: CheckCommandOptions, write: (text: string) => void): number {
  const total = analysis.files.length;
  let lastReport = 0;
  const result = analysis.check({
    types: options.types,
    onProgress: options.progress
      ? (done) => {
          const now = Date.now();
          if (now - lastReport < 100 && done < total) return;
          lastReport = now;
          options.progress!.write(`\r${say.progress(done, total)}`);
          if (done === total) options.progress!.write('\r\x1b[K');
        }
      : undefined,
  });
  switch (options.format) {
    case 'json':
      write(`${JSON.stringify(checkReport(result, analysis.folder), null, 2)}\n`);
      break;
    case 'sarif':
      write(formatSarif(result, analysis.folder, options.version));
      break;
    case 'stylish':
      write(formatStylish(result, options.color));
      break;
  }
  return countBySeverity(result.diagnostics).errors > 0 ? 1 : 0;
}
