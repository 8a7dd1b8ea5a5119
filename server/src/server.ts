import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticsPublisher } from './handlers/diagnostics';

// Wiring only: the analysis lives in ./analysis, the LSP adapters in ./handlers.
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const diagnostics = new DiagnosticsPublisher(connection, documents);

connection.onInitialize((params) => {
  diagnostics.setWorkspaceFolders(params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []));
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
    serverInfo: { name: 'reloadable' },
  };
});

documents.onDidOpen((event) => diagnostics.schedule(event.document.uri));
documents.onDidChangeContent((event) => diagnostics.schedule(event.document.uri));
documents.onDidClose((event) => diagnostics.clear(event.document.uri));

documents.listen(connection);
connection.listen();
