import { URI } from 'vscode-uri';
import {
  CodeActionKind,
  type CodeActionParams,
  createConnection,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ModuleGraphRequest } from '../../src-shared/lsp-protocol';
import { moduleExtensions } from './analysis/project';
import { codeActions } from './handlers/code-actions';
import { DiagnosticsPublisher } from './handlers/diagnostics';
import { moduleGraph } from './handlers/graph';
import { ResilientReader } from './resilient-reader';
import { Workspace } from './workspace';

declare const RELOADABLE_VERSION: string;

// Wiring only: the analysis lives in ./analysis, the LSP adapters in ./handlers.
// Over stdio, a reader that survives a garbled message; other transports (VS Code's IPC) as the library sets them.
const reader = process.argv.includes('--stdio') ? new ResilientReader(process.stdin) : undefined;
const connection = reader
  ? createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout))
  : createConnection(ProposedFeatures.all);
reader?.onError((error) => connection.console.error(`reloadable: a message that could not be read was dropped (${error.message})`));
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace((message) => connection.console.error(message));
const diagnostics = new DiagnosticsPublisher(connection, documents, workspace);
let watchesFiles = false;
let followsFolders = false;

connection.onInitialize((params) => {
  workspace.setFolders(params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []));
  // A client may declare no capabilities at all: it still gets diagnostics, just no dynamic registrations.
  watchesFiles = params.capabilities?.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  followsFolders = params.capabilities?.workspace?.workspaceFolders === true;
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
  if (followsFolders) {
    connection.workspace.onDidChangeWorkspaceFolders(() => {
      void connection.workspace.getWorkspaceFolders().then((folders) => {
        workspace.setFolders(folders?.map((folder) => folder.uri) ?? []);
        diagnostics.analyseAll();
      });
    });
  }
  diagnostics.analyseAll();
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
  if (setupChanged) diagnostics.analyseAll();
});

connection.onCodeAction(
  answering([], (params: CodeActionParams) => {
    if (typeof params?.textDocument?.uri !== 'string' || !Array.isArray(params.context?.diagnostics)) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument/codeAction takes { textDocument: { uri }, range, context: { diagnostics } }');
    }
    return codeActions(documents, params);
  }),
);
connection.onRequest(
  ModuleGraphRequest.type,
  answering({ folders: [] }, (params: ModuleGraphRequest.Params) => moduleGraph(workspace, params ?? {}, (file) => diagnostics.hazardsIn(file))),
);

/**
 * A handler whose internal failures stay in the server's log: the client gets an empty answer, never the
 * text of an assertion inside TypeScript ("Debug Failure. False expression: …"). Params that are not
 * what the request takes are the client's error: it gets InvalidParams.
 */
function answering<P, R>(empty: R, handler: (params: P) => R): (params: P) => R {
  return (params) => {
    try {
      return handler(params);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      connection.console.error(`reloadable: a request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return empty;
    }
  };
}

// The analysis takes a text as it arrives, so nothing computed later can be of an older one.
documents.onDidChangeContent((event) => diagnostics.edited(event.document.uri, event.document.getText()));
documents.onDidClose((event) => diagnostics.closed(event.document.uri));

documents.listen(connection);
connection.listen();
