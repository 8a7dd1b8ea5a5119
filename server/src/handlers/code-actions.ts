// Quick fixes for the server's own diagnostics (see analysis/fixes.ts for what each one does).
import { URI } from 'vscode-uri';
import { CodeActionKind, type CodeAction, type CodeActionParams, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fixesFor } from '../analysis/fixes';
import { scriptKindOf } from '../analysis/source-store';
import { ts } from '../analysis/typescript';

export function codeActions(documents: TextDocuments<TextDocument>, params: CodeActionParams): CodeAction[] {
  const document = documents.get(params.textDocument.uri);
  const ours = params.context.diagnostics.filter((diagnostic) => diagnostic.source === 'reloadable' && typeof diagnostic.code === 'string');
  if (!document || ours.length === 0) return [];
  if (params.context.only && !params.context.only.some((kind) => CodeActionKind.QuickFix.startsWith(kind))) return [];
  const file = URI.parse(document.uri).fsPath;
  const sourceFile = ts.createSourceFile(file, document.getText(), ts.ScriptTarget.Latest, true, scriptKindOf(file));
  const actions: CodeAction[] = [];
  for (const diagnostic of ours) {
    const data = diagnostic.data as { start?: number; end?: number } | undefined;
    // Offsets from the client are clamped into the text: a stale or made-up range must not reach TypeScript.
    const length = document.getText().length;
    const clamp = (offset: number) => Math.min(Math.max(0, Math.trunc(offset)), length);
    const start = clamp(typeof data?.start === 'number' ? data.start : document.offsetAt(diagnostic.range.start));
    const end = Math.max(start, clamp(typeof data?.end === 'number' ? data.end : document.offsetAt(diagnostic.range.end)));
    for (const fix of fixesFor(sourceFile, String(diagnostic.code), start, end)) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        ...(fix.preferred ? { isPreferred: true } : {}),
        edit: {
          documentChanges: [
            {
              textDocument: { uri: document.uri, version: document.version },
              edits: fix.edits.map((edit) => ({
                range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
                newText: edit.text,
              })),
            },
          ],
        },
      });
    }
  }
  return actions;
}
