// The editor's half of a reload: ask the connected app to reload what changed, after showing the order it
// will use and warning about error-severity hazards in the change set; show the phases while it runs and
// the result when it is over. Results of reloads started elsewhere (the CLI, `--watch`) arrive as events
// and are shown the same way.
import * as path from 'node:path';
import {
  commands,
  DiagnosticSeverity,
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
import type { ReloadResult } from '../../src-shared/control-protocol';
import type { Apps } from './apps';
import { say } from './errors';
import type { ReloadState } from './reload-state';
import { describeResult } from './status-bar';

export type HazardCheck = 'block' | 'warn' | 'off';

export class Reloader implements Disposable {
  private readonly disposables: Disposable[] = [];
  /** Ids of the transactions this editor started: their results are shown by `reload`, not when they finish. */
  private readonly own = new Set<number>();
  private running = false;

  constructor(
    private readonly apps: Apps,
    private readonly store: ReloadState,
    private readonly log: LogOutputChannel,
  ) {
    this.disposables.push(
      apps.onEvent((event) => {
        if (event.type === 'reload-started' && this.running) this.own.add(event.id);
      }),
      store.onDidFinish((result) => this.finishedElsewhere(result)),
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
    if (plan.changed.length === 0) {
      this.store.setPending(undefined);
      if (!options.quiet) void window.showInformationMessage(say.nothingChanged);
      return plan;
    }
    if (!(await this.hazardsAllow(plan, discovery.project, options.quiet))) return undefined;

    this.running = true;
    this.store.setReloading(true);
    try {
      const result = await window.withProgress(
        { location: options.quiet ? ProgressLocation.Window : ProgressLocation.Notification, title: `Reloading ${plan.loadOrder.join(' → ')}` },
        async (progress) => {
          const phases = this.apps.onEvent((event) => {
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
      this.store.record(result);
      return this.report(result, discovery.project, options.quiet);
    } catch (error) {
      void window.showErrorMessage(say.reloadFailed((error as Error).message));
      return undefined;
    } finally {
      this.running = false;
      this.store.setReloading(false);
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
        .map(
          (diagnostic) => `${id}:${diagnostic.range.start.line + 1} ${typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code}`,
        ),
    );
    if (errors.length === 0) return true;
    this.log.warn(`the change set has error-severity hazards (reload.hazardCheck is "${check}"): ${errors.join(', ')}`);
    const order = `Order: ${plan.loadOrder.join(' → ')}.`;
    if (check === 'block') {
      void window.showErrorMessage(say.blockedByHazards(errors, order));
      return false;
    }
    if (quiet) return true;
    const answer = await window.showWarningMessage(
      say.hazardsInChangeSet(errors),
      { modal: true, detail: say.hazardsDetail(order) },
      say.reloadAnyway,
    );
    return answer === say.reloadAnyway;
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

  /** A reload started by someone else (the CLI, the app's own --watch): its rollback is worth a notification. */
  private finishedElsewhere(result: ReloadResult): void {
    if (this.own.has(result.id) || result.outcome !== 'rolled-back') return;
    const app = this.apps.current;
    if (app.kind === 'connected') this.report(result, app.discovery.project, true);
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
      this.store.setPending(plan.outcome === 'planned' ? { changed: plan.changed, unload: plan.unloadOrder, load: plan.loadOrder } : undefined);
    } catch {
      // The connection went away: the status bar hears it from the app list.
    }
  }

  dispose(): void {
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
