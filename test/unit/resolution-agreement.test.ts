// The runtime resolves every specifier of a project to the same file as the language server (which uses the
// user's TypeScript resolution): relative .js naming .ts, paths, package.json imports, self-references through
// exports, JSON, a directory required from CommonJS, and packages left to Node by both.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Resolver } from '../../runtime/src/modules/resolver';
import { formatOf } from '../../runtime/src/transform';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { fixturesDir } from '../helpers/fixtures';

const folder = path.join(fixturesDir, 'projects/agreement');

/** Every specifier each module writes, with how it loads it. */
function specifiers(file: string): Array<{ specifier: string; mode: 'import' | 'require' | 'dynamic' }> {
  const text = fs.readFileSync(file, 'utf8');
  const found: Array<{ specifier: string; mode: 'import' | 'require' | 'dynamic' }> = [];
  for (const match of text.matchAll(/from '([^']+)'/g)) found.push({ specifier: match[1]!, mode: formatOf(file) === 'esm' ? 'import' : 'require' });
  for (const match of text.matchAll(/import\('([^']+)'\)/g)) found.push({ specifier: match[1]!, mode: 'dynamic' });
  for (const match of text.matchAll(/require\('([^']+)'\)/g)) found.push({ specifier: match[1]!, mode: 'require' });
  return found;
}

describe('the runtime and the language server resolve alike', () => {
  const analysis = ProjectAnalysis.open(folder);
  const runtime = new Resolver(folder);
  const files = analysis.files.filter((file) => !file.endsWith('.json'));

  it('agree on every specifier of the fixture project', () => {
    const rows: string[] = [];
    for (const file of files) {
      for (const { specifier, mode } of specifiers(file)) {
        const server = analysis.resolveSpecifier(specifier, file, mode);
        const resolution = runtime.resolve(specifier, file, mode === 'require' ? 'require' : 'import');
        const mine = resolution.kind === 'app' ? resolution.file : undefined;
        rows.push(
          `${path.relative(folder, file)} ${specifier}: ${server ? path.relative(folder, server) : 'package'} / ${mine ? path.relative(folder, mine) : resolution.kind}`,
        );
        assert.equal(mine, server, `${path.relative(folder, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(rows.sort(), [
      'src/legacy.cts ./dir: src/dir/index.ts / src/dir/index.ts',
      'src/main.ts #internal/secret: src/internal/secret.ts / src/internal/secret.ts',
      'src/main.ts ./data.json: src/data.json / src/data.json',
      'src/main.ts ./lazy.js: src/lazy.ts / src/lazy.ts',
      'src/main.ts ./legacy.cjs: src/legacy.cts / src/legacy.cts',
      'src/main.ts ./relative.js: src/relative.ts / src/relative.ts',
      'src/main.ts @lib/aliased.js: src/lib/aliased.ts / src/lib/aliased.ts',
      'src/main.ts agreement-app/public/api: src/public/api.ts / src/public/api.ts',
      'src/main.ts node:fs: package / builtin',
      'src/main.ts some-package: package / external',
    ]);
  });
});
