// What the extension knows about reloads, kept in one place: the app it drives, whether a reload runs, the
// last result, the pending change set, the history, and the leaks and faults the runtime reported. Fed once
// (by the app's connection and events, and by the editor's own reloads); every view reads it.
import { EventEmitter, type Disposable } from 'vscode';
import type { FaultReport, LeakReport, ReloadResult, RuntimeEvent } from '../../src-shared/control-protocol';
import { assertNever } from '../../src-shared/exhaustive';
import type { Apps, AppState } from './apps';

/** The change set saved since the last reload, with the order a reload would use (from a dry run). */
export interface PendingOrder {
  changed: string[];
  unload: string[];
  load: string[];
}

export interface ReloadSnapshot {
  app: AppState;
  reloading: boolean;
  /** The newest finished reload (a dry run's plan is not one). */
  last: ReloadResult | undefined;
  pending: PendingOrder | undefined;
  /** Newest first, as many as the runtime keeps. */
  history: readonly ReloadResult[];
  leaks: readonly LeakReport[];
  faults: readonly FaultReport[];
}

/** As many as the runtime keeps. */
const historyLimit = 50;
/** Leaks and faults shown at once; older ones give way. */
const reportLimit = 200;

export class ReloadState implements Disposable {
  private readonly changed = new EventEmitter<ReloadSnapshot>();
  private readonly finished = new EventEmitter<ReloadResult>();
  /** Fires after every change, with the whole state. */
  readonly onDidChange = this.changed.event;
  /** Fires once per finished reload, whoever started it and however many times it was heard of. */
  readonly onDidFinish = this.finished.event;
  private state: ReloadSnapshot;
  private readonly disposables: Disposable[];

  constructor(private readonly apps: Apps) {
    this.state = { app: apps.current, reloading: false, last: undefined, pending: undefined, history: [], leaks: [], faults: [] };
    this.disposables = [this.changed, this.finished, apps.onDidChange((app) => this.appChanged(app)), apps.onEvent((event) => this.event(event))];
  }

  get snapshot(): ReloadSnapshot {
    return this.state;
  }

  /** The editor starts a reload of its own: shown as running before the app's first event arrives. */
  setReloading(reloading: boolean): void {
    this.update({ reloading });
  }

  setPending(pending: PendingOrder | undefined): void {
    this.update({ pending: pending && pending.changed.length > 0 ? pending : undefined });
  }

  /** A result, from a reload's answer or from the app's event: recorded once by its id. */
  record(result: ReloadResult): void {
    if (result.outcome === 'planned' || this.state.history.some((known) => known.id === result.id)) return;
    this.update({
      last: result,
      pending: undefined,
      reloading: false,
      history: [result, ...this.state.history].slice(0, historyLimit),
      leaks: merge(this.state.leaks, result.leaks, leakKey),
    });
    this.finished.fire(result);
    // The reload changed the live versions: ask the app for them again.
    void this.apps.refresh();
  }

  private event(event: RuntimeEvent): void {
    switch (event.type) {
      case 'reload-started':
        this.update({ reloading: true });
        break;
      case 'reload-finished':
        this.record(event.result);
        break;
      case 'leak':
        this.update({ leaks: merge(this.state.leaks, [event.leak], leakKey) });
        break;
      case 'fault':
        this.update({ faults: merge(this.state.faults, [event.fault], (fault) => `${fault.at}:${fault.kind}:${fault.message}`) });
        break;
      case 'phase':
      case 'lifecycle':
      case 'listener-error':
      case 'log':
        break;
      default:
        assertNever(event);
    }
  }

  private appChanged(app: AppState): void {
    const before = this.state.app;
    const sameApp = before.kind === 'connected' && app.kind === 'connected' && before.discovery.pid === app.discovery.pid;
    if (sameApp) {
      // A status refresh of the app already driven.
      const last =
        app.status.lastResult && (!this.state.last || this.state.last.id < app.status.lastResult.id) ? app.status.lastResult : this.state.last;
      this.update({ app, last });
      return;
    }
    this.update({
      app,
      reloading: false,
      last: app.kind === 'connected' ? app.status.lastResult : undefined,
      pending: undefined,
      history: [],
      faults: app.kind === 'connected' ? app.status.faults : [],
    });
    if (app.kind === 'connected') void this.loadHistory(app);
  }

  private async loadHistory(app: Extract<AppState, { kind: 'connected' }>): Promise<void> {
    let results: ReloadResult[];
    try {
      results = await app.client.history();
    } catch {
      return;
    }
    if (this.state.app !== app && !(this.state.app.kind === 'connected' && this.state.app.client === app.client)) return;
    const known = new Set(this.state.history.map((result) => result.id));
    const earlier = results.filter((result) => result.outcome !== 'planned' && !known.has(result.id)).reverse();
    const history = [...this.state.history, ...earlier].sort((a, b) => b.id - a.id).slice(0, historyLimit);
    this.update({ history, last: this.state.last ?? history[0] });
  }

  private update(change: Partial<ReloadSnapshot>): void {
    this.state = { ...this.state, ...change };
    this.changed.fire(this.state);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

function leakKey(leak: LeakReport): string {
  return `${leak.module}:${leak.version}:${leak.kind}:${leak.description}:${leak.line ?? ''}`;
}

/** `known` with the items of `added` whose key is new, in order. */
function merge<T>(known: readonly T[], added: readonly T[], key: (item: T) => string): readonly T[] {
  const keys = new Set(known.map(key));
  const fresh = added.filter((item) => !keys.has(key(item)));
  return fresh.length === 0 ? known : [...known, ...fresh].slice(-reportLimit);
}
