// The history view (Explorer → Reloadable: Reloads): the app's past reloads, newest first, each with its
// order, phases, counts and, after a rollback, the failure.
import { EventEmitter, ThemeColor, ThemeIcon, TreeItem, TreeItemCollapsibleState, type TreeDataProvider } from 'vscode';
import type { ControlClient } from '../../runtime/src/control/client';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { describeCounts, formatMs } from '../../src-shared/reload-text';
import { describeResult } from './status-bar';

type Node = { result: ReloadResult } | { label: string; description?: string };

/** As many as the runtime keeps. */
const limit = 50;

export class HistoryView implements TreeDataProvider<Node> {
  private readonly changed = new EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private results: ReloadResult[] = [];

  async load(client: ControlClient): Promise<void> {
    try {
      this.results = (await client.history()).filter((result) => result.outcome !== 'planned').reverse();
    } catch {
      this.results = [];
    }
    this.changed.fire();
  }

  add(result: ReloadResult): void {
    if (result.outcome === 'planned' || this.results.some((known) => known.id === result.id)) return;
    this.results = [result, ...this.results].slice(0, limit);
    this.changed.fire();
  }

  clear(): void {
    this.results = [];
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.results.map((result) => ({ result }));
    if (!('result' in node)) return [];
    const { result } = node;
    const children: Node[] = [
      { label: 'load order', description: result.loadOrder.join(' → ') || '—' },
      { label: 'unload order', description: result.unloadOrder.join(' → ') || '—' },
      { label: 'phases', description: Object.entries(result.phases).map(([phase, ms]) => `${phase} ${formatMs(ms ?? 0)}`).join(', ') },
      { label: 'calls', description: describeCounts(result) },
    ];
    if (result.error) children.push({ label: `failed in ${result.error.phase}`, description: `${result.error.module ?? ''} ${result.error.message}` });
    for (const leak of result.leaks) children.push({ label: `leak: ${leak.kind}`, description: `${leak.module} v${leak.version}: ${leak.description}` });
    for (const warning of result.warnings) children.push({ label: 'warning', description: warning });
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
    item.description = `${new Date(result.startedAt).toLocaleTimeString()} · ${formatMs(result.durationMs)} · ${result.changed.join(', ')}`;
    item.tooltip = describeResult(result);
    item.iconPath =
      result.outcome === 'committed'
        ? new ThemeIcon('pass', new ThemeColor('testing.iconPassed'))
        : result.outcome === 'rolled-back'
          ? new ThemeIcon('warning', new ThemeColor('list.warningForeground'))
          : new ThemeIcon('circle-slash');
    return item;
  }
}
