// What the runtime saw of the app's code, as diagnostics at its source line: leaks (a handle still alive after
// the version that created it retired, at the line that created it, next to the static hazard that predicted it)
// and faults (an exception thrown outside any caller, an unhandled rejection, a failed listen, at the throwing line).
import { Diagnostic, DiagnosticSeverity, languages, Range, Uri, type DiagnosticCollection, type Disposable } from 'vscode';
import type { FaultReport, LeakReport } from '../../src-shared/control-protocol';
import { say } from './errors';
import type { ReloadState } from './reload-state';

export class RuntimeDiagnostics implements Disposable {
  private readonly collection: DiagnosticCollection = languages.createDiagnosticCollection('reloadable-runtime');
  /** Per file, keyed by line and description: one diagnostic per place and kind of report. */
  private readonly byFile = new Map<string, Map<string, Diagnostic>>();
  private shown: { leaks: readonly LeakReport[]; faults: readonly FaultReport[] } = { leaks: [], faults: [] };
  private readonly subscription: Disposable;

  constructor(store: ReloadState) {
    this.subscription = store.onDidChange(({ leaks, faults }) => {
      if (leaks === this.shown.leaks && faults === this.shown.faults) return;
      this.shown = { leaks, faults };
      this.byFile.clear();
      this.collection.clear();
      this.addLeaks(leaks);
      for (const fault of faults) this.addFault(fault);
    });
  }

  private addLeaks(leaks: readonly LeakReport[]): void {
    for (const leak of leaks) {
      if (!leak.file || !leak.line) continue;
      const message = say.stillAliveAfter(leak.module, leak.version, leak.description);
      this.put(leak.file, leak.line, leak.column, message, 'runtime-leak', DiagnosticSeverity.Warning, leak.description);
    }
  }

  private addFault(fault: FaultReport): void {
    if (!fault.file || !fault.line) return;
    const message = say.faultAt(fault.message, fault.outcome === 'rolled-back');
    this.put(fault.file, fault.line, fault.column, message, 'runtime-fault', DiagnosticSeverity.Error, fault.message);
  }

  private put(
    file: string,
    line: number,
    column: number | undefined,
    message: string,
    code: string,
    severity: DiagnosticSeverity,
    key: string,
  ): void {
    const start = Math.max(0, (column ?? 1) - 1);
    const diagnostic = new Diagnostic(new Range(line - 1, start, line - 1, start + 1), message, severity);
    diagnostic.source = 'reloadable runtime';
    diagnostic.code = code;
    const diagnostics = this.byFile.get(file) ?? new Map<string, Diagnostic>();
    diagnostics.set(`${line}:${code}:${key}`, diagnostic);
    this.byFile.set(file, diagnostics);
    this.collection.set(Uri.file(file), [...diagnostics.values()]);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}
