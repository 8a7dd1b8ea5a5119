// The oracle's report in words: one line a step, the divergences with both answers, a line an app.
import type { AppReport, StepReport } from './oracle';

const clip = (value: unknown, length = 400) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > length ? `${text.slice(0, length)}…` : text;
};

export function formatStep(app: string, step: StepReport): string {
  const head = `${step.ok ? 'ok ' : 'BAD'} ${app} #${step.step} ${step.kind} ${step.module}: ${step.what} → ${step.outcome}${step.durationMs !== undefined ? ` (${step.durationMs} ms)` : ''}`;
  if (step.ok) return head;
  const lines = [head, `    expected ${step.expected}${step.freshStarted ? '' : ' (a fresh start fails)'}: ${step.problem}`];
  for (const divergence of step.divergences)
    lines.push(`    ${divergence.probe}\n      reloaded: ${clip(divergence.reloaded)}\n      fresh:    ${clip(divergence.fresh)}`);
  if (step.result?.error)
    lines.push(`    error: ${step.result.error.phase} ${step.result.error.module ?? ''}: ${clip(step.result.error.message, 300)}`);
  return lines.join('\n');
}

export function formatSummary(report: AppReport): string {
  if (!report.started) return `${report.app}: did not start under reloadable run\n${report.startError ?? ''}`;
  return (
    `${report.app}: ${report.steps.length} steps, ${report.unexpected} not as expected (${report.divergences} with divergent answers), ` +
    `${report.failedRequests} failed of ${report.requests + report.failedRequests} requests, process ${report.alive ? 'alive' : 'DEAD'}, ` +
    `${report.freshStarts} fresh starts, ${report.seconds} s` +
    (report.startError ? `\n  stopped early: ${report.startError}` : '') +
    (report.failures.length ? `\n  failures: ${report.failures.slice(0, 5).join('; ')}` : '')
  );
}
