// Publishes hazards. An editor's text goes into the analysis the moment it arrives, so whatever is computed
// afterwards is computed on it, and each publication carries the version it was computed for: nothing of an
// older text can follow a newer one. The work itself waits in a queue (./analysis-queue.ts) and runs a few
// milliseconds at a time, so a newer edit is taken in between: the modules an editor shows first (the rules
// that need no types, then the type-aware ones), then the rest of the workspace.
import { URI } from 'vscode-uri';
import {
  DiagnosticSeverity,
  type Connection,
  type Diagnostic,
  type TextDocuments,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigError } from '../../../src-shared/config';
import { hazardDocUrl } from '../../../src-shared/hazard-codes';
import { AnalysisSummaryNotification } from '../../../src-shared/lsp-protocol';
import { ProjectAnalysis } from '../analysis/analyzer';
import type { HazardDiagnostic } from '../analysis/diagnostics';
import { collectGarbage, collectGarbageIfGrown } from '../collect-garbage';
import type { Workspace } from '../workspace';
import { AnalysisQueue, type Step } from './analysis-queue';

const severities = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };

/** How long one turn of the queue may run before incoming messages are read again. */
const turnBudgetMs = 8;
/**
 * How long type-aware checks may wait for edits to stop arriving. Each one after an edit builds a new type
 * program, so while messages keep coming (a paste, an editor replaying changes) they wait, and one program
 * serves the lot; a steady stream still gets one this often.
 */
const typesPatienceMs = 250;

