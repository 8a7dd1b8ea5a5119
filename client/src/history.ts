// The history view (Explorer → Reloadable: Reloads): the app's past reloads, newest first, each with its
// order, phases, counts and, after a rollback, the failure; a cluster's reload with each process's part.
import { EventEmitter, ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState, type Disposable, type TreeDataProvider } from 'vscode';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { describeCounts, formatMs, phaseTexts, processName, servingMs } from '../../src-shared/reload-text';
import type { ReloadState } from './reload-state';
import { describeResult } from './status-bar';

type Node = { result: ReloadResult } | { label: string; description?: string };

export class HistoryView implements TreeDataProvider<Node>, Disposable {
  private readonly changed = new EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private shown: readonly ReloadResult[];
  private readonly subscription: Disposable;

  constructor(private readonly store: ReloadState) {
    this.shown = store.snapshot.history;
    this.subscription = store.onDidChange(({ history }) => {
      if (history === this.shown) return;
      this.shown = history;
      this.changed.fire();
    });
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.store.snapshot.history.map((result) => ({ result }));
    if (!('result' in node)) return [];
    const { result } = node;
    const children: Node[] = [
      { label: 'load order', description: result.loadOrder.join(' → ') || '—' },
      { label: 'unload order', description: result.unloadOrder.join(' → ') || '—' },
      {
        label: 'phases',
        description: phaseTexts(result.phases).join(', '),
      },
      { label: 'calls', description: describeCounts(result) },
    ];
    if (result.widened) children.push({ label: 'also ran', description: result.widened.reason });
    if (result.error)
      children.push({ label: `failed in ${result.error.phase}`, description: `${result.error.module ?? ''} ${result.error.message}` });
    for (const leak of result.leaks)
      children.push({ label: `leak: ${leak.kind}`, description: `${leak.module} v${leak.version}: ${leak.description}` });
    for (const warning of result.warnings) children.push({ label: 'warning', description: warning });
    // A cluster's reload: each process's part, and how far apart they put the new code live.
    const cluster = result.cluster;
    if (cluster) {
      const spread = cluster.commitSpreadMs !== undefined ? `, commit spread ${formatMs(cluster.commitSpreadMs)}` : '';
      const held = cluster.heldAtBarrier !== undefined ? `, ${cluster.heldAtBarrier} requests held at the barrier` : '';
      children.push({ label: 'processes', description: `${cluster.participants.length}, epoch ${cluster.epoch}${spread}${held}` });
      for (const participant of cluster.participants) {
        const phases = phaseTexts(participant.phases).join(', ');
        const error = participant.error ? ` · ${participant.error.phase}: ${participant.error.message}` : '';
        children.push({
          label: processName(participant.worker),
          description: `${participant.outcome} (pid ${participant.pid})${phases ? ` · ${phases}` : ''}${error}`,
        });
      }
    }
    return children;
  }

  getTreeItem(node: Node): TreeItem {
    if (!('result' in node)) {
      const item = new TreeItem(node.label);
      item.description = node.description;
      item.tooltip = node.description;
      return item;
    }
    const { result } = node;
    const item = new TreeItem(`#${result.id} ${result.outcome}`, TreeItemCollapsibleState.Collapsed);
    item.description = `${new Date(result.startedAt).toLocaleTimeString()} · ${formatMs(servingMs(result))} · ${result.changed.join(', ')}`;
    item.tooltip = describeResult(result);
    item.iconPath =
      result.outcome === 'committed'
        ? new ThemeIcon('pass', new ThemeColor('testing.iconPassed'))
        : result.outcome === 'rolled-back'
          ? new ThemeIcon('warning', new ThemeColor('list.warningForeground'))
          : new ThemeIcon('circle-slash');
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
