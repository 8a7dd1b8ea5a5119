// Publishes hazards. On start every module of every folder, with progress. Then, per edit, as soon as the
// edits queued with it are in: the rules that need no type checker on the edited module and on the modules
// whose graph findings it changed (a cycle closed or broken); then the type-aware rule on the edited module
// and on the modules whose types it can change, in turns that a newer edit interrupts and resumes.
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

export class DiagnosticsPublisher {
  /** Files edited, changed on disk or deleted since the last refresh; true for the deleted ones. */
  private readonly edited = new Map<string, boolean>();
  private refreshing: NodeJS.Immediate | undefined;
  /** Modules waiting for the type-aware pass, the most recently edited first. */
  private typedQueue = new Map<string, ProjectAnalysis>();
  /** Bumped by every refresh: an older refresh's type-aware turns stop and leave the rest queued. */
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
    // Every module gets its type-aware pass here.
    this.typedQueue.clear();
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
          progress?.report(
            Math.round((((types ? files.length : 0) + index) / (2 * files.length || 1)) * 100),
            `${types ? 'types' : 'syntax'}: ${index}/${files.length}`,
          );
          // Let edits and requests in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
    progress?.done();
    // Everything was published: the graph changes up to now are in it.
    for (const { state } of projects) if (state instanceof ProjectAnalysis) state.takeGraphChanges();
    this.sendSummary();
  }

  /** A module changed: re-analyse it, and what it affects, once the messages already received are handled. */
  schedule(uri: string): void {
    this.queue(URI.parse(uri).fsPath, false);
  }

  private queue(file: string, deleted: boolean): void {
    this.edited.set(file, deleted);
    this.refreshing ??= setImmediate(() => void this.refresh());
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
    // Its importers lost an edge. An editor may still show the file: its buffer does not bring it back.
    this.queue(file, true);
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

  private async refresh(): Promise<void> {
    this.refreshing = undefined;
    const generation = ++this.generation;
    const syntactic = new Map<string, ProjectAnalysis>();
    const typed = new Map<string, ProjectAnalysis>();
    const projects = new Set<ProjectAnalysis>();
    for (const [file, deleted] of this.edited) {
      const project = this.workspace.projectOf(file);
      if (!project) continue;
      const document = deleted ? undefined : this.documents.get(URI.file(file).toString());
      if (document && !project.setText(file, document.getText())) continue;
      projects.add(project);
      if (project.has(file)) {
        syntactic.set(file, project);
        typed.set(file, project);
        for (const mate of project.cycleMatesOf(file)) syntactic.set(mate, project);
      }
      for (const dependent of project.dependentsOf(file)) typed.set(dependent, project);
    }
    this.edited.clear();
    for (const project of projects) {
      for (const changed of project.takeGraphChanges()) {
        syntactic.set(changed, project);
        typed.set(changed, project);
      }
    }
    for (const [file, project] of syntactic) this.publishFile(project, file, false);
    this.typedQueue = new Map([...typed, ...this.typedQueue]);
    // One module per turn: its diagnostics go out before the next is checked (the writer sends them once
    // this turn ends), and an edit arriving meanwhile goes first.
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (generation !== this.generation) return;
      const next = this.typedQueue.entries().next();
      if (next.done) break;
      const [file, project] = next.value;
      this.typedQueue.delete(file);
      if (project.has(file)) this.publishFile(project, file, true);
    }
    this.sendSummary();
  }

  private publishFile(project: ProjectAnalysis, file: string, types: boolean): void {
    const uri = URI.file(file).toString();
    try {
      const hazards = project.checkFile(file, { types });
      this.counts.set(file, { hazards: hazards.length, errors: hazards.filter((hazard) => hazard.severity === 'error').length });
      const document = this.documents.get(uri);
      const skipped = project.skippedReason(file);
      const diagnostics = skipped ? [notAnalysed(skipped)] : hazards.map(toLspDiagnostic);
      void this.connection.sendDiagnostics({ uri, ...(document ? { version: document.version } : {}), diagnostics });
    } catch (error) {
      this.connection.console.error(`reloadable: analysis of ${file} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  private publishConfigError(folder: string, error: ConfigError): void {
    const line = Math.max(0, error.line - 1);
    const character = Math.max(0, error.column - 1);
    void this.connection.sendDiagnostics({
      uri: URI.file(error.file || folder).toString(),
      diagnostics: [
        {
          range: { start: { line, character }, end: { line, character: character + 1 } },
          severity: DiagnosticSeverity.Error,
          source: 'reloadable',
          message: error.message,
        },
      ],
    });
  }

  private sendSummary(): void {
    void this.connection.sendNotification(AnalysisSummaryNotification.type, this.summary());
  }
}

/** The one note a module left out of the analysis gets, at its first line, with the reason. */
function notAnalysed(reason: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    code: 'not-analysed',
    source: 'reloadable',
    message: reason,
  };
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
              range: {
                start: { line: related.line - 1, character: related.column - 1 },
                end: { line: related.line - 1, character: related.column - 1 },
              },
            },
            message: related.message || related.file,
          })),
        }
      : {}),
    // The 0-based offsets, so a code action finds the node without parsing positions back.
    data: { start: hazard.start, end: hazard.end },
  };
}
