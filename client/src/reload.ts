// The editor's half of a reload: ask the connected app to reload what changed, after showing the order it
// will use and warning about error-severity hazards in the change set; show the phases while it runs and
// the result when it is over. Results of reloads started elsewhere (the CLI, `--watch`) arrive as events
// and are shown the same way.
import * as path from 'node:path';
import {
  commands,
  DiagnosticSeverity,
  EventEmitter,
  languages,
  Position,
  ProgressLocation,
  Range,
  Selection,
  Uri,
  window,
  workspace,
  type Disposable,
  type LogOutputChannel,
} from 'vscode';
import type { ReloadResult, RuntimeEvent } from '../../src-shared/control-protocol';
import type { Apps } from './apps';
import type { HistoryView } from './history';
import { say } from './errors';
import type { RuntimeDiagnostics } from './runtime-diagnostics';
import { describeResult, type PendingOrder, type StatusBar } from './status-bar';

export type HazardCheck = 'block' | 'warn' | 'off';

export class Reloader implements Disposable {
  private readonly disposables: Disposable[] = [];
  /** Ids of the transactions this editor started: their results are shown by `reload`, not by the event. */
  private readonly own = new Set<number>();
  private running = false;
  private readonly pendingChanged = new EventEmitter<PendingOrder | undefined>();
  /** The plan of what changed since the last reload, from a dry run after each save (the runtime does not announce plans). */
  readonly onDidChangePending = this.pendingChanged.event;

  constructor(
    private readonly apps: Apps,
    private readonly status: StatusBar,
    private readonly history: HistoryView,
    private readonly diagnostics: RuntimeDiagnostics,
    private readonly log: LogOutputChannel,
  ) {
    this.disposables.push(
      apps.onEvent((event) => this.onEvent(event)),
      apps.onDidChange((state) => {
        this.status.setApp(state);
        if (state.kind === 'connected') void this.history.load(state.client);
        else this.history.clear();
      }),
      workspace.onDidSaveTextDocument((document) => void this.onSave(document.uri)),
    );
  }

  /** `Reloadable: Reload`: what changed since the last load, or the named files. */
  async reload(options: { files?: string[]; quiet?: boolean } = {}): Promise<ReloadResult | undefined> {
    const state = this.apps.current;
    if (state.kind !== 'connected') {
      const answer = await window.showWarningMessage(say.noAppToReload, say.runApp);
      if (answer === say.runApp) await commands.executeCommand('reloadable.runApp');
      return undefined;
    }
    if (this.running) {
      void window.showInformationMessage(say.reloadRunning);
      return undefined;
    }
    const { client, discovery } = state;
    const plan = await client.reload({ files: options.files, dryRun: true });
    this.log.info(`reload of ${discovery.entry} (pid ${discovery.pid}): ${plan.changed.length} changed; ${describeResult(plan)}`);
    if (plan.outcome === 'rolled-back') {
      // The plan itself failed (a syntax error, a path outside the root): nothing was touched.
      this.status.setResult(plan);
      return this.report(plan, discovery.project, options.quiet);
    }
    if (plan.changed.length === 0) {
      this.setPending(undefined);
      if (!options.quiet) void window.showInformationMessage(say.nothingChanged);
      return plan;
    }
    if (!(await this.hazardsAllow(plan, discovery.project, options.quiet))) return undefined;

    this.running = true;
    this.status.setReloading(true);
    try {
      const result = await window.withProgress(
        { location: options.quiet ? ProgressLocation.Window : ProgressLocation.Notification, title: `Reloading ${plan.loadOrder.join(' → ')}` },
        async (progress) => {
          const phases = this.apps.onEvent((event) => {
            if (event.type === 'reload-started') this.own.add(event.id);
            if (event.type === 'phase') progress.report({ message: `${event.phase}${event.module ? ` ${event.module}` : ''}` });
          });
          try {
            return await client.reload({ files: options.files });
          } finally {
            phases.dispose();
          }
        },
      );
      this.own.add(result.id);
      await this.record(result);
      return this.report(result, discovery.project, options.quiet);
    } catch (error) {
      void window.showErrorMessage(say.reloadFailed((error as Error).message));
      return undefined;
    } finally {
      this.running = false;
      this.status.setReloading(false);
    }
  }

