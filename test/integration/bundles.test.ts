import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');

/** The inputs esbuild put into a bundle, from the metafile every build writes. */
function bundleInputs(name: string): string[] {
  const file = path.join(root, 'out/meta', `${name}.json`);
  assert.ok(fs.existsSync(file), `${file} is missing: run npm run build`);
  return Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).inputs);
}

describe('bundles', () => {
  it('the client bundle holds no ts-morph and no TypeScript', () => {
    const heavy = bundleInputs('extension').filter((input) => /node_modules\/(ts-morph|@ts-morph|typescript)\//.test(input));
    assert.deepEqual(heavy, []);
  });

  it('the server bundle holds the analysis and ts-morph', () => {
    const inputs = bundleInputs('server');
    assert.ok(inputs.some((input) => input.includes('node_modules/@ts-morph/common/')));
    assert.ok(inputs.some((input) => input.startsWith('server/src/analysis/')));
  });

  it("the CLI's bundle holds no TypeScript: `run`, `reload` and `status` never read it; the analyser's bundle does", () => {
    const heavy = bundleInputs('cli').filter((input) => /node_modules\/(ts-morph|@ts-morph|typescript)\/|server\/src\/analysis\//.test(input));
    assert.deepEqual(heavy, []);
    assert.ok(bundleInputs('cli-analysis').some((input) => input.includes('node_modules/@ts-morph/common/')));
  });

  it('the extension manifest points at built files that exist', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.ok(fs.existsSync(path.join(root, manifest.main)), manifest.main);
    assert.ok(fs.existsSync(path.join(root, 'server/out/server.js')));
    for (const validation of manifest.contributes.jsonValidation) assert.ok(fs.existsSync(path.join(root, validation.url)), validation.url);
  });
});