export class DiagnosticsPublisher {
  private readonly queue = new AnalysisQueue();
  /** Modules touched since the last turn (edited, opened, closed, changed or deleted on disk); true for deleted ones. */
  private readonly touched = new Map<string, boolean>();
  private turn: NodeJS.Immediate | undefined;
  /** The open module touched last: once the queue is empty, its focused type program is prepared. */
  private focusWanted: string | undefined;
  /** When type-aware checks were first held back for edits that kept arriving; undefined while none are held. */
  private holdingTypesSince: number | undefined;
  /** The whole-workspace pass under way: its progress in the editor, and how many modules it covers. */
  private workspacePass: { progress: WorkDoneProgressServerReporter | undefined; modules: number; reported: number } | undefined;
  /** Hazard counts by file, for the summary. */
  private readonly counts = new Map<string, { hazards: number; errors: number }>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly workspace: Workspace,
  ) {
    // A folder opened (again) sees the editor's unsaved texts, not only the disk.
    workspace.onOpened = (project) => {
      for (const document of this.documents.all()) {
        const file = URI.parse(document.uri).fsPath;
        if (project.accepts(file)) project.setText(file, document.getText());
      }
    };
  }

  /** Analyses every folder: the open modules first, then the rest, with progress in the editor. */
  analyseAll(): void {
    this.queue.clear();
    const projects = this.workspace.all();
    for (const { folder, state } of projects) {
      if (state instanceof ConfigError) this.publishConfigError(folder, state);
    }
    const files = projects.flatMap(({ state }) => (state instanceof ProjectAnalysis ? state.files : []));
    this.queue.prepare(files);
    this.queue.later('syntax', files);
    this.queue.later('types', files);
    const open = this.openFiles();
    this.queue.soon('syntax', open);
    this.queue.soon('types', open);
    const pass = { progress: undefined as WorkDoneProgressServerReporter | undefined, modules: files.length, reported: -1 };
    this.workspacePass?.progress?.done();
    this.workspacePass = pass;
    void this.connection.window
      .createWorkDoneProgress()
      .then((progress) => {
        if (this.workspacePass !== pass) return progress.done();
        pass.progress = progress;
        progress.begin('Reloadable: analysing', 0, `${files.length} modules`, true);
      })
      .catch(() => undefined);
    this.wake();
  }

  /** An open document's text changed (or it was opened): the analysis takes it now, the checks follow. */
  edited(uri: string, text: string): void {
    const file = URI.parse(uri).fsPath;
    if (this.workspace.projectOf(file)?.setText(file, text)) this.touch(file, false);
  }

  /** A closed document goes back to what is on disk. */
  closed(uri: string): void {
    const file = URI.parse(uri).fsPath;
    if (this.workspace.projectOf(file)?.setText(file, undefined)) this.touch(file, false);
  }

  /** A file changed on disk (or was created) while not open: re-read it. */
  changedOnDisk(file: string): void {
    const project = this.workspace.projectOf(file);
    if (!project || this.documents.get(URI.file(file).toString())) return;
    if (project.setText(file, undefined)) this.touch(file, false);
  }

  deleted(file: string): void {
    this.workspace.projectOf(file)?.remove(file);
    this.counts.delete(file);
    void this.connection.sendDiagnostics({ uri: URI.file(file).toString(), diagnostics: [] });
    // Its importers lost an edge. An editor may still show the file: its buffer does not bring it back.
    this.touch(file, true);
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

  private touch(file: string, deleted: boolean): void {
    this.touched.set(file, deleted);
    this.wake();
  }

  private wake(): void {
    this.turn ??= setImmediate(() => this.runTurn());
  }

  /**
   * One turn: the modules touched since the last one are queued first, then jobs run until the turn's
   * budget is spent. An edit that arrives meanwhile waits for the end of the turn, never for the queue.
   */
  private runTurn(): void {
    this.turn = undefined;
    const started = performance.now();
    // Edits arrived since the last turn: more may be right behind them (the connection reads one message
    // per turn), so this turn runs only the cheap steps, unless type-aware checks have waited long enough.
    let typesNow = true;
    if (this.touched.size > 0) {
      this.queueTouched();
      this.holdingTypesSince ??= started;
      typesNow = started - this.holdingTypesSince > typesPatienceMs;
    }
    if (typesNow) this.holdingTypesSince = undefined;
    for (let job = this.queue.next(typesNow); job; job = this.queue.next(typesNow)) {
      this.run(job.step, job.file);
      if (performance.now() - started > turnBudgetMs) break;
    }
    this.reportProgress();
    if (this.queue.size > 0) return this.wake();
    const focus = this.focusWanted;
    this.focusWanted = undefined;
    // Idle: the module being edited gets its focused type program now, so its next edit is checked quickly.
    if (focus && this.documents.get(URI.file(focus).toString())) this.workspace.projectOf(focus)?.focusTypes(focus);
    this.finished();
  }

  /** Queues what the touched modules affect: their own checks first, then their cycles' and importers'. */
  private queueTouched(): void {
    const syntax: string[] = [];
    const types: string[] = [];
    const laterSyntax: string[] = [];
    const laterTypes: string[] = [];
    const shown = (file: string) => this.documents.get(URI.file(file).toString()) !== undefined;
    const projects = new Set<ProjectAnalysis>();
    // While a whole-workspace pass is still preparing, every module is queued for it anyway: the touched
    // ones only move ahead, and the graph (every module parsed) is not forced in one go.
    const preparing = this.queue.preparing();
    let latestShown: string | undefined;
    for (const [file, deleted] of [...this.touched].reverse()) {
      const project = this.workspace.projectOf(file);
      if (!project) continue;
      if (!deleted && shown(file)) latestShown ??= file;
      if (preparing) {
        if (!deleted && project.has(file)) {
          syntax.push(file);
          types.push(file);
        }
        continue;
      }
      projects.add(project);
      if (!deleted && project.has(file)) {
        syntax.push(file);
        types.push(file);
        for (const mate of project.cycleMatesOf(file)) (shown(mate) ? syntax : laterSyntax).push(mate);
      }
      for (const dependent of project.dependentsOf(file)) (shown(dependent) ? types : laterTypes).push(dependent);
    }
    this.touched.clear();
    if (latestShown) this.focusWanted = latestShown;
    for (const project of projects) {
      for (const changed of project.takeGraphChanges()) {
        (shown(changed) ? syntax : laterSyntax).push(changed);
        (shown(changed) ? types : laterTypes).push(changed);
      }
    }
    this.queue.soon('syntax', syntax);
    this.queue.soon('types', types);
    this.queue.later('syntax', laterSyntax);
    this.queue.later('types', laterTypes);
  }

  private run(step: Step, file: string): void {
    const project = this.workspace.projectOf(file);
    if (!project?.has(file)) return;
    try {
      if (step === 'prepare') project.prepare(file);
      else this.publishFile(project, file, step === 'types', this.queue.preparing());
    } catch (error) {
      this.connection.console.error(`reloadable: analysis of ${file} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  private publishFile(project: ProjectAnalysis, file: string, types: boolean, ahead: boolean): void {
    const uri = URI.file(file).toString();
    // The analysis holds the document's text since its last change arrived: this is that version's result.
    const document = this.documents.get(uri);
    // An open module is type-checked with what it imports, not with a whole new program of the project.
    const hazards = project.checkFile(file, { types, focus: document !== undefined, ahead });
    this.counts.set(file, { hazards: hazards.length, errors: hazards.filter((hazard) => hazard.severity === 'error').length });
    const skipped = project.skippedReason(file);
    const diagnostics = skipped ? [notAnalysed(skipped)] : hazards.map(toLspDiagnostic);
    void this.connection.sendDiagnostics({ uri, ...(document ? { version: document.version } : {}), diagnostics });
  }

  private reportProgress(): void {
    const pass = this.workspacePass;
    if (!pass?.progress || pass.modules === 0) return;
    // Cancelled in the editor: the open modules are still checked, the rest of the workspace is not.
    if (pass.progress.token.isCancellationRequested) this.queue.dropRest();
    const left = this.queue.waiting('syntax') + this.queue.waiting('types');
    const percent = Math.round(((2 * pass.modules - left) / (2 * pass.modules)) * 100);
    if (percent === pass.reported) return;
    pass.reported = percent;
    const step = this.queue.waiting('syntax') > 0 ? 'syntax' : 'types';
    pass.progress.report(percent, `${step}: ${pass.modules - this.queue.waiting(step)}/${pass.modules}`);
  }

  /** Nothing is left to do: every change up to now is published. */
  private finished(): void {
    const afterWorkspacePass = this.workspacePass !== undefined;
    this.workspacePass?.progress?.done();
    this.workspacePass = undefined;
    for (const { state } of this.workspace.all()) {
      if (!(state instanceof ProjectAnalysis)) continue;
      state.takeGraphChanges();
      // The checkers hold the types of every module they checked, and the next edit builds new ones anyway.
      state.releaseTypes();
    }
    // After the whole workspace, that was every module's types: they go back to the system now.
    if (afterWorkspacePass) collectGarbage(true);
    else collectGarbageIfGrown();
    void this.connection.sendNotification(AnalysisSummaryNotification.type, this.summary());
  }

  private openFiles(): string[] {
    return this.documents.all().map((document) => URI.parse(document.uri).fsPath);
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