  /** Warns (or refuses) when a module of the change set has an error-severity hazard. */
  private async hazardsAllow(plan: ReloadResult, project: string, quiet?: boolean): Promise<boolean> {
    const check = workspace.getConfiguration('reloadable').get<HazardCheck>('reload.hazardCheck', 'warn');
    if (check === 'off') return true;
    const errors = plan.loadOrder.flatMap((id) =>
      languages
        .getDiagnostics(Uri.file(path.join(project, id)))
        .filter((diagnostic) => diagnostic.source === 'reloadable' && diagnostic.severity === DiagnosticSeverity.Error)
        .map((diagnostic) => `${id}:${diagnostic.range.start.line + 1} ${typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code}`),
    );
    if (errors.length === 0) return true;
    this.log.warn(`the change set has error-severity hazards (reload.hazardCheck is "${check}"): ${errors.join(', ')}`);
    const order = `Order: ${plan.loadOrder.join(' → ')}.`;
    if (check === 'block') {
      void window.showErrorMessage(say.blockedByHazards(errors, order));
      return false;
    }
    if (quiet) return true;
    const answer = await window.showWarningMessage(say.hazardsInChangeSet(errors), { modal: true, detail: say.hazardsDetail(order) }, say.reloadAnyway);
    return answer === say.reloadAnyway;
  }

  /** A finished reload, started here or elsewhere: the status bar, the history, leaks, and the app's modules again. */
  private record(result: ReloadResult): Promise<void> {
    this.status.setResult(result);
    this.history.add(result);
    this.diagnostics.addLeaks(result.leaks);
    return this.apps.refresh();
  }

  /** Shows the result (never waits for the notification's answer) and returns it. */
  private report(result: ReloadResult, project: string, quiet?: boolean): ReloadResult {
    const description = describeResult(result);
    const message = `Reloadable: ${description}`;
    if (result.outcome === 'rolled-back') {
      this.log.error(`reload #${result.id}: ${description}`);
      const error = result.error;
      const file = error?.file ?? (error?.module ? path.join(project, error.module) : undefined);
      const open = file ? say.openAt(path.basename(file), error?.line) : undefined;
      // Not awaited: the command returns its result while the notification stays up.
      void window.showErrorMessage(message, ...(open ? [open] : [])).then((answer) => {
        if (answer && file) return openAt(file, error?.line, error?.column);
      });
    } else {
      this.log.info(`reload #${result.id}: ${description}`);
      if (quiet) return result;
      const leaks = result.leaks.length > 0 ? say.stillAlive(result.leaks.length) : '';
      const warnings = result.warnings.length > 0 ? say.warningsOf(result.warnings) : '';
      void (leaks || warnings ? window.showWarningMessage(message + leaks + warnings) : window.showInformationMessage(message));
    }
    return result;
  }

  private onEvent(event: RuntimeEvent): void {
    switch (event.type) {
      case 'reload-started':
        if (!this.running) this.status.setReloading(true);
        break;
      case 'reload-finished':
        if (this.own.has(event.result.id) || event.result.outcome === 'planned') return;
        // Started by someone else: the CLI, or the app's own --watch.
        this.status.setReloading(false);
        void this.record(event.result);
        if (event.result.outcome === 'rolled-back' && this.apps.current.kind === 'connected') this.report(event.result, this.apps.current.discovery.project, true);
        break;
      case 'leak':
        this.diagnostics.addLeaks([event.leak]);
        break;
      case 'fault':
        this.diagnostics.addFault(event.fault);
        break;
    }
  }

  /** `reloadable.reloadOnSave`, and the pending change set's order for the status bar either way. */
  private async onSave(uri: Uri): Promise<void> {
    const state = this.apps.current;
    if (state.kind !== 'connected' || !uri.fsPath.startsWith(state.discovery.project + path.sep)) return;
    if (workspace.getConfiguration('reloadable').get<boolean>('reloadOnSave', false)) {
      await this.reload({ quiet: true });
      return;
    }
    try {
      const plan = await state.client.reload({ dryRun: true });
      this.setPending(plan.outcome === 'planned' ? { changed: plan.changed, unload: plan.unloadOrder, load: plan.loadOrder } : undefined);
    } catch {
      // The connection went away: the status bar hears it from the app list.
    }
  }

  private setPending(pending: PendingOrder | undefined): void {
    this.status.setPending(pending);
    this.pendingChanged.fire(pending);
  }

  dispose(): void {
    this.pendingChanged.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}

export async function openAt(file: string, line?: number, column?: number): Promise<void> {
  const editor = await window.showTextDocument(Uri.file(file));
  if (line) {
    const position = new Position(line - 1, Math.max(0, (column ?? 1) - 1));
    editor.selection = new Selection(position, position);
    editor.revealRange(new Range(position, position));
  }
}
