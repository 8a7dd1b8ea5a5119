// Publishes hazards. On start every module of every folder, with progress; then, per edit, the edited module
// and the modules importing it: the rules that need no type checker first, the type-aware one after, each
// run dropped when a newer edit arrives.
import { URI } from 'vscode-uri';
import { DiagnosticSeverity, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigError } from '../../../src-shared/config';
import { hazardDocUrl } from '../../../src-shared/hazard-codes';
import { AnalysisSummaryNotification } from '../../../src-shared/lsp-protocol';
import { ProjectAnalysis } from '../analysis/analyzer';
import type { HazardDiagnostic } from '../analysis/diagnostics';
import type { Workspace } from '../workspace';

const severities = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };
/** @default 120 ms: a pause in typing, short enough that the squiggle feels immediate. */
const debounceMs = 120;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped by every edit: that edit's type-aware run is stale once a newer edit arrives. */
  private generation = 0;
  /** Bumped by every whole-workspace run: an older one stops. Edits do not stop it. */
  private fullRun = 0;
  /** Hazard counts by file, for the summary. */
  private readonly counts = new Map<string, { hazards: number; errors: number }>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly workspace: Workspace,
  ) {}

  /** Analyses every folder, reporting progress; syntactic findings of all modules first, then the type-aware ones. */
  async analyseAll(): Promise<void> {
    const run = ++this.fullRun;
    const progress = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
    const projects = this.workspace.all();
    const files = projects.flatMap(({ state }) => (state instanceof ProjectAnalysis ? state.files.map((file) => ({ file, project: state })) : []));
    progress?.begin('Reloadable: analysing', 0, `${files.length} modules`, true);
    for (const { folder, state } of projects) {
      if (state instanceof ConfigError) this.publishConfigError(folder, state);
    }
    for (const types of [false, true]) {
      for (const [index, { file, project }] of files.entries()) {
        if (run !== this.fullRun || progress?.token.isCancellationRequested) break;
        this.publishFile(project, file, types);
        if (index % 25 === 0) {
          progress?.report(Math.round(((types ? files.length : 0) + index) / (2 * files.length || 1) * 100), `${types ? 'types' : 'syntax'}: ${index}/${files.length}`);
          // Let edits and requests in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
    progress?.done();
    this.sendSummary();
  }

  /** An open document changed: re-analyse it (and its importers) after a pause. */
  schedule(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => void this.refresh(uri), debounceMs));
  }

  /** A file changed on disk (or was created) while not open: re-read it. */
  changedOnDisk(file: string): void {
    const project = this.workspace.projectOf(file);
    if (!project || this.documents.get(URI.file(file).toString())) return;
    if (project.setText(file, undefined)) this.schedule(URI.file(file).toString());
  }

  deleted(file: string): void {
    this.workspace.projectOf(file)?.remove(file);
    this.counts.delete(file);
    void this.connection.sendDiagnostics({ uri: URI.file(file).toString(), diagnostics: [] });
  }

  /** A closed document goes back to what is on disk. */
  closed(uri: string): void {
    const file = URI.parse(uri).fsPath;
    this.workspace.projectOf(file)?.setText(file, undefined);
    this.schedule(uri);
  }

  /** Hazards last published for a file. */
  hazardsIn(file: string): number {
    return this.counts.get(file)?.hazards ?? 0;
  }

  summary(): AnalysisSummaryNotification.Params {
    let modules = 0;
    let cycles = 0;
    const layers = new Set<string>();
    for (const { state } of this.workspace.all()) {
      if (!(state instanceof ProjectAnalysis)) continue;
      modules += state.files.length;
      cycles += state.cycles().length;
      for (const layer of state.setup.config.layers) layers.add(layer.name);
    }
    let hazards = 0;
    let errors = 0;
    for (const count of this.counts.values()) {
      hazards += count.hazards;
      errors += count.errors;
    }
    return { modules, layers: [...layers], hazards, errors, cycles };
  }

  private async refresh(uri: string): Promise<void> {
    this.timers.delete(uri);
    const generation = ++this.generation;
    const file = URI.parse(uri).fsPath;
    const project = this.workspace.projectOf(file);
    if (!project) return;
    const document = this.documents.get(uri);
    if (document && !project.setText(file, document.getText())) return;
    const affected = [file, ...project.importersOf(file)];
    for (const target of affected) this.publishFile(project, target, false);
    // The type-aware pass waits a turn, so a keystroke arriving meanwhile cancels it.
    await new Promise((resolve) => setImmediate(resolve));
    if (generation !== this.generation) return;
    for (const target of affected) this.publishFile(project, target, true);
    this.sendSummary();
  }

  private publishFile(project: ProjectAnalysis, file: string, types: boolean): void {
    const uri = URI.file(file).toString();
    try {
      const hazards = project.checkFile(file, { types });
      this.counts.set(file, { hazards: hazards.length, errors: hazards.filter((hazard) => hazard.severity === 'error').length });
      const document = this.documents.get(uri);
      void this.connection.sendDiagnostics({ uri, ...(document ? { version: document.version } : {}), diagnostics: hazards.map(toLspDiagnostic) });
    } catch (error) {
      this.connection.console.error(`reloadable: analysis of ${file} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  private publishConfigError(folder: string, error: ConfigError): void {
    const line = Math.max(0, error.line - 1);
    const character = Math.max(0, error.column - 1);
    void this.connection.sendDiagnostics({
      uri: URI.file(error.file || folder).toString(),
      diagnostics: [{ range: { start: { line, character }, end: { line, character: character + 1 } }, severity: DiagnosticSeverity.Error, source: 'reloadable', message: error.message }],
    });
  }

  private sendSummary(): void {
    void this.connection.sendNotification(AnalysisSummaryNotification.method, this.summary());
  }
}

export function toLspDiagnostic(hazard: HazardDiagnostic): Diagnostic {
  return {
    range: {
      start: { line: hazard.line - 1, character: hazard.column - 1 },
      end: { line: hazard.endLine - 1, character: hazard.endColumn - 1 },
    },
    severity: severities[hazard.severity],
    code: hazard.code,
    codeDescription: { href: hazardDocUrl(hazard.code) },
    source: 'reloadable',
    message: hazard.message,
    ...(hazard.related.length > 0
      ? {
          relatedInformation: hazard.related.map((related) => ({
            location: {
              uri: URI.file(related.file).toString(),
              range: { start: { line: related.line - 1, character: related.column - 1 }, end: { line: related.line - 1, character: related.column - 1 } },
            },
            message: related.message || related.file,
          })),
        }
      : {}),
    // The 0-based offsets, so a code action finds the node without parsing positions back.
    data: { start: hazard.start, end: hazard.end },
  };
}

