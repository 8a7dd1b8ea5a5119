// Reload results and the live status, for people.
import type { ReloadResult, StatusRequest } from '../../../src-shared/control-protocol';
import { describeCounts, formatMs, phaseTexts, processName, servingMs } from '../../../src-shared/reload-text';

export function formatReloadResult(result: ReloadResult): string {
  const lines: string[] = [];
  const order = (ids: string[]) => (ids.length > 0 ? ids.join(' → ') : '(none)');
  switch (result.outcome) {
    case 'no-change':
      lines.push('nothing changed since the last load');
      break;
    case 'planned':
      lines.push(
        `reload plan for ${result.changed.join(', ') || 'no change'}`,
        `  unload: ${order(result.unloadOrder)}`,
        `  load:   ${order(result.loadOrder)}`,
        ...(result.widened ? [`  also runs: ${result.widened.reason}`] : []),
      );
      break;
    case 'committed':
    case 'rolled-back': {
      const verb = result.outcome === 'committed' ? 'committed' : 'rolled back';
      lines.push(
        result.outcome === 'committed' && result.servingAfterMs !== undefined && result.servingAfterMs !== result.durationMs
          ? `reload #${result.id} committed in ${formatMs(result.servingAfterMs)} (settled and retired in ${formatMs(result.durationMs)})`
          : `reload #${result.id} ${verb} in ${formatMs(result.durationMs)}`,
      );
      lines.push(
        `  unload: ${order(result.unloadOrder)}`,
        `  load:   ${order(result.loadOrder.map((id) => (result.versions[id] ? `${id}@${result.versions[id]}` : id)))}`,
      );
      // More ran than what changed: why (a fresh start would have run it too).
      if (result.widened) lines.push(`  also ran: ${result.widened.reason}`);
      if (result.outcome === 'committed') lines.push(`  ${describeCounts(result)}`);
      const phases = phaseTexts(result.phases);
      if (phases.length > 0) lines.push(`  phases${result.cluster ? ' (the slowest worker)' : ''}: ${phases.join(' · ')}`);
      if (result.cluster) lines.push(...describeCluster(result.cluster));
      break;
    }
  }
  const error = result.error;
  if (error) {
    const where = error.file ? ` at ${error.file}:${error.line}:${error.column}` : '';
    lines.push(`  ${error.phase} failed${error.module ? ` in ${error.module}` : ''}${where}:`, `  ${error.message}`);
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  for (const leak of result.leaks) {
    const where = leak.file ? ` created at ${leak.file}:${leak.line}:${leak.column}` : '';
    lines.push(`  leak: ${leak.module} v${leak.version} left a ${leak.description} alive${where}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Which workers took part in a cluster's reload, and how far apart they switched. */
function describeCluster(cluster: NonNullable<ReloadResult['cluster']>): string[] {
  const spread = cluster.commitSpreadMs !== undefined ? `, commit spread ${formatMs(cluster.commitSpreadMs)}` : '';
  const lines = [`  processes: ${cluster.participants.length}, epoch ${cluster.epoch}${spread}`];
  for (const participant of cluster.participants) {
    const error = participant.error ? `: ${participant.error.phase} failed: ${participant.error.message}` : '';
    lines.push(`    ${processName(participant.worker)} (pid ${participant.pid}) ${participant.outcome}${error}`);
  }
  return lines;
}

export function formatStatus(status: StatusRequest.Result): string {
  const lines = [
    `${status.app.entry} (pid ${status.app.pid}) in ${status.app.project}, running since ${status.app.startedAt}`,
    `${status.modules.length} modules${status.layers.length > 0 ? `, layers ${status.layers.join(' < ')}` : ''}${status.busy ? ', reloading' : ''}`,
  ];
  if (status.cluster) {
    lines.push(`${status.cluster.workers.length} processes, epoch ${status.cluster.epoch} (the modules below are one process's)`);
    for (const worker of status.cluster.workers)
      lines.push(`  ${processName(worker.worker)}  pid ${worker.pid}  epoch ${worker.epoch}  ${worker.state}`);
  }
  const width = Math.max(...status.modules.map((module) => module.id.length), 6);
  for (const module of status.modules) {
    const retiring = module.retiring.map((old) => `v${old.version} draining ${old.inFlight}`).join(', ');
    lines.push(
      `  ${module.id.padEnd(width)}  v${String(module.version).padEnd(3)} ${(module.layer ?? '-').padEnd(10)} ${module.inFlight} in flight` +
        `${module.stateful ? ', stateful' : ''}${retiring ? `, ${retiring}` : ''}`,
    );
  }
  if (status.cycles.length > 0) lines.push(`cycles: ${status.cycles.map((cycle) => cycle.join(' → ')).join('; ')}`);
  if (status.state === 'not-started' && status.startError)
    lines.push(`not started: ${status.startError.message} (waiting for a change that fixes it)`);
  for (const fault of status.faults.slice(-5)) {
    const where = fault.file ? ` at ${fault.file}:${fault.line}:${fault.column}` : '';
    lines.push(`fault (${fault.outcome === 'rolled-back' ? 'rolled back' : 'reported'}): ${fault.message}${where}`);
  }
  const last = status.lastResult;
  if (last)
    lines.push(
      `last reload: #${last.id} ${last.outcome} in ${formatMs(servingMs(last))}${last.error ? ` (${last.error.phase}: ${last.error.message})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
