// One status bar item for both halves: the language server's summary of the workspace and, when an app runs
// under `reloadable run`, the app it drives, its last reload and the order of the pending change set.
import * as path from 'node:path';
import { MarkdownString, StatusBarAlignment, ThemeColor, window, type Disposable, type StatusBarItem } from 'vscode';
import type { ReloadResult } from '../../src-shared/control-protocol';
import type { AnalysisSummaryNotification } from '../../src-shared/lsp-protocol';
import { describeCounts, formatMs, processName, servingMs } from '../../src-shared/reload-text';
import type { ReloadState } from './reload-state';

export class StatusBar implements Disposable {
  private readonly item: StatusBarItem;
  private summary: AnalysisSummaryNotification.Params | undefined;
  private readonly subscription: Disposable;

  constructor(private readonly store: ReloadState) {
    this.item = window.createStatusBarItem('reloadable.status', StatusBarAlignment.Left, 50);
    this.item.name = 'Reloadable';
    this.subscription = store.onDidChange(() => this.render());
    this.render();
    this.item.show();
  }

  setSummary(summary: AnalysisSummaryNotification.Params): void {
    this.summary = summary;
    this.render();
  }

  private render(): void {
    const { summary } = this;
    const { app, last, reloading, pending } = this.store.snapshot;
    const parts: string[] = [];
    if (app.kind === 'connected') parts.push(`$(${reloading ? 'sync~spin' : 'debug-start'}) ${path.basename(app.discovery.entry)}`);
    if (summary) {
      parts.push(`$(layers) ${summary.modules} · ${summary.layers.length} layers`);
      parts.push(summary.hazards === 0 ? '$(check) 0' : `${summary.errors > 0 ? '$(error)' : '$(warning)'} ${summary.hazards}`);
    } else {
      parts.push('$(sync~spin) Reloadable');
    }
    const cluster = app.kind === 'connected' ? app.status.cluster : undefined;
    const behind = cluster ? cluster.workers.filter((worker) => worker.epoch !== cluster.epoch).length : 0;
    if (cluster)
      parts.push(
        behind > 0
          ? `$(warning) ${cluster.workers.length - behind}/${cluster.workers.length} on epoch ${cluster.epoch}`
          : `$(server-process) ${cluster.workers.length} processes · epoch ${cluster.epoch}`,
      );
    if (app.kind === 'connected') {
      if (reloading) parts.push('reloading…');
      else if (last) parts.push(`${outcomeIcon(last)} ${last.outcome === 'committed' ? formatMs(servingMs(last)) : last.outcome}`);
      if (pending) parts.push(`$(diff-modified) ${pending.changed.length} pending`);
    } else {
      parts.push(app.kind === 'refused' ? '$(lock) refused' : app.kind === 'connecting' ? 'connecting…' : 'no runtime');
    }
    this.item.text = parts.join(' · ');
    this.item.backgroundColor =
      app.kind === 'connected' && ((last?.outcome === 'rolled-back' && !reloading) || behind > 0)
        ? new ThemeColor('statusBarItem.warningBackground')
        : undefined;
    this.item.command = app.kind === 'connected' ? 'reloadable.reload' : summary ? 'reloadable.showGraph' : undefined;
    this.item.tooltip = this.tooltip();
  }

  private tooltip(): MarkdownString {
    const { summary } = this;
    const { app, last, pending } = this.store.snapshot;
    const lines: string[] = [];
    if (summary) {
      lines.push(`**Reloadable**: ${summary.modules} modules, ${summary.hazards} hazards (${summary.errors} errors), ${summary.cycles} cycles`, '');
      lines.push(`Layers, bottom first: ${summary.layers.join(' → ') || 'none declared'}`, '');
    }
    if (app.kind === 'connected') {
      lines.push(`App: \`${app.discovery.entry}\` (pid ${app.discovery.pid}), ${app.status.modules.length} modules live. Click to reload.`, '');
      const cluster = app.status.cluster;
      if (cluster) {
        lines.push(`Every reload is one transaction across these processes (epoch ${cluster.epoch}):`, '');
        lines.push('| process | pid | epoch | state |', '|---|---|---|---|');
        for (const worker of cluster.workers) lines.push(`| ${processName(worker.worker)} | ${worker.pid} | ${worker.epoch} | ${worker.state} |`);
        lines.push('');
      }
      if (pending) {
        lines.push(`Pending change set: ${pending.changed.join(', ')}`, '');
        lines.push(`Reload order: unload ${pending.unload.join(' → ') || '—'}; load ${pending.load.join(' → ')}`, '');
      } else {
        lines.push('No pending changes.', '');
      }
      if (last) lines.push(`Last reload: ${describeResult(last)}`);
    } else if (app.kind === 'refused') {
      lines.push(`The app \`${app.discovery.entry}\` (pid ${app.discovery.pid}) refused the connection: ${app.message}`);
    } else {
      lines.push('No app is running under `reloadable run`. Click to show the module graph.');
    }
    const markdown = new MarkdownString(lines.join('\n'));
    markdown.supportThemeIcons = true;
    return markdown;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

function outcomeIcon(result: ReloadResult): string {
  return result.outcome === 'committed' ? '$(pass)' : result.outcome === 'rolled-back' ? '$(warning)' : '$(circle-slash)';
}

/** One line for people: what reloaded in which order, how long it took, what it counted; or why it did not. */
export function describeResult(result: ReloadResult): string {
  switch (result.outcome) {
    case 'committed': {
      const cluster = result.cluster;
      const on = cluster
        ? ` on ${cluster.participants.filter((participant) => participant.outcome === 'committed').length} processes${cluster.commitSpreadMs !== undefined ? ` (commit spread ${formatMs(cluster.commitSpreadMs)})` : ''}`
        : '';
      return `reloaded ${result.loadOrder.length} module${result.loadOrder.length === 1 ? '' : 's'}${on} in ${formatMs(servingMs(result))}: ${result.loadOrder.join(' → ')} (${describeCounts(result)})`;
    }
    case 'rolled-back': {
      const error = result.error;
      const where = error?.module ? `${error.module} failed in ${error.phase}` : `failed in ${error?.phase ?? 'an unknown phase'}`;
      return `rolled back, the old version still serves: ${where}: ${error?.message ?? 'no message'}`;
    }
    case 'no-change':
      return 'nothing changed since the last reload';
    case 'planned':
      return `would reload ${result.loadOrder.join(' → ')}`;
  }
}
