import { URI } from 'vscode-uri';
import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ModuleGraphRequest, ReloadOrderRequest } from '../../src-shared/lsp-protocol';
import { moduleExtensions } from './analysis/project';
import { codeActions } from './handlers/code-actions';
import { DiagnosticsPublisher } from './handlers/diagnostics';
import { moduleGraph, reloadOrder } from './handlers/graph';
import { Workspace } from './workspace';

declare const RELOADABLE_VERSION: string;

// Wiring only: the analysis lives in ./analysis, the LSP adapters in ./handlers.
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace((message) => connection.console.error(message));
const diagnostics = new DiagnosticsPublisher(connection, documents, workspace);
let watchesFiles = false;

connection.onInitialize((params) => {
  workspace.setFolders(params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []));
  watchesFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'reloadable', version: typeof RELOADABLE_VERSION === 'string' ? RELOADABLE_VERSION : '0.0.0-dev' },
  };
});

connection.onInitialized(() => {
  if (watchesFiles) {
    const extensions = moduleExtensions.map((extension) => extension.slice(1)).join(',');
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: `**/*.{${extensions}}` }, { globPattern: '**/{reloadable.config.json,tsconfig.json,jsconfig.json,package.json}' }],
    });
  }
  connection.workspace.onDidChangeWorkspaceFolders?.(() => {
    void connection.workspace.getWorkspaceFolders().then((folders) => {
      workspace.setFolders(folders?.map((folder) => folder.uri) ?? []);
      void diagnostics.analyseAll();
    });
  });
  void diagnostics.analyseAll();
});

connection.onDidChangeWatchedFiles(({ changes }) => {
  let setupChanged = false;
  for (const change of changes) {
    const file = URI.parse(change.uri).fsPath;
    if (Workspace.isSetupFile(file)) {
      const folder = workspace.folderOf(file)?.folder;
      if (folder) workspace.reopen(folder);
      setupChanged = true;
    } else if (change.type === FileChangeType.Deleted) diagnostics.deleted(file);
    else diagnostics.changedOnDisk(file);
  }
  if (setupChanged) void diagnostics.analyseAll();
});

connection.onCodeAction((params) => codeActions(documents, params));
connection.onRequest(ModuleGraphRequest.method, (params: ModuleGraphRequest.Params) => moduleGraph(workspace, params ?? {}, (file) => diagnostics.hazardsIn(file)));
connection.onRequest(ReloadOrderRequest.method, (params: ReloadOrderRequest.Params) => reloadOrder(workspace, { uris: Array.isArray(params?.uris) ? params.uris.filter((uri) => typeof uri === 'string') : [] }));

documents.onDidChangeContent((event) => diagnostics.schedule(event.document.uri));
documents.onDidClose((event) => diagnostics.closed(event.document.uri));

documents.listen(connection);
connection.listen();
