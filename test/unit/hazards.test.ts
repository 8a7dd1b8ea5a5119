import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { actualFindings, expectedFindings, fixturesDir, rewriteExpectations, updateFixtures } from '../helpers/fixtures';

// Each folder under fixtures/hazards is one project; each file marks the findings it expects inline.
const root = path.join(fixturesDir, 'hazards');
for (const folder of fs.readdirSync(root).sort()) {
  describe(`hazards: ${folder}`, () => {
    const actual = actualFindings(path.join(root, folder));
    for (const [file, findings] of actual) {
      it(`reports exactly the marked findings in ${path.basename(file)}`, () => {
        if (updateFixtures) rewriteExpectations(file, findings);
        assert.deepEqual(findings, expectedFindings(file));
      });
    }
  });
}

describe('hazard messages', () => {
  const messagesOf = (files: Record<string, string>): string[] => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-messages-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
    return ProjectAnalysis.open(folder)
      .check()
      .diagnostics.map((diagnostic) => diagnostic.message);
  };

  it('names an event given by a variable as such, not as an event called like the variable', () => {
    const [message] = messagesOf({ 'main.ts': "const signal = 'SIGTERM';\nprocess.on(signal, () => undefined);\n" });
    assert.match(message!, /^Listener for the event named by `signal` on /);
    assert.match(message!, /hot\.listen\(target, signal, fn\)/);
  });

  it('quotes the code of a write as written, spaces kept', () => {
    const [message] = messagesOf({ 'main.ts': '(Object.prototype as any).foo = 1;\nexport {};\n' });
    assert.match(message!, /Write to `\(Object\.prototype as any\)\.foo`/);
  });

  it('says where a dropped promise can reject, as related information pointing into the callee', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-messages-'));
    const main = path.join(folder, 'main.ts');
    fs.writeFileSync(main, 'async function load(): Promise<void> {\n  throw new Error("no");\n}\nload();\nexport {};\n');
    const [diagnostic] = ProjectAnalysis.open(folder).check().diagnostics;
    assert.equal(diagnostic?.code, 'floating-promise');
    assert.match(diagnostic.message, /It can reject: `throw`\.$/);
    assert.deepEqual(
      diagnostic.related.map((related) => [related.file, related.line, related.message]),
      [[main, 2, 'can reject here: `throw`']],
    );
  });
});
