// Leak reports from the runtime (a handle still alive after the version that created it retired), shown as
// diagnostics at the line that created the handle, next to the static hazard that predicted it.
import { Diagnostic, DiagnosticSeverity, languages, Range, Uri, type DiagnosticCollection, type Disposable } from 'vscode';
import type { LeakReport } from '../../src-shared/control-protocol';

export class LeakDiagnostics implements Disposable {
  private readonly collection: DiagnosticCollection = languages.createDiagnosticCollection('reloadable-runtime');
  /** Per file, keyed by line and description, so a leak reported by the event and again in the result shows once. */
  private readonly byFile = new Map<string, Map<string, Diagnostic>>();

  add(leaks: LeakReport[]): void {
    const touched = new Set<string>();
    for (const leak of leaks) {
      if (!leak.file || !leak.line) continue;
      const line = leak.line - 1;
      const column = Math.max(0, (leak.column ?? 1) - 1);
      const diagnostic = new Diagnostic(
        new Range(line, column, line, column + 1),
        `Still alive after ${leak.module} v${leak.version} was retired: ${leak.description}. Own it through import.meta.hot, or close it in a dispose hook.`,
        DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'reloadable runtime';
      diagnostic.code = 'runtime-leak';
      const key = `${line}:${leak.description}`;
      const diagnostics = this.byFile.get(leak.file) ?? new Map<string, Diagnostic>();
      diagnostics.set(key, diagnostic);
      this.byFile.set(leak.file, diagnostics);
      touched.add(leak.file);
    }
    for (const file of touched) this.collection.set(Uri.file(file), [...this.byFile.get(file)!.values()]);
  }

  clear(): void {
    this.byFile.clear();
    this.collection.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }
}
