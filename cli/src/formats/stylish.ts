import { styleText } from 'node:util';
import type { CheckResult } from '../../../server/src/analysis/analyzer';
import { countBySeverity } from '../reports';

type Style = Parameters<typeof styleText>[0];

/** ESLint's stylish layout: a heading per file, aligned rows, a summary line. */
export function formatStylish(result: CheckResult, color: boolean): string {
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  const lines: string[] = [];
  const byFile = new Map<string, CheckResult['diagnostics']>();
  for (const diagnostic of result.diagnostics) {
    const list = byFile.get(diagnostic.file) ?? [];
    list.push(diagnostic);
    byFile.set(diagnostic.file, list);
  }
  for (const [file, diagnostics] of byFile) {
    lines.push('', paint('underline', file));
    const rows = diagnostics.map((d) => [`${d.line}:${d.column}`, d.severity, d.message, d.code]);
    const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const [position, severity, message, code] of rows) {
      const level = paint(severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'blue', severity!.padEnd(widths[1]!));
      lines.push(`  ${paint('dim', position!.padStart(widths[0]!))}  ${level}  ${message}  ${paint('dim', code!)}`);
    }
  }
  for (const problem of result.problems) lines.push('', paint('yellow', `${problem.file}: ${problem.message}`));
  for (const skipped of result.skipped) lines.push(paint('dim', `${skipped.file}: ${skipped.reason}`));
  if (result.unreachable?.length) {
    const shown = result.unreachable.slice(0, 20).join(', ');
    const more = result.unreachable.length > 20 ? ` and ${result.unreachable.length - 20} more` : '';
    lines.push(paint('dim', `not reached from the entry (never loaded by the app): ${shown}${more}`));
  }
  const { errors, warnings, infos } = countBySeverity(result.diagnostics);
  const total = errors + warnings + infos;
  if (total === 0) {
    lines.push(paint('green', `✔ no reload hazards in ${result.files} module${result.files === 1 ? '' : 's'}`));
  } else {
    const summary = `✖ ${total} problem${total === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${infos ? `, ${infos} info` : ''})`;
    lines.push('', paint(['bold', errors > 0 ? 'red' : 'yellow'], summary));
  }
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}
