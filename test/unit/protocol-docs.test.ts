import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import * as control from '../../src-shared/control-protocol';
import * as lsp from '../../src-shared/lsp-protocol';

const root = path.resolve(__dirname, '../..');

/** Every message a protocol module declares: its namespaces that carry a `type`. */
function declared(protocol: Record<string, unknown>): Map<string, 'request' | 'notification'> {
  const messages = new Map<string, 'request' | 'notification'>();
  for (const [name, value] of Object.entries(protocol)) {
    const type = (value as { type?: unknown; method?: unknown } | undefined)?.type;
    if (!(type instanceof RequestType) && !(type instanceof NotificationType)) continue;
    assert.equal(type.method, (value as { method: string }).method, `${name}.type carries its own method`);
    messages.set(type.method, type instanceof RequestType ? 'request' : 'notification');
  }
  return messages;
}

/** Every `reloadable/…` method a document describes, with the kind written beside it. */
function documented(file: string): Map<string, 'request' | 'notification'> {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const messages = new Map<string, 'request' | 'notification'>();
  for (const line of text.split('\n')) {
    const method = /`(reloadable\/\w+)`/.exec(line)?.[1];
    const kind = /\b(request|notification)\b/.exec(line)?.[1] as 'request' | 'notification' | undefined;
    if (method && kind && (line.startsWith('|') || line.startsWith('#'))) messages.set(method, kind);
  }
  return messages;
}

describe('protocol declarations and their documentation', () => {
  for (const [doc, protocol] of [
    ['docs/lsp-extensions.md', lsp],
    ['docs/control-protocol.md', control],
  ] as const) {
    it(`${doc} describes exactly the messages its module declares, with their kinds`, () => {
      const messages = declared(protocol);
      assert.ok(messages.size > 0);
      assert.deepEqual([...documented(doc)].sort(), [...messages].sort());
    });
  }
});
