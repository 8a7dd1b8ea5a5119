import { URI } from 'vscode-uri';
import { DiagnosticSeverity, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigError } from '../../../src-shared/config';
import { ProjectAnalysis } from '../analysis/analyzer';
import type { HazardDiagnostic } from '../analysis/diagnostics';
import { isInside } from '../analysis/project';

const severities = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };
const debounceMs = 150;

/** Publishes the hazards of open documents, re-analysing an edited document after a short pause. */
export class DiagnosticsPublisher {
  private readonly projects = new Map<string, ProjectAnalysis | ConfigError>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private folders: string[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
  ) {}

  setWorkspaceFolders(uris: string[]): void {
    this.folders = uris.map((uri) => URI.parse(uri).fsPath);
  }

  schedule(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => this.publish(uri), debounceMs));
  }

  clear(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private publish(uri: string): void {
    this.timers.delete(uri);
    const document = this.documents.get(uri);
    const file = URI.parse(uri).fsPath;
    const project = this.projectOf(file);
    if (!document || !(project instanceof ProjectAnalysis) || !project.setText(file, document.getText())) return;
    try {
      const diagnostics = project.checkFile(file).map(toLspDiagnostic);
      void this.connection.sendDiagnostics({ uri, version: document.version, diagnostics });
    } catch (error) {
      this.connection.console.error(`reloadable: analysis of ${file} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  private projectOf(file: string): ProjectAnalysis | ConfigError | undefined {
    const folder = this.folders.filter((candidate) => isInside(candidate, file)).sort((a, b) => b.length - a.length)[0];
    if (!folder) return undefined;
    let project = this.projects.get(folder);
    if (!project) {
      try {
        project = ProjectAnalysis.open(folder);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        project = error;
        this.connection.console.error(`reloadable: ${error.message}`);
      }
      this.projects.set(folder, project);
    }
    return project;
  }
}

function toLspDiagnostic(hazard: HazardDiagnostic): Diagnostic {
  return {
    range: {
      start: { line: hazard.line - 1, character: hazard.column - 1 },
      end: { line: hazard.endLine - 1, character: hazard.endColumn - 1 },
    },
    severity: severities[hazard.severity],
    code: hazard.code,
    source: 'reloadable',
    message: hazard.message,
  };
}
