import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
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
